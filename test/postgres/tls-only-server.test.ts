/**
 * The rendered pg_hba.conf and TLS settings, loaded into a real PostgreSQL server from this
 * machine's binaries, refuse plaintext, old TLS and MD5 passwords (G3).
 */
import * as fc from 'fast-check';
import { addressBytes, cidr, cidrContainsText, ipv4Cidr, netmaskPrefix, ipv6Cidr, loopbackV4Cidr, loopbackV6Cidr } from './support/hba-model';
import { PostgresTestServer, ServerConfig, SERVER_NAME, TestFiles } from './support/pg-server';
import { PgHba, PgHbaConnectionType, TlsSettings, TlsVersion } from '../../lib/postgres';

const APP_PASSWORD = 'app-Secret-42';
const NO_ENCRYPTION = /pg_hba\.conf rejects connection for host "[^"]+", user "app", database "postgres", no encryption/;

function config(files: TestFiles, allowedNetworks: string[], minProtocolVersion?: TlsVersion): ServerConfig {
  return {
    hba: PgHba.render({ allowedNetworks }),
    fragments: [{ name: '10-tls.conf', content: TlsSettings.render({ ...files, minProtocolVersion }) }],
  };
}

describe('a real PostgreSQL server with the rendered TLS-only configuration', () => {
  let server: PostgresTestServer;
  let networks: string[];

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => {
      networks = ['127.0.0.1/32', '127.0.0.0/8', ...(starting.hasIpv6 ? ['::1/128'] : [])];
      return config(starting, networks);
    });
    server.mustAdmin(`CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`);
  });

  afterAll(() => server?.stop());

  const tls = (extra: Partial<Parameters<PostgresTestServer['connect']>[0]> = {}) =>
    server.connect({ sslmode: 'require', user: 'app', password: APP_PASSWORD, ...extra });

  test('the server reads the rendered pg_hba.conf exactly as PgHba.parse does', () => {
    const rows = server.mustAdmin(
      "SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address, ''), " +
      "coalesce(netmask, ''), auth_method, coalesce(array_to_string(options, ','), '') FROM pg_hba_file_rules ORDER BY line_number",
    ).split('\n').map((row) => row.split('|'));
    const ours = PgHba.parse(PgHba.render({ allowedNetworks: networks }));
    expect(rows.length).toBe(ours.length);
    ours.forEach((entry, index) => {
      const [line, type, database, user, address, netmask, method, options] = rows[index];
      expect([Number(line), type, database, user, method, options]).toEqual([entry.line, entry.type, entry.database, entry.user, entry.method, '']);
      if (entry.address !== undefined) {
        const block = cidr(entry.address);
        expect(addressBytes(address)).toEqual(block.bytes);
        expect(netmaskPrefix(netmask)).toBe(block.prefix);
      } else {
        expect([address, netmask]).toEqual(['', '']);
      }
    });
  });

  test('the server runs with ssl on, a TLS 1.2 minimum and SCRAM password storage', () => {
    expect(server.mustAdmin('SHOW ssl')).toBe('on');
    expect(server.mustAdmin('SHOW ssl_min_protocol_version')).toBe('TLSv1.2');
    expect(server.mustAdmin('SHOW password_encryption')).toBe('scram-sha-256');
  });

  test('sslmode=disable is refused for every allowed network line', () => {
    const lines = PgHba.parse(PgHba.render({ allowedNetworks: networks }))
      .filter((e) => e.type === PgHbaConnectionType.HOSTSSL && e.method === 'scram-sha-256');
    expect(lines.length).toBe(networks.length);
    for (const line of lines) {
      const hostaddr = line.address!.includes(':') ? '::1' : '127.0.0.1';
      expect(cidrContainsText(cidr(line.address!), hostaddr)).toBe(true);
      const result = tls({ sslmode: 'disable', hostaddr });
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(NO_ENCRYPTION);
      // The same client with TLS is admitted by that line: the refusal is about encryption, nothing else.
      expect(tls({ hostaddr }).stdout.trim()).toMatch(/^app TLSv1\.[23]$/);
    }
  });

  test('sslmode=disable over IPv6 (::1) is refused', () => {
    if (!server.hasIpv6) {
      // Not silent: the machine has no ::1, so only the server's reading of the IPv6 reject line is checked.
      console.warn('IPv6 loopback (::1) is not available on this machine: the IPv6 plaintext connection was not attempted.');
      expect(server.mustAdmin("SELECT count(*) FROM pg_hba_file_rules WHERE type = 'hostnossl' AND address = '::' AND auth_method = 'reject'")).toBe('1');
      return;
    }
    const result = tls({ sslmode: 'disable', hostaddr: '::1' });
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/pg_hba\.conf rejects connection for host "::1", user "app", database "postgres", no encryption/);
  });

  test('sslmode=prefer and allow end up on TLS', () => {
    expect(tls({ sslmode: 'prefer' }).stdout.trim()).toMatch(/^app TLSv1\.3$/);
    expect(tls({ sslmode: 'allow' }).stdout.trim()).toMatch(/^app TLSv1\.3$/);
  });

  test('a TLS 1.2 connection succeeds', () => {
    const result = tls({ sslMinProtocolVersion: 'TLSv1.2', sslMaxProtocolVersion: 'TLSv1.2' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('app TLSv1.2');
  });

  test('a TLS 1.3 connection succeeds', () => {
    const result = tls({ sslMinProtocolVersion: 'TLSv1.3', sslMaxProtocolVersion: 'TLSv1.3' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('app TLSv1.3');
  });

  test('a TLS 1.1 handshake is refused by the server', () => {
    // Control: the same probe with TLS 1.2 completes, so the probe itself works.
    const control = server.probeTls(['-tls1_2']);
    expect(control.stdout).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(control.stdout).toMatch(/Cipher is ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)/);

    const before = server.log().length;
    // SECLEVEL=0 lets this client offer TLS 1.1; the refusal must come from the server.
    const probe = server.probeTls(['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(probe.ok).toBe(false);
    expect(probe.stderr).toMatch(/tlsv1 alert protocol version.*SSL alert number 70/); // alert received from the server
    expect(probe.stdout).not.toMatch(/Cipher is (?!\(NONE\))/);
    expect(server.logSince(before, /could not accept SSL connection/)).toMatch(/could not accept SSL connection: unsupported protocol/);
  });

  test('a TLS 1.2 client offering only CBC-mode suites is refused', () => {
    const probe = server.probeTls(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384']);
    expect(probe.ok).toBe(false);
    expect(probe.stderr).toMatch(/alert handshake failure/);
  });

  test('sslmode=verify-full with the test CA succeeds for the certificate\'s host name', () => {
    const result = tls({ sslmode: 'verify-full', host: SERVER_NAME, hostaddr: '127.0.0.1' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^app TLSv1\.3$/);
  });

  test('sslmode=verify-full fails for a wrong host name', () => {
    const result = tls({ sslmode: 'verify-full', host: 'wrong.name', hostaddr: '127.0.0.1' });
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/server certificate for "db\.test\.internal" \(and \d+ other names?\) does not match host name "wrong\.name"/);
  });

  test('sslmode=verify-full fails when the client trusts another CA', () => {
    const result = tls({ sslmode: 'verify-full', host: SERVER_NAME, sslrootcert: server.otherCaFile });
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/certificate verify failed/);
  });

  test('SCRAM is required: a role whose password is stored as MD5 cannot log in', () => {
    server.mustAdmin("SET password_encryption = 'md5'; CREATE ROLE md5_role LOGIN PASSWORD 'md5-Secret-1'");
    expect(server.mustAdmin("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'md5_role'")).toBe('md5');
    const before = server.log().length;
    const result = server.connect({ sslmode: 'require', user: 'md5_role', password: 'md5-Secret-1' });
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/password authentication failed for user "md5_role"/);
    expect(server.log().slice(before)).toMatch(/User "md5_role" does not have a valid SCRAM secret/);
  });

  test('SCRAM is required: a role with a SCRAM-SHA-256 password can log in', () => {
    server.mustAdmin("CREATE ROLE scram_role LOGIN PASSWORD 'scram-Secret-1'");
    expect(server.mustAdmin("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'scram_role'")).toBe('SCRAM-SHA-256$');
    expect(server.connect({ sslmode: 'require', user: 'scram_role', password: 'scram-Secret-1' }).stdout.trim()).toMatch(/^scram_role TLSv1\.3$/);
    expect(server.connect({ sslmode: 'require', user: 'scram_role', password: 'wrong' }).stderr)
      .toMatch(/password authentication failed for user "scram_role"/);
  });

  test('the Unix socket admits only the postgres OS user as postgres (peer)', () => {
    const asPostgres = server.connectLocal(true, 'postgres');
    if (server.osUser === 'postgres') {
      expect(asPostgres.stdout.trim()).toBe('postgres');
    } else {
      // Not root and not the postgres OS user: the rendered line refuses this OS user, as it should.
      expect(asPostgres.stderr).toMatch(/Peer authentication failed for user "postgres"/);
    }
    expect(server.connectLocal(true, 'app').stderr).toMatch(/no pg_hba\.conf entry for host "\[local\]", user "app"/);
    if (process.getuid?.() === 0) {
      // The test runs as root: an OS user other than postgres claiming to be postgres is refused.
      expect(server.connectLocal(false, 'postgres').stderr).toMatch(/Peer authentication failed for user "postgres"/);
    }
  });

  test('a client outside the allowed networks is refused even with TLS', () => {
    server.reconfigure(config(server, ['127.0.0.1/32', '10.9.0.0/16']));
    try {
      if (server.hasIpv6) {
        expect(tls({ hostaddr: '::1' }).stderr).toMatch(/no pg_hba\.conf entry for host "::1", user "app", database "postgres", SSL encryption/);
      }
      expect(tls({ hostaddr: '127.0.0.1' }).ok).toBe(true);
    } finally {
      server.reconfigure(config(server, networks));
    }
  });

  describe('with TLS 1.3 as the minimum', () => {
    beforeAll(() => server.reconfigure(config(server, networks, TlsVersion.TLS_1_3)));
    afterAll(() => server.reconfigure(config(server, networks)));

    test('a TLS 1.2 connection is refused', () => {
      expect(server.mustAdmin('SHOW ssl_min_protocol_version')).toBe('TLSv1.3');
      const before = server.log().length;
      const result = tls({ sslMinProtocolVersion: 'TLSv1.2', sslMaxProtocolVersion: 'TLSv1.2' });
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/alert protocol version/);
      expect(server.logSince(before, /could not accept SSL connection/)).toMatch(/could not accept SSL connection: unsupported protocol/);
    });

    test('a TLS 1.3 connection succeeds', () => {
      expect(tls({ sslMinProtocolVersion: 'TLSv1.3' }).stdout.trim()).toBe('app TLSv1.3');
    });
  });

  describe('random renderings loaded into the server (property)', () => {
    afterAll(() => server.reconfigure(config(server, networks)));

    test('no rendered config lets a plaintext connection in', () => {
      const lists = fc.tuple(
        fc.array(fc.oneof(ipv4Cidr, ipv6Cidr), { maxLength: 6 }),
        loopbackV4Cidr,
        fc.option(loopbackV6Cidr, { nil: undefined }),
        fc.constantFrom(TlsVersion.TLS_1_2, TlsVersion.TLS_1_3),
      );
      fc.assert(fc.property(lists, ([others, loopback4, loopback6, minimum]) => {
        const allowed = [...others, loopback4, ...(loopback6 && server.hasIpv6 ? [loopback6] : [])];
        server.reconfigure(config(server, allowed, minimum));
        const addresses = ['127.0.0.1', ...(loopback6 && server.hasIpv6 ? ['::1'] : [])];
        for (const hostaddr of addresses) {
          expect(tls({ sslmode: 'disable', hostaddr }).stderr).toMatch(NO_ENCRYPTION);
          expect(tls({ hostaddr }).stdout.trim()).toBe('app TLSv1.3'); // the line does admit TLS clients
        }
      }), { numRuns: 4 });
    });
  });

  describe('the harness detects a config that lets plaintext in', () => {
    afterAll(() => server.reconfigure(config(server, networks)));

    test('a hand-mutated pg_hba.conf with a host ... scram-sha-256 line lets a plaintext connection in', () => {
      const mutated = PgHba.render({ allowedNetworks: networks })
        .replace(/^hostnossl.*$/gm, '# (reject lines removed by the mutation)')
        .replace(/^hostssl /gm, 'host    ');
      expect(PgHba.parse(mutated).some((entry) => entry.type === PgHbaConnectionType.HOST)).toBe(true);
      server.reconfigure({ ...config(server, networks), hba: mutated });
      const result = tls({ sslmode: 'disable' });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('app plaintext');
    });
  });
});
