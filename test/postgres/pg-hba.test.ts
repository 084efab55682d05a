import { Lazy, Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { accessGroups, addressBytes, allowedNetworks, anyConnection, decidingEntry, hbaNames } from './support/hba-model';
import { ApprovedAccess, CustomerAccess, PgHba, PgHbaConnectionType, PgHbaEntry } from '../../lib/postgres';
import { parseCidr } from '../../lib/private/cidr';

const ENCRYPTION_ONLY_TYPES = [PgHbaConnectionType.HOSTNOSSL, PgHbaConnectionType.HOSTSSL, PgHbaConnectionType.LOCAL];

/** The four reject lines every rendering starts with: plaintext from anywhere, then the superuser from anywhere. */
const REJECT_LINES = [
  ['hostnossl', 'all', 'all', '0.0.0.0/0', 'reject'],
  ['hostnossl', 'all', 'all', '::/0', 'reject'],
  ['hostssl', 'all', 'postgres', '0.0.0.0/0', 'reject'],
  ['hostssl', 'all', 'postgres', '::/0', 'reject'],
];
const columns = (entry: PgHbaEntry) => [entry.type, entry.database, entry.user, entry.address, entry.method];
const accessLines = (entries: PgHbaEntry[]) => entries.filter((entry) => entry.type === PgHbaConnectionType.HOSTSSL && entry.method !== 'reject');

describe('PgHba.render', () => {
  const entries = PgHba.parse(PgHba.render({ allowedNetworks: ['10.0.0.0/16', 'fd00:10::/64'] }));

  test('starts with hostnossl reject lines for every IPv4 and IPv6 address', () => {
    expect(entries.slice(0, 2)).toEqual([
      expect.objectContaining({ type: PgHbaConnectionType.HOSTNOSSL, database: 'all', user: 'all', address: '0.0.0.0/0', method: 'reject' }),
      expect.objectContaining({ type: PgHbaConnectionType.HOSTNOSSL, database: 'all', user: 'all', address: '::/0', method: 'reject' }),
    ]);
  });

  test('then rejects the superuser over TLS from every IPv4 and IPv6 address, before any other TCP line', () => {
    expect(entries.slice(0, 4).map(columns)).toEqual(REJECT_LINES);
  });

  test('admits each allowed network with hostssl and scram-sha-256 only', () => {
    const network = accessLines(entries);
    expect(network.map((entry) => [entry.address, entry.method, entry.options])).toEqual([
      ['10.0.0.0/16', 'scram-sha-256', {}],
      ['fd00:10::/64', 'scram-sha-256', {}],
    ]);
  });

  test('has one local line, for the postgres OS user by peer, and no host lines', () => {
    expect(entries.filter((entry) => entry.type === PgHbaConnectionType.LOCAL)).toEqual([
      expect.objectContaining({ database: 'all', user: 'postgres', method: 'peer' }),
    ]);
    expect(entries).toHaveLength(7);
    expect(entries[entries.length - 1].type).toBe(PgHbaConnectionType.LOCAL);
    expect(entries.every((entry) => ENCRYPTION_ONLY_TYPES.includes(entry.type))).toBe(true);
  });

  test('renders the databases and users columns', () => {
    const text = PgHba.render({ allowedNetworks: ['10.1.0.0/16'], databases: ['tsdb', 'analytics'], users: ['+readers', 'app'] });
    expect(accessLines(PgHba.parse(text))).toEqual([expect.objectContaining({
      database: 'tsdb,analytics', user: '+readers,app', address: '10.1.0.0/16',
    })]);
  });

  test('renders one line per network of each access group, after the allowedNetworks group, with its own columns', () => {
    const text = PgHba.render({
      allowedNetworks: ['10.0.0.0/16'],
      access: [
        { networks: ['10.20.0.0/16', 'fd00:20::/56'], databases: ['acme'], users: ['+acme_login'] },
        { networks: ['10.30.0.0/16', '10.30.0.0/16'], databases: ['globex', 'globex_reports'], users: ['+globex_login'] },
        { networks: ['10.0.0.10/32'] },
      ],
    });
    expect(accessLines(PgHba.parse(text)).map(columns)).toEqual([
      ['hostssl', 'all', 'all', '10.0.0.0/16', 'scram-sha-256'],
      ['hostssl', 'acme', '+acme_login', '10.20.0.0/16', 'scram-sha-256'],
      ['hostssl', 'acme', '+acme_login', 'fd00:20::/56', 'scram-sha-256'],
      ['hostssl', 'globex,globex_reports', '+globex_login', '10.30.0.0/16', 'scram-sha-256'],
      ['hostssl', 'all', 'all', '10.0.0.10/32', 'scram-sha-256'],
    ]);
    expect(PgHba.parse(text).slice(0, 4).map(columns)).toEqual(REJECT_LINES);
  });

  test('renders the lines of customers and approved operators from their helpers', () => {
    const text = PgHba.render({
      access: [CustomerAccess.pgHbaAccess('acme', ['10.20.0.0/16']), CustomerAccess.pgHbaAccess('globex', ['10.30.0.0/16'], ['globex', 'metrics']),
        ApprovedAccess.pgHbaAccess(['10.0.0.10/32'])],
    });
    expect(accessLines(PgHba.parse(text)).map(columns)).toEqual([
      ['hostssl', 'acme', '+acme_login', '10.20.0.0/16', 'scram-sha-256'],
      ['hostssl', 'globex,metrics', '+globex_login', '10.30.0.0/16', 'scram-sha-256'],
      ['hostssl', 'all', '+approved_operator_access', '10.0.0.10/32', 'scram-sha-256'],
    ]);
  });

  test('accepts an empty allowedNetworks when access groups give the lines', () => {
    const text = PgHba.render({ allowedNetworks: [], access: [{ networks: ['10.20.0.0/16'] }] });
    expect(accessLines(PgHba.parse(text)).map((entry) => entry.address)).toEqual(['10.20.0.0/16']);
  });

  test('uses the superuser name given for the reject lines and the socket line', () => {
    const rendered = PgHba.parse(PgHba.render({ allowedNetworks: ['10.0.0.0/16'], superuser: 'dbroot' }));
    expect(rendered.filter((entry) => entry.user === 'dbroot').map(columns)).toEqual([
      ['hostssl', 'all', 'dbroot', '0.0.0.0/0', 'reject'],
      ['hostssl', 'all', 'dbroot', '::/0', 'reject'],
      ['local', 'all', 'dbroot', undefined, 'peer'],
    ]);
    // postgres is an ordinary name then, and may be admitted.
    expect(() => PgHba.render({ allowedNetworks: ['10.0.0.0/16'], users: ['postgres'], superuser: 'dbroot' })).not.toThrow();
  });

  test('passes tokens through unvalidated, one line each', () => {
    const token = Lazy.string({ produce: () => '10.0.0.0/16' });
    const text = PgHba.render({ allowedNetworks: [token, '192.168.0.0/24'] });
    expect(text).toContain(`hostssl    all        all        ${token}`);
    expect(Token.isUnresolved(text)).toBe(true);
  });

  test('renders a duplicated network once', () => {
    const text = PgHba.render({ allowedNetworks: ['10.0.0.0/8', ' 10.0.0.0/8 '] });
    expect(PgHba.parse(text).filter((entry) => entry.address === '10.0.0.0/8')).toHaveLength(1);
  });

  test('is stable text', () => {
    expect(PgHba.render({ allowedNetworks: ['10.0.0.0/16', 'fd00:10::/64'] })).toMatchSnapshot();
  });

  test('is stable text for two customers and approved operators', () => {
    expect(PgHba.render({
      access: [CustomerAccess.pgHbaAccess('acme', ['127.0.0.1/32']), CustomerAccess.pgHbaAccess('globex', ['::1/128']),
        ApprovedAccess.pgHbaAccess(['127.0.0.1/32'])],
    })).toMatchSnapshot();
  });
});

describe('PgHba.render refuses bad input', () => {
  test.each([
    ['0.0.0.0/0', /'0\.0\.0\.0\/0' admits every address on the internet; a \/0 block is never accepted/],
    ['::/0', /'::\/0' admits every address on the internet/],
    ['10.0.0.0/0', /'10\.0\.0\.0\/0' admits every address/],
    ['10.0.0.0/33', /'10\.0\.0\.0\/33' is not a valid CIDR block: the prefix length '\/33' is not a whole number from 0 to 32/],
    ['fd00::/129', /not a valid CIDR block: the prefix length '\/129' is not a whole number from 0 to 128/],
    ['10.0.0.256/32', /'10\.0\.0\.256' is not a valid IPv4 address/],
    ['010.0.0.0/8', /'010\.0\.0\.0' is not a valid IPv4 address/],
    ['10.0.0.0', /it has no prefix length \(a single host is written with \/32/],
    ['fe80::1%eth0/128', /is not a valid IPv6 address/],
    ['1::2::3/64', /is not a valid IPv6 address/],
    ['db.example.com/32', /is not a valid IPv4 address/],
    ['10.0.0.1/8', /has host bits set after the \/8 prefix.*Write the network address '10\.0\.0\.0\/8' for the block, or '10\.0\.0\.1\/32' for the single host/],
    ['fd00::1/64', /has host bits set.*'fd00::\/64' for the block, or 'fd00::1\/128'/],
  ])('fails for the allowed network %s', (network, message) => {
    expect(() => PgHba.render({ allowedNetworks: [network] })).toThrow(message);
    // Every message says what is accepted.
    expect(() => PgHba.render({ allowedNetworks: ['10.0.0.0/16', network] })).toThrow(/PgHbaOptions\.allowedNetworks element/);
  });

  test('fails for an empty list of allowed networks', () => {
    expect(() => PgHba.render({ allowedNetworks: [] })).toThrow(
      /PgHbaOptions\.allowedNetworks must list at least one client network; got \[\]\. Pass the CIDR blocks/);
  });

  test('fails for an empty element', () => {
    expect(() => PgHba.render({ allowedNetworks: [''] })).toThrow(/contains an empty or non-string element; got ""/);
  });

  test('fails for a list token', () => {
    const list = Token.asList(Lazy.list({ produce: () => ['10.0.0.0/16'] }));
    expect(() => PgHba.render({ allowedNetworks: list })).toThrow(/must be a list written in the app, one CIDR or token per element/);
  });

  test('fails for a token mixed with other text', () => {
    const token = Lazy.string({ produce: () => '10.0.0.0/16' });
    expect(() => PgHba.render({ allowedNetworks: [`${token} trust`] })).toThrow(/mixes a token with spaces/);
  });

  test.each([
    [{ users: ['postgres'] }, /PgHbaOptions\.users names the superuser \("postgres"\), which never logs in over the network.*the superuser uses the local socket/],
    [{ users: ['app', '+postgres'] }, /PgHbaOptions\.users names the superuser \("\+postgres"\).*its members would hold superuser powers/],
    [{ access: [{ networks: ['10.1.0.0/16'], users: ['postgres'] }] }, /PgHbaOptions\.access\[0\]\.users names the superuser \("postgres"\)/],
    [{ superuser: 'dbroot', users: ['dbroot'] }, /PgHbaOptions\.users names the superuser \("dbroot"\)/],
    [{ superuser: 'Root User' }, /PgHbaOptions\.superuser must be the superuser's role name.*got "Root User"\. Omit it for 'postgres'/],
    [{ superuser: 'all' }, /PgHbaOptions\.superuser must be.*not a pg_hba keyword/],
    [{ access: [{ networks: ['0.0.0.0/0'] }] }, /PgHbaOptions\.access\[0\]\.networks element '0\.0\.0\.0\/0' admits every address on the internet/],
    [{ access: [{ networks: ['10.1.0.0/16'] }, { networks: ['10.2.0.1/16'] }] }, /PgHbaOptions\.access\[1\]\.networks element '10\.2\.0\.1\/16' has host bits set/],
    [{ access: [{ networks: [] }] }, /PgHbaOptions\.access\[0\]\.networks must list at least one client network; got \[\]/],
    [{ access: [{ networks: ['10.1.0.0/16'], databases: ['@dbs'] }] }, /PgHbaOptions\.access\[0\]\.databases element "@dbs" is not accepted/],
    [{ access: [null] }, /PgHbaOptions\.access\[0\] must be an access group \{ networks, databases\?, users\? \}; got null/],
    [{ databases: [] }, /PgHbaOptions\.databases must list at least one name; got \[\]/],
    [{ databases: ['@dbs'] }, /PgHbaOptions\.databases element "@dbs" is not accepted.*@file references are not rendered/],
    [{ users: ['app user'] }, /PgHbaOptions\.users element "app user" is not accepted/],
    [{ users: ['"quoted"'] }, /PgHbaOptions\.users element/],
  ])('fails for %j', (names, message) => {
    expect(() => PgHba.render({ allowedNetworks: ['10.0.0.0/16'], ...names } as never)).toThrow(message);
  });

  test.each([
    [{}, /PgHbaOptions\.allowedNetworks must list at least one client network; got undefined/],
    [{ access: [] }, /PgHbaOptions must admit at least one client network; got allowedNetworks undefined and access \[\]\. Pass access groups/],
    [{ allowedNetworks: [], access: [] }, /PgHbaOptions must admit at least one client network; got allowedNetworks \[\] and access \[\]/],
    [{ allowedNetworks: [], access: [], users: ['app'] }, /PgHbaOptions\.databases and PgHbaOptions\.users apply to the allowedNetworks lines, and there are none/],
  ])('fails when no network line would be rendered: %j', (options, message) => {
    expect(() => PgHba.render(options)).toThrow(message);
  });

  test('fails for a list token as access', () => {
    const list = Token.asAny(Lazy.any({ produce: () => [] })) as never;
    expect(() => PgHba.render({ access: list })).toThrow(/PgHbaOptions\.access must be a list of access groups written in the app/);
  });
});

describe('PgHba.parse', () => {
  test('reads comments, quotes, comma lists, masks, options and continuation lines', () => {
    const entries = PgHba.parse([
      '# comment',
      '',
      'local   all  all                 peer  map=ops   # trailing comment',
      'hostssl "my db",other  +readers  192.168.1.0 255.255.255.0  scram-sha-256',
      'host    all  all  samenet \\',
      '        md5',
      '"hostssl" all  all  ::1/128  cert clientcert=verify-full',
      'hostssl all  "#user" 10.0.0.0/8 scram-sha-256',
    ].join('\n'));
    const plain = (...values: string[]) => values.map((value) => ({ value, quoted: false }));
    expect(entries).toEqual([
      { line: 3, type: 'local', database: 'all', user: 'all', databases: plain('all'), users: plain('all'), method: 'peer', options: { map: 'ops' } },
      {
        line: 4,
        type: 'hostssl',
        database: 'my db,other',
        user: '+readers',
        databases: [{ value: 'my db', quoted: true }, ...plain('other')],
        users: plain('+readers'),
        address: '192.168.1.0',
        netmask: '255.255.255.0',
        method: 'scram-sha-256',
        options: {},
      },
      { line: 5, type: 'host', database: 'all', user: 'all', databases: plain('all'), users: plain('all'), address: 'samenet', method: 'md5', options: {} },
      {
        line: 7,
        type: 'hostssl',
        database: 'all',
        user: 'all',
        databases: plain('all'),
        users: plain('all'),
        address: '::1/128',
        method: 'cert',
        options: { clientcert: 'verify-full' },
      },
      {
        line: 8,
        type: 'hostssl',
        database: 'all',
        user: '#user',
        databases: plain('all'),
        users: [{ value: '#user', quoted: true }],
        address: '10.0.0.0/8',
        method: 'scram-sha-256',
        options: {},
      },
    ]);
  });

  test('keywords count only unquoted, and "" inside quotes is one quote', () => {
    const [entry] = PgHba.parse('hostssl "all", replication "+ops","a""b" 10.0.0.0/8 scram-sha-256');
    expect(entry.databases).toEqual([{ value: 'all', quoted: true }, { value: 'replication', quoted: false }]);
    expect(entry.users).toEqual([{ value: '+ops', quoted: true }, { value: 'a"b', quoted: true }]);
    expect(PgHba.isKeyword(entry.databases[0], 'all')).toBe(false);
    expect(PgHba.isKeyword(entry.databases[1], 'replication')).toBe(true);
  });

  test.each([
    ['hostx all all 10.0.0.0/8 trust', /line 1: unknown connection type 'hostx'\. Accepted: local, host, hostssl/],
    ['host all all 10.0.0.0/8', /line 1: a 'host' line needs DATABASE USER ADDRESS METHOD after the type/],
    ['local all', /line 1: a 'local' line needs DATABASE USER METHOD/],
    ['include other.conf', /line 1: 'include other\.conf' pulls in another file, which cannot be judged/],
    ['include_dir hba.d', /pulls in another file/],
    ['host all @users 10.0.0.0/8 md5', /reads names from a file \(@file\)/],
    ['host all all 10.0.0.0/8 md5 badoption', /authentication option 'badoption' is not of the form name=value/],
    ['host "all all 10.0.0.0/8 md5', /unterminated quoted field/],
    ['HOSTSSL all all ::1/128 cert', /unknown connection type 'HOSTSSL'/],
    ['hostssl all all ::1/128 MD5', /unknown authentication method 'MD5'/],
  ])('fails on %s', (text, message) => {
    expect(() => PgHba.parse(text)).toThrow(message);
  });
});

describe('no rendered pg_hba.conf admits a connection without TLS (property)', () => {
  const runs = 500;

  test('reject lines first, hostssl + scram-sha-256 for exactly the allowed networks, one local peer line', () => {
    fc.assert(fc.property(allowedNetworks, hbaNames, hbaNames, (networks, databases, users) => {
      const entries = PgHba.parse(PgHba.render({ allowedNetworks: networks, databases, users }));
      const expectedNetworks = [...new Set(networks.map((n) => n.trim()))];

      expect(entries.every((entry) => ENCRYPTION_ONLY_TYPES.includes(entry.type))).toBe(true);
      expect(entries.slice(0, 4).map(columns)).toEqual(REJECT_LINES);
      expect(entries.slice(4).every((entry) => entry.method !== 'reject')).toBe(true);
      const tls = accessLines(entries);
      expect(tls.map((entry) => entry.address)).toEqual(expectedNetworks);
      expect(tls.every((entry) => entry.method === 'scram-sha-256' && Object.keys(entry.options).length === 0)).toBe(true);
      expect(entries.filter((entry) => entry.type !== PgHbaConnectionType.HOSTSSL && entry.method !== 'reject')).toEqual([
        expect.objectContaining({ type: PgHbaConnectionType.LOCAL, database: 'all', user: 'postgres', method: 'peer' }),
      ]);
    }), { numRuns: runs });
  });

  test('access groups render their lines in order, each network once per group, behind the reject lines', () => {
    fc.assert(fc.property(accessGroups, (access) => {
      const entries = PgHba.parse(PgHba.render({ access }));
      expect(entries.slice(0, 4).map(columns)).toEqual(REJECT_LINES);
      const expected = access.flatMap((group) => [...new Set(group.networks.map((n) => n.trim()))].map((network) =>
        ['hostssl', (group.databases ?? ['all']).join(','), (group.users ?? ['all']).join(','), network, 'scram-sha-256']));
      expect(accessLines(entries).map(columns)).toEqual(expected);
      expect(entries.slice(4, -1).every((entry) => entry.type === PgHbaConnectionType.HOSTSSL && entry.method === 'scram-sha-256')).toBe(true);
    }), { numRuns: runs });
  });

  test('the line that decides any TCP connection as the superuser is a reject line', () => {
    fc.assert(fc.property(allowedNetworks, hbaNames, hbaNames, accessGroups, anyConnection, fc.boolean(),
      (networks, databases, users, access, connection, ssl) => {
        const entries = PgHba.parse(PgHba.render({ allowedNetworks: networks, databases, users, access }));
        const deciding = decidingEntry(entries, { ...connection, local: false, ssl, user: 'postgres' });
        expect(deciding?.method).toBe('reject');
      }), { numRuns: runs });
  });

  test('the line that decides any plaintext TCP connection is a reject line', () => {
    fc.assert(fc.property(allowedNetworks, hbaNames, hbaNames, anyConnection, (networks, databases, users, connection) => {
      const entries = PgHba.parse(PgHba.render({ allowedNetworks: networks, databases, users }));
      const deciding = decidingEntry(entries, { ...connection, local: false, ssl: false });
      expect(deciding?.method).toBe('reject');
    }), { numRuns: runs });
  });

  test('every admitted connection is TLS with SCRAM from an allowed network, or the postgres OS user on the socket', () => {
    fc.assert(fc.property(allowedNetworks, anyConnection, (networks, connection) => {
      const entries = PgHba.parse(PgHba.render({ allowedNetworks: networks }));
      const deciding: PgHbaEntry | undefined = decidingEntry(entries, connection);
      if (!deciding || deciding.method === 'reject') {
        return;
      }
      if (connection.local) {
        expect([deciding.method, deciding.user, connection.user]).toEqual(['peer', 'postgres', 'postgres']);
        return;
      }
      expect(connection.ssl).toBe(true);
      expect(deciding.method).toBe('scram-sha-256');
      // The address is one of the allowed networks, and (unless it is a token) contains the client.
      expect(networks.map((n) => n.trim())).toContain(deciding.address);
      const parsed = parseCidr(deciding.address!);
      if (typeof parsed !== 'string') {
        expect(parsed.bytes.length).toBe(connection.address.length);
      }
    }), { numRuns: runs });
  });

  test('a TLS connection from an allowed loopback network is admitted (the model is not vacuous)', () => {
    const entries = PgHba.parse(PgHba.render({ allowedNetworks: ['127.0.0.0/8', '::1/128'] }));
    for (const address of ['127.0.0.1', '::1']) {
      const connection = { local: false, address: addressBytes(address), database: 'app', user: 'app' };
      expect(decidingEntry(entries, { ...connection, ssl: true })?.method).toBe('scram-sha-256');
      expect(decidingEntry(entries, { ...connection, ssl: false })?.method).toBe('reject');
    }
    expect(decidingEntry(entries, { local: false, ssl: true, address: addressBytes('10.0.0.1'), database: 'app', user: 'app' }))
      .toBeUndefined();
  });

  test('the model finds the hole in a hand-mutated config with a host line', () => {
    const mutated = PgHba.render({ allowedNetworks: ['10.0.0.0/8'] })
      .replace(/^hostnossl .*$/gm, '')
      .replace(/^hostssl(?=.*scram-sha-256$)/m, 'host   ');
    const deciding = decidingEntry(PgHba.parse(mutated),
      { local: false, ssl: false, address: addressBytes('10.1.2.3'), database: 'app', user: 'app' });
    expect(deciding).toMatchObject({ type: PgHbaConnectionType.HOST, method: 'scram-sha-256' });
  });

  test('the model finds the superuser admitted when its reject lines are removed', () => {
    const mutated = PgHba.render({ allowedNetworks: ['10.0.0.0/8'] }).replace(/^hostssl +all +postgres .*$/gm, '');
    const deciding = decidingEntry(PgHba.parse(mutated),
      { local: false, ssl: true, address: addressBytes('10.1.2.3'), database: 'app', user: 'postgres' });
    expect(deciding).toMatchObject({ type: PgHbaConnectionType.HOSTSSL, method: 'scram-sha-256' });
  });
});
