import { initFiles, userDataTexts } from './postgres-config';
import { RenderedResource } from './rendered';
import { describe, UNRESOLVED } from './values';
import { parsePgHba, PgHbaEntry } from '../../postgres/pg-hba';

/** One pg_hba.conf a resource delivers, parsed with the project's pg_hba parser. */
export interface PgHbaFile {
  /** Where it came from, e.g. `Init file /etc/timescale/pg_hba.conf`. */
  readonly origin: string;
  /** The entries, in file order; undefined when the file cannot be read from the template. */
  readonly entries?: PgHbaEntry[];
  /** Why the file cannot be judged (content elsewhere, unparseable, or only known at deploy time). */
  readonly unreadable?: string;
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
      out.push({ origin, entries: parsePgHba(file.content) });
    } catch (e) {
      out.push({ origin, unreadable: file.content.includes(UNRESOLVED) ? 'it is only known at deploy time' : (e as Error).message });
    }
  }
  if (init.unresolved.length > 0 && resource.metadata['AWS::CloudFormation::Init'] !== undefined) {
    out.push(...init.unresolved.map((where) => ({ origin: where, unreadable: 'it is only known at deploy time' })));
  }
  if (userDataTexts(resource).some((text) => text.includes('pg_hba'))) {
    out.push({ origin: 'UserData', unreadable: 'the user data changes pg_hba.conf in ways the template does not show' });
  }
  return out;
}

/** True when a column (or address, or method) of an entry is only known at deploy time. */
export function unresolvedText(text: string | undefined): boolean {
  return text !== undefined && text.includes(UNRESOLVED);
}

/** The comma-separated names of a DATABASE or USER column. */
export function columnNames(column: string): string[] {
  return column.split(',').map((n) => n.trim()).filter(Boolean);
}
