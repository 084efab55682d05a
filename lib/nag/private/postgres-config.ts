import { RenderedResource } from './rendered';
import { asArray, decodeBase64Literal, describe, isIntrinsic, knownText, UNRESOLVED } from './values';

import { PostgresqlConf, PostgresqlConfEntry } from '../../postgres/postgresql-conf';

/**
 * PostgreSQL server configuration as a template delivers it: `AWS::CloudFormation::Init` files
 * read with the library's own parsers (lib/postgres), which read them as PostgreSQL does.
 */

/** File names PostgreSQL reads as server configuration wherever they live. */
const SERVER_CONFIG_NAMES = new Set(['pg_hba.conf', 'pg_ident.conf', 'postgresql.conf', 'postgresql.auto.conf']);

/** This library's configuration directory (see lib/host). */
const CONFIG_DIR = '/etc/timescale/';

/** Server configuration: the named files, `*.conf` in a `conf.d` directory, and `*.conf` under /etc/timescale. */
export function isServerConfigPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (SERVER_CONFIG_NAMES.has(name)) {
    return true;
  }
  return name.endsWith('.conf') && (/(^|\/)conf\.d\//.test(path) || path.startsWith(CONFIG_DIR));
}

/** One postgresql.conf file or conf.d fragment a resource delivers. */
export interface PostgresConfFile {
  /** The path on the host. */
  readonly path: string;
  /** Where it came from, e.g. `Init file /etc/timescale/conf.d/50-tls.conf`. */
  readonly origin: string;
  /** Its lines, in order, include directives included; undefined when it cannot be read. */
  readonly entries?: PostgresqlConfEntry[];
  /** Why it cannot be judged (content elsewhere, only known at deploy time, or a line PostgreSQL refuses). */
  readonly unreadable?: string;
  /** Lines only known at deploy time that cannot be read before then (the others are in `entries`). */
  readonly unresolvedLines?: string[];
}

const CONF_FILES = new WeakMap<RenderedResource, PostgresConfFile[]>();

/**
 * The postgresql.conf files and fragments of a resource's Init files (postgresql.conf,
 * postgresql.auto.conf, `*.conf` in conf.d or under /etc/timescale; not pg_hba.conf or
 * pg_ident.conf), parsed once per resource, in path order.
 */
