import { RenderedResource } from './rendered';
import { asArray, decodeBase64Literal, isIntrinsic, knownText, UNRESOLVED } from './values';

/**
 * A deliberately small reader of PostgreSQL server configuration as it appears in templates
 * (AWS::CloudFormation::Init files and user data). It is independent of lib/postgres so the
 * rules work on any template.
 */

export interface HbaLine {
  readonly type: string;
  readonly method: string;
  readonly text: string;
}

export interface ConfigSource {
  /** Where it came from, e.g. `Init file /etc/timescale/pg_hba.conf` or `UserData`. */
  readonly origin: string;
  readonly hba: HbaLine[];
  /** Settings of recognisable postgresql.conf content (last one wins); empty when none. */
  readonly settings: Map<string, string>;
  /** True when the text is recognisably a postgresql.conf file/fragment. */
  readonly isPostgresConf: boolean;
}

const HBA_TYPES = new Set(['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc']);
const PG_SETTINGS = /^(ssl|ssl_[a-z_]+|listen_addresses|port|max_connections|shared_buffers|shared_preload_libraries|password_encryption|hba_file|include_dir|include|include_if_exists|log_[a-z_]+|pgaudit\.[a-z_]+|timescaledb\.[a-z_]+|wal_level|data_directory|unix_socket_directories)$/;

/** pg_hba lines of `text` (comments and include directives skipped). */
export function parseHba(text: string): HbaLine[] {
  const out: HbaLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim().replace(/^echo\s+["']?/, '');
    const tokens = line.split(/\s+/).filter(Boolean);
    if (tokens.length < 4 || !HBA_TYPES.has(tokens[0].toLowerCase())) {
      continue;
    }
    const type = tokens[0].toLowerCase();
    // local: type db user method; network: type db user address [mask] method
    let methodIndex = type === 'local' ? 3 : 4;
    if (type !== 'local' && /^\d+\.\d+\.\d+\.\d+$/.test(tokens[3]) && tokens[4] && /^\d+\.\d+\.\d+\.\d+$/.test(tokens[4])) {
      methodIndex = 5;
    }
    const method = (tokens[methodIndex] ?? '').replace(/["']$/, '').toLowerCase();
    out.push({ type, method, text: line });
  }
  return out;
}

/** `key = value` settings of a postgresql.conf fragment (quotes stripped, keys lower-cased). */
export function parseConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const m = /^(?:ALTER\s+SYSTEM\s+SET\s+)?([A-Za-z_][\w.]*)\s*(?:=|\s|\bTO\b)\s*(.*?);?$/i.exec(line);
    if (!m) {
      continue;
    }
    const key = m[1].toLowerCase();
    if (!PG_SETTINGS.test(key)) {
      continue;
    }
    settings.set(key, m[2].trim().replace(/^TO\s+/i, '').replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1'));
  }
  return settings;
}

function looksLikeHbaFile(path: string, hba: HbaLine[]): boolean {
  return /pg_hba[^/]*$/.test(path) || hba.length > 0;
}

const SOURCES = new WeakMap<RenderedResource, ConfigSource[]>();

/** PostgreSQL configuration sources of a resource: Init files and user data (parsed once per resource). */
export function postgresConfigSources(resource: RenderedResource): ConfigSource[] {
  let sources = SOURCES.get(resource);
  if (!sources) {
    sources = readConfigSources(resource);
    SOURCES.set(resource, sources);
  }
  return sources;
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

function readConfigSources(resource: RenderedResource): ConfigSource[] {
  const sources: ConfigSource[] = [];
  if (resource.properties.UserData === undefined && resource.properties.LaunchTemplateData?.UserData === undefined &&
    resource.metadata['AWS::CloudFormation::Init'] === undefined) {
    return sources;
  }
  for (const file of initFiles(resource).files) {
    if (file.content === undefined) {
      continue;
    }
    const { path, content } = file;
    const hba = parseHba(content);
    const settings = /\.conf$/.test(path) && !/pg_hba|pg_ident/.test(path) ? parseConf(content) : new Map<string, string>();
    if (looksLikeHbaFile(path, hba) || settings.size > 0) {
      sources.push({ origin: `Init file ${path}`, hba, settings, isPostgresConf: settings.size > 0 });
    }
  }
  for (const userData of userDataTexts(resource)) {
    const hba = parseHba(userData);
    const settings = scanSslSettings(userData);
    if (hba.length > 0 || settings.size > 0) {
      sources.push({ origin: 'UserData', hba, settings, isPostgresConf: false });
    }
  }
  return sources;
}

/** `ssl*` settings anywhere in a script (`ssl = off`, `ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1'`). */
function scanSslSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const m of text.matchAll(/(?:^|[\s"'])(ssl(?:_[a-z_]+)?)\s*(?:=|\s+TO\s+)\s*'?([\w.${}-]+)'?/gim)) {
    settings.set(m[1].toLowerCase(), m[2]);
  }
  return settings;
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
