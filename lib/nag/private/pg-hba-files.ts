import { bootSqlTexts, initFiles } from './postgres-config';
import { RenderedResource } from './rendered';
import { describe, UNRESOLVED } from './values';
import { PgHba, PgHbaEntry, PgHbaName } from '../../postgres/pg-hba';

/** One pg_hba.conf a resource delivers, parsed with the project's pg_hba parser. */
export interface PgHbaFile {
  /** Where it came from, e.g. `Init file /etc/timescale/pg_hba.conf`. */
  readonly origin: string;
  /** The entries, in file order; undefined when the file cannot be read from the template. */
  readonly entries?: PgHbaEntry[];
  /** Why the file cannot be judged (content elsewhere, unparseable, or only known at deploy time). */
  readonly unreadable?: string;
  /**
   * For user data: the records it appends to a pg_hba.conf (`echo "<record>" >> .../pg_hba.conf`)
   * when they can be read; the file they land in is still unknown, so `entries` stays undefined.
   */
  readonly appended?: PgHbaEntry[];
}

const PG_HBA_PATH = /(^|\/)pg_hba[^/]*$/;
const FILES = new WeakMap<RenderedResource, PgHbaFile[]>();

/**
 * The pg_hba.conf files of a resource: `AWS::CloudFormation::Init` files named pg_hba*, parsed
 * once per resource. User data that touches pg_hba.conf, and Init metadata only known at deploy
 * time, are reported as unreadable: what they write cannot be seen in the template.
 */
export function pgHbaFiles(resource: RenderedResource): PgHbaFile[] {
  let files = FILES.get(resource);
  if (!files) {
    files = readPgHbaFiles(resource);
    FILES.set(resource, files);
  }
  return files;
}

function readPgHbaFiles(resource: RenderedResource): PgHbaFile[] {
  const out: PgHbaFile[] = [];
  const init = initFiles(resource);
  for (const file of init.files) {
    if (!PG_HBA_PATH.test(file.path)) {
      continue;
    }
    const origin = `Init file ${file.path}`;
    if (file.content === undefined) {
      out.push({ origin, unreadable: `its content comes from ${describe(file.source ?? 'outside the template')}` });
      continue;
    }
    try {
      out.push({ origin, entries: PgHba.parse(file.content) });
    } catch (e) {
      out.push({ origin, unreadable: file.content.includes(UNRESOLVED) ? 'it is only known at deploy time' : (e as Error).message });
    }
  }
  if (init.unresolved.length > 0 && resource.metadata['AWS::CloudFormation::Init'] !== undefined) {
    out.push(...init.unresolved.map((where) => ({ origin: where, unreadable: 'it is only known at deploy time' })));
  }
  // User data and Init commands that touch pg_hba.conf (sed, echo >>) change it in ways the file does not show.
  for (const { origin, text } of bootSqlTexts(resource).filter((t) => !t.origin.startsWith('Init file') && t.text.includes('pg_hba'))) {
    out.push({ origin, unreadable: `${origin === 'UserData' ? 'the user data' : 'it'} changes pg_hba.conf in ways the template does not show`, appended: appendedRecords(text) });
  }
  return out;
}

/** Records a script appends to pg_hba.conf with echo or printf, read with the shared parser (unreadable ones left out). */
function appendedRecords(script: string): PgHbaEntry[] {
  const out: PgHbaEntry[] = [];
  for (const m of script.matchAll(/\b(?:echo|printf)\s+(?:-e\s+)?(["'])(.*?)\1\s*>>?\s*\S*pg_hba/g)) {
    try {
      out.push(...PgHba.parse(m[2].replace(/\\n/g, '\n')));
    } catch {
      // not a record PostgreSQL would read
    }
  }
  return out;
}

/** True when a column (or address, or method) of an entry is only known at deploy time. */
export function unresolvedText(text: string | undefined): boolean {
  return text !== undefined && text.includes(UNRESOLVED);
}

/** Whether a DATABASE or USER column holds the keyword `keyword` (unquoted, as PostgreSQL reads keywords). */
export function hasKeyword(names: PgHbaName[], keyword: string): boolean {
  return names.some((n) => PgHba.isKeyword(n, keyword));
}

/** Whether a USER column names the role `name`, itself or as `+name` (a role is a member of itself). */
export function namesRole(names: PgHbaName[], name: string): boolean {
  return names.some((n) => n.value === name || (!n.quoted && n.value === `+${name}`));
}

/** Whether any element of a column is only known at deploy time. */
export function unresolvedNames(names: PgHbaName[]): boolean {
  return names.some((n) => unresolvedText(n.value));
}
