import { bootSqlTexts, InitFile, initFiles } from './postgres-config';
import { RenderedResource } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable, worst } from './rule';
import { describe, isIntrinsic, knownText, UNRESOLVED } from './values';

/**
 * pgBackRest configuration as a template delivers it: `AWS::CloudFormation::Init` files named
 * `pgbackrest.conf`, or `*.conf` in a pgBackRest `conf.d`, read as pgBackRest's INI. Values may be
 * CloudFormation intrinsics (a bucket's `Ref`, a key's `Fn::GetAtt`), kept as they are.
 */

/** One `key=value` line; the value is text, one intrinsic, or parts of both. */
export interface PgBackRestOption {
  readonly section: string;
  readonly value: unknown;
  readonly line: number;
  /** The file that sets it (`Init file <path>`). */
  readonly origin: string;
}

export interface PgBackRestFile {
  readonly path: string;
  readonly origin: string;
  /** Options by name (the last line wins, whatever the section: the host has one stanza). */
  readonly options: Map<string, PgBackRestOption>;
  /** Why (part of) the file cannot be read: content from elsewhere, or a line whose name is only known at deploy time. */
  readonly unreadable?: string;
  /** conf.d files whose pgbackrest.conf is not in the template: what they leave unset may be set there. */
  readonly partial?: boolean;
}

/** Whether a path is pgBackRest configuration. */
export function isPgBackRestConfigPath(path: string): boolean {
  return /(^|\/)pgbackrest\.conf$/.test(path) || (/pgbackrest[^/]*\/conf\.d\/[^/]+\.conf$/.test(path));
}

const FILES = new WeakMap<RenderedResource, PgBackRestFile[]>();

/** The pgBackRest files of a resource's Init metadata, in path order (read once per resource). */
export function pgBackRestFiles(resource: RenderedResource): PgBackRestFile[] {
  let found = FILES.get(resource);
  if (!found) {
    found = initFiles(resource).files.filter((f) => isPgBackRestConfigPath(f.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((file) => readFile(resource, file));
    FILES.set(resource, found);
  }
  return found;
}

const CONFIGS = new WeakMap<RenderedResource, PgBackRestFile[]>();
const MAIN_FILE = /(^|\/)pgbackrest\.conf$/;
const dirname = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), 0));

/**
 * The configurations pgBackRest reads, as it reads them: each `pgbackrest.conf` merged with the `*.conf`
 * files of the `conf.d` beside it (pgBackRest's config-include-path: one configuration, where an option
 * set twice is an error), and the files of a `conf.d` whose `pgbackrest.conf` is not in the template,
 * merged on their own. A repository defined only in a `conf.d` file is a repository like any other.
 */
export function pgBackRestConfigs(resource: RenderedResource): PgBackRestFile[] {
  let found = CONFIGS.get(resource);
  if (!found) {
    const files = pgBackRestFiles(resource);
    const mains = files.filter((f) => MAIN_FILE.test(f.path));
    const includes = files.filter((f) => !MAIN_FILE.test(f.path));
    const included = new Set<PgBackRestFile>();
    found = mains.map((main) => {
      const own = includes.filter((f) => f.path.startsWith(`${dirname(main.path)}/conf.d/`));
      own.forEach((f) => included.add(f));
      return merge(main, own);
    });
    const orphans = new Map<string, PgBackRestFile[]>();
    for (const file of includes.filter((f) => !included.has(f))) {
      const dir = dirname(file.path);
      orphans.set(dir, [...(orphans.get(dir) ?? []), file]);
    }
    found.push(...[...orphans.values()].map((group) => ({ ...merge(undefined, group), partial: true })));
    CONFIGS.set(resource, found);
  }
  return found;
}

function merge(main: PgBackRestFile | undefined, includes: PgBackRestFile[]): PgBackRestFile {
  const all = main ? [main, ...includes] : includes;
  if (all.length === 1) {
    return all[0];
  }
  const options = new Map<string, PgBackRestOption>();
  for (const file of all) {
    for (const [name, option] of file.options) {
      if (!options.has(name)) {
        options.set(name, option);
      }
    }
  }
  const unreadable = all.filter((f) => f.unreadable).map((f) => `${f.origin}: ${f.unreadable}`).join('; ') || undefined;
  const origin = main ? `${main.origin} with ${includes.map((f) => f.path).join(', ')}` : `Init files ${includes.map((f) => f.path).join(', ')}`;
  return { path: all[0].path, origin, options, unreadable };
}

function rawContent(resource: RenderedResource, file: InitFile): unknown {
  return (resource.metadata['AWS::CloudFormation::Init'] as any)?.[file.config]?.files?.[file.path]?.content;
}

/** The content as a list of pieces: text and intrinsics, in order. */
function pieces(value: unknown): unknown[] | undefined {
  if (typeof value === 'string') {
    return [value];
  }
  const join = (value as any)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const out: unknown[] = [];
    join[1].forEach((part: unknown, i: number) => {
      if (i > 0 && join[0] !== '') {
        out.push(join[0]);
      }
      const inner = pieces(part);
      out.push(...(inner ?? [part]));
    });
    return out;
  }
  return undefined;
}