export function postgresConfFiles(resource: RenderedResource): PostgresConfFile[] {
  let files = CONF_FILES.get(resource);
  if (!files) {
    files = initFiles(resource).files
      .filter((f) => isServerConfigPath(f.path) && !/(^|\/)pg_(hba|ident)[^/]*$/.test(f.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map(readConfFile);
    CONF_FILES.set(resource, files);
  }
  return files;
}

function readConfFile(file: InitFile): PostgresConfFile {
  const origin = `Init file ${file.path}`;
  if (file.content === undefined) {
    return { path: file.path, origin, unreadable: `its content comes from ${describe(file.source ?? 'outside the template')}` };
  }
  try {
    return { path: file.path, origin, entries: PostgresqlConf.parseEntries(file.content), unresolvedLines: [] };
  } catch (e) {
    if (!hasUnresolved(file.content)) {
      return { path: file.path, origin, unreadable: (e as Error).message };
    }
  }
  // Only some lines are known at deploy time (e.g. `port = ${Token}`): read the others.
  const entries: PostgresqlConfEntry[] = [];
  const unresolvedLines: string[] = [];
  for (const [index, text] of file.content.split(/\r?\n/).entries()) {
    try {
      entries.push(...PostgresqlConf.parseEntries(text).map((entry) => ({ ...entry, line: index + 1 })));
    } catch (e) {
      if (!hasUnresolved(text)) {
        return { path: file.path, origin, unreadable: (e as Error).message.replace('line 1', `line ${index + 1}`) };
      }
      unresolvedLines.push(text.trim());
    }
  }
  return { path: file.path, origin, entries, unresolvedLines };
}

/** Whether a file may set `name` on a line only known at deploy time. */
export function mayBeSetAtDeploy(file: PostgresConfFile, name: string): boolean {
  return (file.unresolvedLines ?? []).some((line) => line.toLowerCase().startsWith(name) || line.startsWith(UNRESOLVED));
}

/** The value a file leaves for `name` (the last assignment in the file wins), with its entry. */
export function lastSetting(file: PostgresConfFile, name: string): PostgresqlConfEntry | undefined {
  let found: PostgresqlConfEntry | undefined;
  for (const entry of file.entries ?? []) {
    if (!entry.isInclude && entry.name === name) {
      found = entry;
    }
  }
  return found;
}

/** The SQL a resource runs at boot: Init files ending in .sql, Init commands and user data. */
export interface SqlText {
  readonly origin: string;
  readonly text: string;
}

const SQL_TEXTS = new WeakMap<RenderedResource, SqlText[]>();

/** The boot SQL of a resource (read once per resource). */
export function bootSqlTexts(resource: RenderedResource): SqlText[] {
  let texts = SQL_TEXTS.get(resource);
  if (!texts) {
    texts = readBootSqlTexts(resource);
    SQL_TEXTS.set(resource, texts);
  }
  return texts;
}

function readBootSqlTexts(resource: RenderedResource): SqlText[] {
  const out: SqlText[] = [];
  for (const file of initFiles(resource).files) {
    if (file.path.endsWith('.sql') && file.content !== undefined) {
      out.push({ origin: `Init file ${file.path}`, text: file.content });
    }
  }
  const init = resource.metadata['AWS::CloudFormation::Init'];
  if (init && typeof init === 'object' && !isIntrinsic(init)) {
    for (const [configName, config] of Object.entries<any>(init)) {
      if (configName === 'configSets' || !config || typeof config.commands !== 'object' || isIntrinsic(config.commands)) {
        continue;
      }
      for (const [key, command] of Object.entries<any>(config.commands)) {
        const text = knownText(Array.isArray(command?.command) ? command.command.join(' ') : command?.command);
        if (text !== undefined) {
          out.push({ origin: `Init command ${key}`, text });
        }
      }
    }
  }
  out.push(...userDataTexts(resource).map((text) => ({ origin: 'UserData', text })));
  return out;
}

/** One file of a resource's `AWS::CloudFormation::Init` metadata, as cfn-init will write it. */
export interface InitFile {
  readonly path: string;
  /** The Init config (`config`, or a config of a config set) the file belongs to. */
  readonly config: string;
  /**
   * The text written, unresolved parts as {@link UNRESOLVED}; objects (`InitFile.fromObject`) as JSON.
   * Undefined when the file comes from elsewhere (`source`) or its content is not text.
   */
  readonly content?: string;
  /** The rendered `owner`, `group` and `mode` (cfn-init defaults: root, root, 000644). */
  readonly owner?: unknown;
  readonly group?: unknown;
  readonly mode?: unknown;
  /** Where the content comes from when it is not in the template (`source` URL). */
  readonly source?: unknown;
}

export interface InitFiles {
  readonly files: InitFile[];
  /** Parts of the Init metadata only known at deploy time (a config or its files as an intrinsic). */
  readonly unresolved: string[];
}

const INIT_FILES = new WeakMap<RenderedResource, InitFiles>();

/** The files of a resource's `AWS::CloudFormation::Init` metadata (instances, launch templates, any resource). */
export function initFiles(resource: RenderedResource): InitFiles {
  let found = INIT_FILES.get(resource);
  if (!found) {
    found = readInitFiles(resource.metadata['AWS::CloudFormation::Init']);
    INIT_FILES.set(resource, found);
  }
  return found;
}

function readInitFiles(init: unknown): InitFiles {
  const files: InitFile[] = [];
  const unresolved: string[] = [];
  if (init === undefined || init === null) {
    return { files, unresolved };
  }
  if (typeof init !== 'object' || isIntrinsic(init)) {
    return { files, unresolved: ['AWS::CloudFormation::Init'] };
  }
  for (const [configName, config] of Object.entries<any>(init)) {
    if (configName === 'configSets' || !config || config.files === undefined) {
      continue;
    }
    if (isIntrinsic(config) || isIntrinsic(config.files) || typeof config.files !== 'object') {
      unresolved.push(`AWS::CloudFormation::Init ${configName}`);
      continue;
    }
    for (const [path, file] of Object.entries<any>(config.files)) {
      if (isIntrinsic(file)) {
        unresolved.push(`Init file ${path}`);
        continue;
      }
      const content = typeof file?.content === 'object' && file.content !== null && !knownText(file.content)
        ? JSON.stringify(file.content) : knownText(file?.content);
      files.push({ path, config: configName, content, owner: file?.owner, group: file?.group, mode: file?.mode, source: file?.source });
    }
  }
  return { files, unresolved };
}

/** User data of an instance or launch template as text (pre-encoded base64 literals decoded). */
export function userDataTexts(resource: RenderedResource): string[] {
  const values = [resource.properties.UserData, resource.properties.LaunchTemplateData?.UserData];
  const out: string[] = [];
  for (const value of asArray(values)) {
    if (value === undefined) {
      continue;
    }
    const text = knownText(value);
    if (text === undefined) {
      continue;
    }
    out.push(typeof value === 'string' ? decodeBase64Literal(value) ?? text : text);
  }
  return out;
}

/** True when a value carries a placeholder for something unresolved. */
export function hasUnresolved(text: string): boolean {
  return text.toUpperCase().includes(UNRESOLVED);
}
