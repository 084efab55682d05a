import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, RuleDefinition } from '../../private/rule';
import { mappedValues, noEchoDefaultsIn } from '../../private/template-sections';
import { visitResourceText } from '../../private/template-text';
import { asArray, isIntrinsic, knownText, UNRESOLVED } from '../../private/values';

/** Property names that hold a password (Secrets Manager SecretString is judged by SecretValueGenerated). */
const PASSWORD_PROPERTY = /(passw(or)?ds?|passphrases?)$/i;
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

/**
 * Environment variable names that hold a secret: `DB_PASSWORD`, `API_KEY`, `SECRET`, `authToken`, `privateKey`. A bare `KEY`
 * suffix is not enough (`S3_KEY`, `partitionKey` name things), nor `PWD` alone (the working directory).
 */
const SECRET_NAME_SNAKE = /(^|[_.-])(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIALS?|(API|SECRET|PRIVATE|ACCESS|ENCRYPTION|SIGNING|AUTH|MASTER|CLIENT|HMAC|JWT|SESSION)[_.-]?KEY)$|[_.-]PWD$|(PASSWORD|PASSWD|PASSPHRASE)$|(^|[_.-])PASS$/i;
const SECRET_NAME_CAMEL = /[a-z0-9](Password|Passwd|Pwd|Passphrase|Secret|Token|Credentials?|(Api|Secret|Private|Access|Encryption|Signing|Auth|Master|Client|Hmac|Jwt|Session)Key)$/;
/** SSM parameter names that say the value is a secret. */
const SECRET_PARAMETER_NAME = /(passw(or)?d|passphrase|secret|token|private[-_]?key|api[-_]?key|credential)/i;
/** A `.pgpass` line (`host:port:database:user:password`, alone or quoted in an echo) in text that mentions .pgpass. */
const PGPASS_LINE = /(?:^|["'\s])[^\s:#"']+:(?:\d+|\*):[^\s:"']+:[^\s:"']+:([^\s"']+)/m;

/** Values that name where a secret is, not the secret: ARNs, aliases, paths, references. */
function namesALocation(value: string): boolean {
  return /^(arn:|alias\/|\/|s3:\/\/|ssm:|resolve:)/.test(value);
}

/**
 * The texts a value can deploy with, as far as the template writes them: its known text, and each
 * value an `Fn::FindInMap` inside it can return (the Mappings are in the template all the same).
 */
function writtenTexts(value: unknown, index: StackIndex): { text: string; where?: string }[] {
  const out: { text: string; where?: string }[] = [];
  const text = knownText(value);
  if (text !== undefined) {
    out.push({ text });
  }
  mappedValues(value, index, (mapped, where) => out.push({ text: mapped, where }));
  return out;
}

/** A literal that is a secret's value, not a placeholder or the name of where the secret is. */
function isSecretLiteral(text: string): boolean {
  return !isPlaceholder(text) && !namesALocation(text);
}

const through = (where?: string) => (where ? ` (${where})` : '');

/**
 * A property named like a password, at any depth (`MasterUserPassword`, `LoginProfile/Password`,
 * `Passwords` of an ElastiCache user), whose value the template writes out.
 */
function passwordProperty(value: unknown, path: string, index: StackIndex): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = passwordProperty(item, `${path}/${i}`, index);
      if (found) {
        return found;
      }
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object' || isIntrinsic(value)) {
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}/${key}` : key;
    if (PASSWORD_PROPERTY.test(key)) {
      const literal = asArray(item).flatMap((v) => writtenTexts(v, index)).find((t) => isSecretLiteral(t.text));
      if (literal) {
        return `property ${at} is a literal${through(literal.where)}`;
      }
    } else {
      const found = passwordProperty(item, at, index);
      if (found) {
        return found;
      }
    }
  }
  return undefined;
}

/** A secret written as the literal value of a Lambda or ECS environment variable. */
function environmentLiteral(r: RenderedResource, index: StackIndex): string | undefined {
  const variables: [unknown, unknown, string][] = [];
  if (r.type === 'AWS::Lambda::Function') {
    for (const [name, value] of Object.entries(r.properties.Environment?.Variables ?? {})) {
      variables.push([name, value, `Environment/Variables/${name}`]);
    }
  } else if (r.type === 'AWS::ECS::TaskDefinition') {
    asArray<any>(r.properties.ContainerDefinitions).forEach((c, i) => asArray<any>(c?.Environment).forEach((e) => {
      variables.push([e?.Name, e?.Value, `ContainerDefinitions/${i}/Environment/${e?.Name}`]);
    }));
  }
  for (const [nameValue, value, at] of variables) {
    // The name as far as the template writes it, too: a name substituted or mapped names a secret all the same.
    const name = writtenTexts(nameValue, index).map((t) => t.text).find((n) => SECRET_NAME_SNAKE.test(n) || SECRET_NAME_CAMEL.test(n));
    if (name === undefined) {
      continue;
    }
    const where = typeof nameValue === 'string' ? at : at.replace(/[^/]*$/, name);
    // The value as far as the template writes it: literals joined, substituted or mapped are literals too.
    const literal = writtenTexts(value, index).find((t) => isSecretLiteral(t.text));
    if (literal) {
      return `${where} is a literal${through(literal.where)} (pass a secret ARN and read it at run time, or ECS Secrets)`;
    }
  }
  return undefined;
}

/** A String SSM parameter whose name says it holds a secret, with a literal value. */
function parameterLiteral(r: RenderedResource, index: StackIndex): string | undefined {
  // CloudFormation creates String and StringList parameters, both plaintext (it cannot create a SecureString).
  if (r.type !== 'AWS::SSM::Parameter' || r.properties.Type === 'SecureString') {
    return undefined;
  }
  const name = writtenTexts(r.properties.Name, index).map((t) => t.text).find((n) => SECRET_PARAMETER_NAME.test(n));
  const literal = name !== undefined ? writtenTexts(r.properties.Value, index).find((t) => isSecretLiteral(t.text)) : undefined;
  if (literal) {
    return `${knownText(r.properties.Type) ?? 'String'} parameter ${name} holds a literal${through(literal.where)} ` +
      '(SSM String parameters are plaintext; keep secrets in Secrets Manager)';
  }
  return undefined;
}

/** A name a program passes (`password=pw`, `password: password`, `password: cfg.db.password`). */
const IDENTIFIER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** `PGPASSWORD=value`, the value bare or quoted (with spaces, parentheses, anything but its quote). */
const PGPASSWORD = /\bPGPASSWORD\s*=\s*(?:'([^']*)'|"([^"]*)"|([^\s;&|]+))/g;

/** A dynamic reference (`{{resolve:secretsmanager:db:SecretString:password::}}`, `{{resolve:ssm-secure:...}}`): where a secret is, not its value. */
const DYNAMIC_REFERENCE = /\{\{resolve:(?:[^}$]|\$\{UNRESOLVED\}|\$(?!\{))*\}\}/g;

/**
 * A password literal in free text, masked. In program code (`quotedOnly`), only a quoted value is a
 * literal: `password=pw` passes a variable.
 */
function findLiteral(raw: string, quotedOnly = false): string | undefined {
  // Every form below says "pass" (PGPASSWORD, pgpass, password, passphrase) or is a URL.
  if (!/pass|:\/\//i.test(raw)) {
    return undefined;
  }
  const text = raw.includes('{{resolve:') ? raw.replace(DYNAMIC_REFERENCE, '') : raw;
  PGPASSWORD.lastIndex = 0;
  for (let m = PGPASSWORD.exec(text); m; m = PGPASSWORD.exec(text)) {
    const value = m[1] ?? m[2] ?? m[3];
    if (!isPlaceholder(value)) {
      return m[0].replace(value, '****');
    }
  }
  if (/pgpass/i.test(text)) {
    const m = PGPASS_LINE.exec(text);
    if (m && !isPlaceholder(m[1])) {
      return `.pgpass line ${m[0].replace(m[1], '****')}`;
    }
  }
  for (const pattern of PATTERNS) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const value = m[m.length - 1];
      const bare = pattern === PATTERNS[0] && !m[1];
      if (!isPlaceholder(value) && !PSQL_VARIABLE.test(m[0]) && !(quotedOnly && bare && IDENTIFIER.test(value))) {
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
    'passwords in Secrets Manager and reference them with {{resolve:secretsmanager:...}} or fetch them at boot. Also ' +
    'caught: Lambda and ECS environment variables named like a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) with a literal value, ' +
    '.pgpass lines and PGPASSWORD in user data, String SSM parameters named like a secret, and resources reading a NoEcho ' +
    'parameter that has a Default (NoEcho hides the value from the console, not from the template). A value picked from ' +
    'the template\'s Mappings with Fn::FindInMap is judged as each value it can be.',
  resourceTypes: ['*'],
  evaluate(r, { index }) {
    const echoed = noEchoDefaultsIn(r.properties, index);
    if (echoed.length > 0) {
      return nonCompliant(`it reads parameter ${echoed[0].logicalId}, whose NoEcho hides a Default that is written in the template`);
    }
    const structured = environmentLiteral(r, index) ?? parameterLiteral(r, index);
    if (structured) {
      return nonCompliant(structured);
    }
    const property = passwordProperty(r.properties, '', index);
    if (property) {
      return nonCompliant(property);
    }
    let found: string | undefined;
    visitResourceText(r, (text, where) => {
      // ECS Secrets name where a secret is (`<secret arn>:password::`), as SecretString holds one on purpose.
      const reference = (r.type === 'AWS::SecretsManager::Secret' && where === 'Properties/SecretString') || /\/Secrets\/\d+\/ValueFrom$/.test(where);
      if (found === undefined && !reference) {
        const literal = findLiteral(text, /\/Code\/ZipFile$/.test(where));
        found = literal && `${where}: ${literal}`;
      }
    });
    return found === undefined ? COMPLIANT : nonCompliant(found);
  },
};