function readFile(resource: RenderedResource, file: InitFile): PgBackRestFile {
  const origin = `Init file ${file.path}`;
  const options = new Map<string, PgBackRestOption>();
  const parts = pieces(rawContent(resource, file));
  if (!parts) {
    return { path: file.path, origin, options, unreadable: `its content comes from ${describe(file.source ?? 'an intrinsic')}` };
  }
  // Split into lines of pieces.
  const lines: unknown[][] = [[]];
  for (const part of parts) {
    if (typeof part === 'string') {
      part.split('\n').forEach((text, i) => {
        if (i > 0) {
          lines.push([]);
        }
        if (text !== '') {
          lines[lines.length - 1].push(text);
        }
      });
    } else {
      lines[lines.length - 1].push(part);
    }
  }
  let section = '';
  let unreadable: string | undefined;
  lines.forEach((line, index) => {
    const first = line[0];
    if (line.length === 0 || (typeof first === 'string' && /^\s*(#|$)/.test(first) && line.length === 1)) {
      return;
    }
    if (typeof first !== 'string') {
      unreadable = `line ${index + 1} starts with a value only known at deploy time`;
      return;
    }
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(first);
    if (header && line.length === 1) {
      section = header[1];
      return;
    }
    const eq = first.indexOf('=');
    if (eq < 0) {
      if (line.length > 1) {
        unreadable = `line ${index + 1} has a name only known at deploy time`;
      }
      return;
    }
    const name = first.slice(0, eq).trim();
    const rest = [first.slice(eq + 1), ...line.slice(1)].filter((p) => p !== '');
    const value = rest.length === 0 ? '' : rest.length === 1 ? (typeof rest[0] === 'string' ? (rest[0] as string).trim() : rest[0]) : rest;
    options.set(name, { section, value, line: index + 1, origin });
  });
  return { path: file.path, origin, options, unreadable };
}

/** Options that hold a repository's secrets, written on the host: they define no repository of their own. */
const SECRET_OPTIONS = /^repo\d+-(cipher-pass|s3-key|s3-key-secret|s3-token)$/;

/**
 * The repositories a configuration defines: repo1 always (pgBackRest's default), and every other
 * `repo<N>-` option's N. conf.d files whose pgbackrest.conf is not in the template define only the
 * repositories they name, secrets aside.
 */
export function repositories(file: PgBackRestFile): number[] {
  const found = new Set<number>(file.partial ? [] : [1]);
  for (const name of file.options.keys()) {
    const m = /^repo(\d+)-/.exec(name);
    if (m && !(file.partial && SECRET_OPTIONS.test(name))) {
      found.add(Number(m[1]));
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** The text of an option's value, or undefined when part of it is only known at deploy time. */
export function optionText(option: PgBackRestOption | undefined): string | undefined {
  if (option === undefined) {
    return undefined;
  }
  const text = typeof option.value === 'string' ? option.value : knownText(option.value);
  return text === undefined || text.toUpperCase().includes(UNRESOLVED) ? undefined : text;
}

/** Every repository of the file encrypts client-side (`repo<N>-cipher-type=aes-256-cbc`). */
export function judgeCipher(file: PgBackRestFile): Outcome {
  return worst([COMPLIANT, ...repositories(file).map((n) => {
    const option = file.options.get(`repo${n}-cipher-type`);
    if (option === undefined && file.partial) {
      return unverifiable(`${file.origin}: repo${n}-cipher-type may be set in a pgbackrest.conf that is not in the template`);
    }
    if (option === undefined) {
      return nonCompliant(`${file.origin}: repo${n} has no repo${n}-cipher-type, so its backups and WAL are stored unencrypted`);
    }
    const text = optionText(option);
    if (text === undefined) {
      return unverifiable(`${option.origin} line ${option.line}: repo${n}-cipher-type is only known at deploy time`);
    }
    return text === 'aes-256-cbc' ? COMPLIANT : nonCompliant(`${option.origin} line ${option.line}: repo${n}-cipher-type=${text}`);
  })]);
}

const PASSPHRASE_LINE = /(^|\n)\s*repo\d+-cipher-pass\s*=\s*\S/i;
const PASSPHRASE_ENV = /PGBACKREST_REPO\d+_CIPHER_PASS\s*=\s*\S/;

/** Where a resource writes a repository passphrase into the template (Init files, commands, user data). */
export function passphrasesInTemplate(resource: RenderedResource): string[] {
  const found: string[] = [];
  for (const file of pgBackRestFiles(resource)) {
    for (const [name, option] of file.options) {
      if (/^repo\d+-cipher-pass$/.test(name)) {
        found.push(`${option.origin} line ${option.line} sets ${name}`);
      }
    }
  }
  for (const file of initFiles(resource).files) {
    const text = file.content;
    if (!isPgBackRestConfigPath(file.path) && text !== undefined && (PASSPHRASE_LINE.test(text) || PASSPHRASE_ENV.test(text))) {
      found.push(`Init file ${file.path} holds a pgBackRest cipher passphrase`);
    }
  }
  for (const text of bootSqlTexts(resource)) {
    if (!text.origin.startsWith('Init file') && (PASSPHRASE_LINE.test(text.text) || PASSPHRASE_ENV.test(text.text))) {
      found.push(`${text.origin} holds a pgBackRest cipher passphrase`);
    }
  }
  return found;
}

/** True when a value is (or contains) an intrinsic. */
export function hasIntrinsic(value: unknown): boolean {
  return isIntrinsic(value) || (Array.isArray(value) && value.some(isIntrinsic));
}
