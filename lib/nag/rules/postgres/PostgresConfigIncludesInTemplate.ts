import { PostgresConfFile, postgresConfFiles } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { UNRESOLVED } from '../../private/values';

/** The path an include names, resolved as PostgreSQL does: relative to the including file's directory. */
function resolve(from: string, target: string): string {
  const joined = target.startsWith('/') ? target : `${from.slice(0, from.lastIndexOf('/') + 1)}${target}`;
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '..') {
      parts.pop();
    } else if (part !== '.' && part !== '') {
      parts.push(part);
    }
  }
  return `/${parts.join('/')}`;
}

function judgeFile(file: PostgresConfFile, delivered: string[]): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  const outcomes: Outcome[] = [COMPLIANT];
  for (const entry of file.entries.filter((e) => e.isInclude)) {
    const where = `${file.origin} line ${entry.line} (${entry.name} '${entry.value}')`;
    if (entry.value.includes(UNRESOLVED)) {
      outcomes.push(unverifiable(`${where}: the file it reads is only known at deploy time`));
      continue;
    }
    const target = resolve(file.path, entry.value);
    const shown = entry.name === 'include_dir'
      ? delivered.some((p) => p.startsWith(`${target}/`) && p.endsWith('.conf'))
      : delivered.includes(target);
    if (!shown) {
      outcomes.push(nonCompliant(`${where} reads ${target}, which the template does not deliver, so its settings cannot be judged`));
    }
  }
  return worst(outcomes);
}

/** Every include in the template's PostgreSQL config names configuration the template itself delivers. */
export const PostgresConfigIncludesInTemplate: RuleDefinition = {
  name: 'PostgresConfigIncludesInTemplate',
  guarantee: 'G3',
  info: 'A postgresql.conf file in the template includes a file or directory the template does not deliver.',
  explanation: 'An include, include_if_exists or include_dir reads settings that apply after the lines before it, so a ' +
    'file the template does not show could turn ssl off or lower ssl_min_protocol_version, and no review of the template ' +
    'would see it. That is judged non-compliant rather than unverifiable: the promise is that the TLS settings are in ' +
    'the template, and an include of an unseen file breaks it whatever that file holds today. Include only files, or ' +
    'conf.d directories, that AWS::CloudFormation::Init writes in the same template (their content is then judged by ' +
    'the other Postgres rules).',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = postgresConfFiles(r);
    if (!files.some((f) => !f.entries || f.entries.some((e) => e.isInclude))) {
      return NOT_APPLICABLE;
    }
    const delivered = files.map((f) => f.path);
    return worst(files.map((f) => judgeFile(f, delivered)));
  },
};
