/**
 * The one parser of PostgreSQL configuration (PostgresqlConf.parseEntries, PgHba.parse), used by the
 * constructs, the rule packs and the tests, reads tricky files exactly as a real server does.
 */
import { addressBytes, cidr, netmaskPrefix } from './support/hba-model';
import { ConfFragment, PostgresTestServer } from './support/pg-server';
import { PgHba, PostgresqlConf, TlsSettings } from '../../lib/postgres';

/** Lines PostgreSQL 15 and newer accept, written to trip a naive reader. */
const TRICKY_HBA = [
  '# TYPE DATABASE USER ADDRESS METHOD, and a comment with a "quote',
  'local     all       postgres                 peer',
  'hostnossl all       all       0.0.0.0/0      reject',
  'hostssl   "all"     "+ops"    10.0.0.0/8     scram-sha-256   # a quoted keyword is a name',
  'hostssl   all,"my db", replication  +readers,app  10.1.0.0 255.255.0.0  scram-sha-256',
  '"hostssl" sameuser  "a""b#c"  ::1/128        cert clientcert=verify-full',
  'hostssl   samerole  all       192.168.0.0/16 scram-sha-256 # "an unterminated quote in a comment',
  'hostnogssenc all    all       127.0.0.1/32   reject',
  '',
].join('\n');

const TRICKY_CONF: ConfFragment[] = [
  {
    name: '20-tricky.conf',
    content: [
      "# a comment with a 'quote",
      'ssl_min_protocol_version TLSv1.2',
      "cdk_test.hash = 'a # not a comment'   # but this is",
      "cdk_test.quotes = 'it''s \\'x\\' \\\\ \\101\\tz'",
      'Cdk_Test.Mixed=plain_value-1.2:/x',
      'work_mem = 4MB',
      'cdk_test.real = -1.5e3',
      'cdk_test.hex = 0x1F',
      "include_if_exists = 'not-there.conf'",
      '',
    ].join('\n'),
  },
  {
    name: '30-later.conf',
    content: "ssl_min_protocol_version = 'TLSv1.3'\ncdk_test.hash='later'\n",
  },
];

interface FileSetting {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly setting: string;
  readonly applied: boolean;
}

interface HbaRule {
  readonly line_number: number;
  readonly type: string;
  readonly database: string[];
  readonly user_name: string[];
  readonly address: string | null;
  readonly netmask: string | null;
  readonly auth_method: string;
  readonly options: string[] | null;
}

describe('the shared PostgreSQL config parser against a real server', () => {
  let server: PostgresTestServer;
  let fragments: ConfFragment[];

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => {
      fragments = [{ name: '10-tls.conf', content: TlsSettings.render(starting) }, ...TRICKY_CONF];
      return { hba: TRICKY_HBA, fragments };
    });
  });

  afterAll(() => server?.stop());

  const json = <T>(sql: string): T => JSON.parse(server.mustAdmin(`SELECT coalesce(json_agg(x), '[]') FROM (${sql}) x`));

  test('pg_file_settings holds exactly the settings PostgresqlConf.parseEntries reads, and the same one wins', () => {
    const rows = json<FileSetting[]>(
      "SELECT regexp_replace(sourcefile, '^.*/', '') AS file, sourceline AS line, lower(name) AS name, setting, applied " +
      "FROM pg_file_settings WHERE sourcefile LIKE '%/conf.d/%' ORDER BY seqno",
    );
    const ours = fragments.flatMap((fragment) => PostgresqlConf.parseEntries(fragment.content)
      .filter((entry) => !entry.isInclude)
      .map((entry) => ({ file: fragment.name, line: entry.line, name: entry.name, setting: entry.value })));
    const last = new Map(ours.map((entry, index) => [entry.name, index]));
    expect(rows).toEqual(ours.map((entry, index) => ({ ...entry, applied: last.get(entry.name) === index })));
  });

  test('the include directive is reported as such, not as a setting', () => {
    const entries = PostgresqlConf.parseEntries(TRICKY_CONF[0].content);
    expect(entries.filter((entry) => entry.isInclude)).toEqual([{ line: 9, name: 'include_if_exists', value: 'not-there.conf', isInclude: true }]);
  });

  test('pg_settings shows the values of the last file in name order', () => {
    expect(server.mustAdmin('SHOW ssl_min_protocol_version')).toBe('TLSv1.3');
    expect(server.mustAdmin('SHOW cdk_test.hash')).toBe('later');
    expect(server.mustAdmin('SHOW cdk_test.quotes')).toBe("it's 'x' \\ A\tz");
  });

  test('pg_hba_file_rules holds exactly the entries PgHba.parse reads', () => {
    const rows = json<HbaRule[]>('SELECT line_number, type, database, user_name, address, netmask, auth_method, options FROM pg_hba_file_rules ORDER BY line_number');
    const ours = PgHba.parse(TRICKY_HBA);
    expect(rows.map((row) => [row.line_number, row.type, row.database, row.user_name, row.auth_method]))
      .toEqual(ours.map((entry) => [entry.line, entry.type, entry.databases.map((n) => n.value), entry.users.map((n) => n.value), entry.method]));
    rows.forEach((row, index) => {
      const entry = ours[index];
      expect(row.options ?? []).toEqual(Object.entries(entry.options).map(([name, value]) => `${name}=${value}`));
      if (entry.address === undefined) {
        expect([row.address, row.netmask]).toEqual([null, null]);
      } else if (entry.netmask !== undefined) {
        expect([row.address, row.netmask]).toEqual([entry.address, entry.netmask]);
      } else {
        const block = cidr(entry.address);
        expect(addressBytes(row.address!)).toEqual(block.bytes);
        expect(netmaskPrefix(row.netmask!)).toBe(block.prefix);
      }
    });
  });

  test('a quoted "all" reject and a hostnogssenc line let a plaintext login through, as the rules say', () => {
    const hba = [
      'local        all      postgres                 peer',
      'hostnossl    "all"    all      127.0.0.1/32    reject',
      'hostnogssenc all      app      127.0.0.1/32    scram-sha-256',
      '',
    ].join('\n');
    const [, reject, nogss] = PgHba.parse(hba);
    expect(PgHba.isKeyword(reject.databases[0], 'all')).toBe(false);
    expect(nogss.type).toBe('hostnogssenc');
    server.reconfigure({ hba, fragments });
    server.mustAdmin("CREATE ROLE app LOGIN PASSWORD 'app-Secret-42'");
    const plaintext = server.connect({ sslmode: 'disable', user: 'app', password: 'app-Secret-42' });
    expect(plaintext.stderr).toBe('');
    expect(plaintext.stdout.trim()).toBe('app plaintext');
  });
});
