import { PgHba, PgHbaConnectionType, PgHbaEntry } from '../../../postgres/pg-hba';
import { templateCidr } from '../../private/cidr';
import { hasKeyword, namesRole, PgHbaFile, pgHbaFiles, unresolvedText } from '../../private/pg-hba-files';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

/** The database superuser, whose network logins must be refused. */
const SUPERUSER = 'postgres';

/** TCP connections by encryption: a TLS, a GSSAPI-encrypted, or a plaintext connection. */
type Channel = 'tls' | 'gss' | 'plain';

/** The channels each connection type matches (`host` matches all three). */
const CHANNELS: { [type: string]: Channel[] } = {
  [PgHbaConnectionType.HOST]: ['tls', 'gss', 'plain'],
  [PgHbaConnectionType.HOSTSSL]: ['tls'],
  [PgHbaConnectionType.HOSTNOSSL]: ['gss', 'plain'],
  [PgHbaConnectionType.HOSTGSSENC]: ['gss'],
  [PgHbaConnectionType.HOSTNOGSSENC]: ['tls', 'plain'],
};

/** Which (channel, family, replication or not) combinations the superuser rejects seen so far cover. */
class Rejected {
  private readonly covered = new Set<string>();

  public add(channels: Channel[], families: number[], kinds: string[]): void {
    for (const c of channels) {
      for (const f of families) {
        for (const k of kinds) {
          this.covered.add(`${c}/${f}/${k}`);
        }
      }
    }
  }

  /** The combinations a line admitting `channels` and `kinds` from both families needs, that are not covered. */
  public missing(channels: Channel[], kinds: string[]): string[] {
    const out: string[] = [];
    for (const k of kinds) {
      for (const f of [4, 6]) {
        if (channels.some((c) => !this.covered.has(`${c}/${f}/${k}`))) {
          out.push(`${f === 4 ? '0.0.0.0/0' : '::/0'}${k === 'replication' ? ' (replication)' : ''}`);
        }
      }
    }
    return out;
  }
}

/** Address families an address column covers completely (0.0.0.0/0, ::/0, all). */
function wholeFamilies(e: PgHbaEntry): number[] {
  if (e.address === 'all') {
    return [4, 6];
  }
  if (e.address === undefined || unresolvedText(e.address)) {
    return [];
  }
  const cidr = templateCidr(e.netmask !== undefined ? `${e.address}/${maskPrefix(e.netmask)}` : e.address);
  return cidr && cidr.prefix === 0 ? [cidr.family] : [];
}

function maskPrefix(mask: string): number {
  if (mask.includes(':')) {
    return /^[0:]+$/.test(mask) ? 0 : 128;
  }
  return mask.split('.').every((o) => o === '0') ? 0 : 32;
}

/** Connection kinds a DATABASE column matches: `all` (and names) match ordinary connections, `replication` physical replication. */
function kindsOf(e: PgHbaEntry): string[] {
  const kinds: string[] = [];
  if (e.databases.some((n) => !PgHba.isKeyword(n, 'replication'))) {
    kinds.push('database');
  }
  if (hasKeyword(e.databases, 'replication')) {
    kinds.push('replication');
  }
  return kinds;
}

function judgeFile(file: PgHbaFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  const rejected = new Rejected();
  let doubtfulReject: PgHbaEntry | undefined;
  const failure = (detail: string) => doubtfulReject
    ? unverifiable(`${detail}, unless line ${doubtfulReject.line} (only known at deploy time) rejects the superuser`)
    : nonCompliant(detail);
  for (const e of file.entries) {
    const channels = CHANNELS[e.type];
    if (!channels) {
      continue; // local: the Unix socket is the superuser's only door
    }
    if (unresolvedText(e.method)) {
      if (rejected.missing(channels, ['database']).length > 0) {
        return unverifiable(`${file.origin} line ${e.line}: the method is only known at deploy time, and the line comes before the superuser rejects`);
      }
      continue;
    }
    if (e.method === 'reject') {
      if ([e.user, e.database, e.address].some(unresolvedText)) {
        doubtfulReject = doubtfulReject ?? e;
        continue;
      }
      if (namesRole(e.users, SUPERUSER) || hasKeyword(e.users, 'all')) {
        const kinds = [...(hasKeyword(e.databases, 'all') ? ['database'] : []), ...(hasKeyword(e.databases, 'replication') ? ['replication'] : [])];
        rejected.add(channels, wholeFamilies(e), kinds);
      }
      continue;
    }
    const missing = rejected.missing(channels, kindsOf(e));
    if (missing.length === 0 && unresolvedText(e.database) && rejected.missing(channels, ['replication']).length > 0) {
      return unverifiable(`${file.origin} line ${e.line}: the databases are only known at deploy time, and the superuser is not rejected for replication`);
    }
    if (missing.length > 0) {
      return failure(`${file.origin} line ${e.line} (${e.type} ${e.database} ${e.user} ${e.address ?? ''} ${e.method}) comes before ` +
        `a reject of the superuser ${SUPERUSER} from ${missing.join(' and ')} over ${e.type === 'hostssl' ? 'TLS' : e.type}`);
    }
  }
  const missing = rejected.missing(['tls'], ['database']);
  if (missing.length > 0) {
    return failure(`${file.origin} has no line rejecting TLS logins of the superuser ${SUPERUSER} from ${missing.join(' and ')} ` +
      '(hostnossl rejects do not cover TLS connections)');
  }
  return COMPLIANT;
}

/** Every pg_hba.conf in the template refuses network logins of the superuser before it admits anything over TCP. */
export const PostgresSuperuserRejectedFromNetwork: RuleDefinition = {
  name: 'PostgresSuperuserRejectedFromNetwork',
  guarantee: 'G7',
  info: 'A pg_hba.conf in the template does not reject the superuser postgres from the network before its first TCP line that admits logins.',
  explanation: 'The superuser can run programs on the host (COPY ... TO PROGRAM), read every customer\'s data and ' +
    'rewrite the server\'s settings, so it may log in only over the local socket (peer). Put ' +
    '"hostssl all postgres 0.0.0.0/0 reject" and "hostssl all postgres ::/0 reject" (or host ... reject) ahead of ' +
    'every host/hostssl/hostgssenc/hostnossl line whose method is not reject, and "... replication postgres ... reject" ' +
    'ahead of lines that admit replication; hostnossl rejects do not cover TLS connections, and a line admitting all ' +
    'roles or a +group admits the superuser too. PgHba.render renders this shape.',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = pgHbaFiles(r);
    return files.length === 0 ? NOT_APPLICABLE : worst(files.map(judgeFile));
  },
};
