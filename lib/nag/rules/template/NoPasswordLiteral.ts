import { COMPLIANT, nonCompliant, RuleDefinition } from '../../private/rule';
import { visitResourceText } from '../../private/template-text';
import { UNRESOLVED } from '../../private/values';

/** Property names that hold a password (Secrets Manager SecretString is judged by SecretValueGenerated). */
const PASSWORD_PROPERTY = /(passw(or)?d|passphrase)$/i;
/** `password = x`, `"password": "x"`, `PGPASSWORD=x`, `PASSWORD 'x'` (SQL), `scheme://user:x@host`. */
const PATTERNS = [
  /[A-Za-z_]*(?:passw(?:or)?d|passphrase)["']?\s*[:=]\s*(["']?)([^\s"'`,;(){}[\]]+)\1(?![[(.\w])/gi,
  /\bpassword\s+'([^']+)'/gi,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi,
];

/** A psql variable interpolated as the password (`PASSWORD :'name'`): set at run time, not written here. */
const PSQL_VARIABLE = /^password\s+:(["']?)[A-Za-z_][A-Za-z0-9_]*\1$/i;
/** An absolute file path (`admin_password=/run/app/admin.pw`): names the file the value is read from. */
const FILE_PATH = /^\/[A-Za-z0-9_.\/-]+$/;

function isPlaceholder(value: string): boolean {
  return value === '' || value.startsWith('$') || value.startsWith('{{resolve:') || value.startsWith('%') ||
    value.startsWith('<') || value.includes(UNRESOLVED) || /^(null|none|true|false|\*+|x+|\.+|…)$/i.test(value) || FILE_PATH.test(value);
}

function findLiteral(text: string): string | undefined {
  if (!/pass|:\/\//i.test(text)) {
    return undefined;
  }
  for (const pattern of PATTERNS) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const value = m[m.length - 1];
      if (!isPlaceholder(value) && !PSQL_VARIABLE.test(m[0])) {
        return m[0].replace(value, '****');
      }
    }
  }
  return undefined;
}

/** No password literals in properties, metadata or user data. */
export const NoPasswordLiteral: RuleDefinition = {
  name: 'NoPasswordLiteral',
  guarantee: 'G2',
  info: 'A password literal is written into the template.',
  explanation: 'Anything in a template is stored in plaintext in the cloud assembly and in CloudFormation. Generate ' +
    'passwords in Secrets Manager and reference them with {{resolve:secretsmanager:...}} or fetch them at boot.',
  resourceTypes: ['*'],
  evaluate(r) {
    for (const [key, value] of Object.entries(r.properties)) {
      if (PASSWORD_PROPERTY.test(key) && typeof value === 'string' && !isPlaceholder(value)) {
        return nonCompliant(`property ${key} is a literal`);
      }
    }
    let found: string | undefined;
    visitResourceText(r, (text, where) => {
      if (found === undefined && !(r.type === 'AWS::SecretsManager::Secret' && where === 'Properties/SecretString')) {
        const literal = findLiteral(text);
        found = literal && `${where}: ${literal}`;
      }
    });
    return found === undefined ? COMPLIANT : nonCompliant(found);
  },
};
