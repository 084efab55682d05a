import { Lazy } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { PostgresqlConf, TlsSettings, TlsVersion } from '../../lib/postgres';

const FILES = { certFile: '/etc/timescale/tls/server.crt', keyFile: '/etc/timescale/tls/server.key' };

describe('TlsSettings.render', () => {
  test('renders TLS on, TLS 1.2 minimum, AEAD ciphers and SCRAM by default', () => {
    expect(PostgresqlConf.parse(TlsSettings.render(FILES))).toEqual({
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      ssl_ciphers: 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL',
      ssl_prefer_server_ciphers: 'on',
      password_encryption: 'scram-sha-256',
      ssl_cert_file: '/etc/timescale/tls/server.crt',
      ssl_key_file: '/etc/timescale/tls/server.key',
    });
  });

  test('renders a TLS 1.3 minimum, a CA file and a cipher list when asked', () => {
    const settings = PostgresqlConf.parse(TlsSettings.render({
      ...FILES, minProtocolVersion: TlsVersion.TLS_1_3, caFile: '/etc/timescale/tls/ca.crt', ciphers: 'ECDHE+AESGCM:!aNULL:!SHA1',
    }));
    expect(settings).toMatchObject({
      ssl_min_protocol_version: 'TLSv1.3', ssl_ca_file: '/etc/timescale/tls/ca.crt', ssl_ciphers: 'ECDHE+AESGCM:!aNULL:!SHA1',
    });
  });

  test('passes token file paths through', () => {
    const path = Lazy.string({ produce: () => '/etc/x.crt' });
    expect(TlsSettings.render({ ...FILES, certFile: path })).toContain(`ssl_cert_file = '${path}'`);
  });

  test('the default cipher list is AEAD with ECDHE only', () => {
    expect(TlsSettings.DEFAULT_TLS12_CIPHERS).toBe('ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL');
  });

  test('is stable text', () => {
    expect(TlsSettings.render(FILES)).toMatchSnapshot();
  });

  test('every rendering keeps TLS on, TLS 1.2 or newer and SCRAM (property)', () => {
    fc.assert(fc.property(
      fc.option(fc.constantFrom(TlsVersion.TLS_1_2, TlsVersion.TLS_1_3), { nil: undefined }),
      fc.option(fc.constantFrom('ECDHE+AESGCM', 'HIGH:!aNULL:!kRSA:!MD5', 'ECDHE+CHACHA20:!aNULL', '-RC4:ECDHE+AESGCM'), { nil: undefined }),
      fc.boolean(),
      (minProtocolVersion, ciphers, withCa) => {
        const settings = PostgresqlConf.parse(TlsSettings.render({ ...FILES, minProtocolVersion, ciphers, caFile: withCa ? '/ca.crt' : undefined }));
        expect(settings.ssl).toBe('on');
        expect(['TLSv1.2', 'TLSv1.3']).toContain(settings.ssl_min_protocol_version);
        expect(settings.password_encryption).toBe('scram-sha-256');
      }), { numRuns: 200 });
  });
});

describe('TlsSettings.render refuses bad input', () => {
  test.each(['TLSv1.1', 'TLSv1', 'SSLv3', 'tlsv1.2', ''])('fails for the minimum TLS version %j', (version) => {
    expect(() => TlsSettings.render({ ...FILES, minProtocolVersion: version as TlsVersion })).toThrow(
      new RegExp(`TlsSettingsOptions\\.minProtocolVersion must be TlsVersion\\.TLS_1_2 \\('TLSv1\\.2'\\) or TlsVersion\\.TLS_1_3 \\('TLSv1\\.3'\\); got "${version.replace('.', '\\.')}"\\. TLS 1\\.1 and older are broken`));
  });

  test.each([
    ['NULL-SHA256', /enables the weak cipher class 'NULL' in "NULL-SHA256"/],
    ['ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA', /enables the weak cipher class 'DES'/],
    ['ECDHE+AESGCM:RC4', /enables the weak cipher class 'RC4'/],
    ['aNULL', /enables the weak cipher class 'aNULL'/],
    ['HIGH:3DES', /enables the weak cipher class '3DES'/],
    ['kRSA+AESGCM', /enables the weak cipher class 'kRSA'/],
    ['ALL', /"ALL" enables weak suites as OpenSSL reads it: ADH-AES256-GCM-SHA384 \(no authentication \(anonymous\)\).* and 47 more/],
    ['HIGH:!aNULL:!MD5', /enables weak suites as OpenSSL reads it: AES256-GCM-SHA384 \(static RSA key exchange/],
    ['DEFAULT:!kRSA', /enables weak suites/],
    ['ECDHE:!aNULL:!eNULL', /ECDHE-RSA-DES-CBC3-SHA \(3DES\)/],
    ["HIGH' ssl = off", /must be a non-empty OpenSSL cipher list of letters/],
    ['', /must be a non-empty OpenSSL cipher list/],
  ])('fails for the cipher list %j', (ciphers, message) => {
    expect(() => TlsSettings.render({ ...FILES, ciphers })).toThrow(message);
  });

  test('fails for a token cipher list', () => {
    expect(() => TlsSettings.render({ ...FILES, ciphers: Lazy.string({ produce: () => 'HIGH' }) })).toThrow(/must be a literal OpenSSL cipher list/);
  });

  test.each([
    ['certFile', 'server.crt', /TlsSettingsOptions\.certFile must be an absolute file path.*got "server\.crt"/],
    ['keyFile', "/etc/key'\nssl = off", /TlsSettingsOptions\.keyFile must be an absolute file path without quotes/],
    ['caFile', '', /TlsSettingsOptions\.caFile must be an absolute file path on the host/],
  ])('fails for the %s %j', (field, value, message) => {
    expect(() => TlsSettings.render({ ...FILES, [field]: value })).toThrow(message);
  });
});
