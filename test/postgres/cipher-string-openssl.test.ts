/**
 * The cipher-string model the rules and TlsSettings.render judge `ssl_ciphers` with selects the
 * same suites as this machine's openssl (`openssl ciphers -v`), for every suite openssl knows.
 */
import { execFileSync } from 'child_process';
import { enabledCipherSuites, weakCipherSuites } from '../../lib/postgres/cipher-string';

/** TLS 1.2-and-older suites openssl enables for a string (security level 0, so nothing is filtered out). */
function openssl(cipherString: string): string[] {
  try {
    return execFileSync('openssl', ['ciphers', '-v', `${cipherString}:@SECLEVEL=0`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n').filter((line) => line !== '' && !/\sTLSv1\.3\s/.test(line)).map((line) => line.split(/\s+/)[0]);
  } catch {
    return []; // "no cipher match"
  }
}

const KNOWN = new Set(openssl('ALL:COMPLEMENTOFALL'));

const STRINGS = [
  'ALL', 'DEFAULT', 'HIGH', 'HIGH:!aNULL', 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL', 'ALL:!ADH', 'kRSA', 'RSA', 'aRSA', 'ECDH',
  'ECDHE', 'AECDH', 'ADH', 'DH', 'EDH', 'aNULL', 'eNULL', 'NULL', 'COMPLEMENTOFALL', 'COMPLEMENTOFDEFAULT', 'MEDIUM', 'LOW',
  'EXPORT', 'RC4', '3DES', 'DES', 'PSK', 'SRP', 'AES', 'AES128', 'AESCCM', 'CAMELLIA', 'ARIA', 'CHACHA20', 'SHA1', 'SHA256',
  'SHA384', 'MD5', 'TLSv1.2', 'TLSv1', 'SSLv3', 'ALL:-AES:AES128', 'ALL:!AES:AES128', 'ALL:+RSA', 'HIGH:-ECDHE:+ECDHE',
  'kEECDH+AESGCM', 'aECDSA', 'DSS', 'kDHE', 'AESGCM+kRSA', 'NULL-SHA', 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA',
  'HIGH:!kRSA:!aNULL', 'DEFAULT:!kRSA', 'ALL:COMPLEMENTOFALL', 'HIGH,MEDIUM;!aNULL !eNULL', 'ALL:!aNULL:!eNULL:!kRSA:@STRENGTH',
  'NOSUCHWORD', 'ECDHE+AESGCM:NOSUCHWORD',
];

describe('the cipher-string model against the real openssl', () => {
  test('openssl knows TLS 1.2 suites on this machine', () => {
    expect(KNOWN.size).toBeGreaterThan(50);
  });

  test.each(STRINGS)('%s selects the suites openssl selects', (cipherString) => {
    const ours = enabledCipherSuites(cipherString).filter((name) => KNOWN.has(name)).sort();
    expect(ours).toEqual(openssl(cipherString).sort());
  });

  test.each([
    ['ALL', /static RSA/],
    ['HIGH', /anonymous/],
    ['HIGH:!aNULL', /static RSA/],
    ['DEFAULT', /static RSA/],
    ['ECDHE+AESGCM:eNULL', /NULL/],
    ['ECDHE:!aNULL', /3DES|RC4/],
    ['EXPORT', /export/],
  ])('%s enables weak suites', (cipherString, why) => {
    expect(weakCipherSuites(cipherString).map((w) => w.why).join(', ')).toMatch(why);
  });

  test.each(['ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL', 'HIGH:!aNULL:!kRSA:!PSK:!SRP', 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:ALL:-ALL'])(
    '%s enables no weak suite', (cipherString) => {
      expect(weakCipherSuites(cipherString)).toEqual([]);
    });
});
