import { Token } from 'aws-cdk-lib';
import { weakCipherSuites } from './cipher-string';
import { quoteConfValue } from './conf-quote';

/**
 * The lowest TLS protocol version the server accepts. Versions below TLS 1.2 are not offered.
 */
export enum TlsVersion {
  /** TLS 1.2 (RFC 5246): the default minimum; every maintained PostgreSQL client supports it. */
  TLS_1_2 = 'TLSv1.2',
  /** TLS 1.3 (RFC 8446): refuses TLS 1.2 clients. */
  TLS_1_3 = 'TLSv1.3',
}

const DEFAULT_TLS12_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL';

/**
 * Options for `TlsSettings.render`.
 */
export interface TlsSettingsOptions {
  /**
   * The lowest TLS version the server accepts (`ssl_min_protocol_version`).
   *
   * @default TlsVersion.TLS_1_2
   */
  readonly minProtocolVersion?: TlsVersion;

  /** Absolute path of the server certificate (PEM, leaf first then intermediates) on the host. */
  readonly certFile: string;

  /** Absolute path of the server private key (PEM) on the host; readable only by the postgres user. */
  readonly keyFile: string;

  /**
   * Absolute path of a CA bundle used to verify client certificates (`ssl_ca_file`).
   *
   * @default - none: clients authenticate with SCRAM passwords only, no client certificates
   */
  readonly caFile?: string;

  /**
   * The OpenSSL cipher list for TLS 1.2 connections (`ssl_ciphers`). Lists that, read as OpenSSL
   * reads them, switch on null, anonymous, export, RC4, DES/3DES, MD5 or static-RSA suites are
   * refused (so are `ALL`, `DEFAULT` and `HIGH` without exclusions).
   *
   * @default TlsSettings.DEFAULT_TLS12_CIPHERS ('ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL')
   */
  readonly ciphers?: string;
}

/** Cipher-string words that, used without `!` or `-`, switch on suites that must never be offered. */
const FORBIDDEN_CIPHER_WORDS = new Set(
  ['NULL', 'eNULL', 'aNULL', 'ADH', 'AECDH', 'EXP', 'EXPORT', 'EXPORT40', 'EXPORT56', 'LOW', 'RC4', 'DES', '3DES', 'MD5',
    'CBC3', 'COMPLEMENTOFALL', 'COMPLEMENTOFDEFAULT', 'SSLv3', 'kRSA', 'RSA', 'PSK', 'SRP', 'IDEA', 'SEED']
    .map((word) => word.toLowerCase()),
);

/** Parts of OpenSSL suite names that mark a weak suite (e.g. DES-CBC3-SHA, RC4-MD5, NULL-SHA256). */
const WEAK_SUITE_NAME_PARTS = new Set(['NULL', 'RC4', 'DES', 'CBC3', 'MD5', 'EXP', 'ADH', 'AECDH', 'IDEA', 'SEED', 'PSK', 'SRP']);

function renderTlsSettings(options: TlsSettingsOptions): string {
  const minimum = validateMinimum(options.minProtocolVersion);
  const ciphers = validateCiphers(options.ciphers);
  const lines = [
    '# TLS settings rendered by cdk-timescale-security: TLS only, TLS 1.2 or newer, AEAD ciphers, SCRAM passwords.',
    'ssl = on',
    `ssl_min_protocol_version = ${quoteConfValue(minimum)}`,
    `ssl_ciphers = ${quoteConfValue(ciphers)}`,
    'ssl_prefer_server_ciphers = on',
    'password_encryption = \'scram-sha-256\'',
    `ssl_cert_file = ${quoteConfValue(validatePath('TlsSettingsOptions.certFile', options.certFile))}`,
    `ssl_key_file = ${quoteConfValue(validatePath('TlsSettingsOptions.keyFile', options.keyFile))}`,
  ];
  if (options.caFile !== undefined) {
    lines.push(`ssl_ca_file = ${quoteConfValue(validatePath('TlsSettingsOptions.caFile', options.caFile))}`);
  }
  return lines.join('\n') + '\n';
}

function validateMinimum(value: TlsVersion | undefined): TlsVersion {
  if (value === undefined) {
    return TlsVersion.TLS_1_2;
  }
  // JavaScript callers can pass any string; only the enum's values are accepted.
  if (!(Object.values(TlsVersion) as string[]).includes(value)) {
    throw new Error(
      'TlsSettingsOptions.minProtocolVersion must be TlsVersion.TLS_1_2 (\'TLSv1.2\') or TlsVersion.TLS_1_3 (\'TLSv1.3\'); ' +
      `got ${JSON.stringify(value)}. TLS 1.1 and older are broken and never accepted: clients connect with TLS 1.2 or newer.`,
    );
  }
  return value;
}

function validateCiphers(value: string | undefined): string {
  if (value === undefined) {
    return DEFAULT_TLS12_CIPHERS;
  }
  if (Token.isUnresolved(value)) {
    throw new Error(
      'TlsSettingsOptions.ciphers must be a literal OpenSSL cipher list so it can be checked at synth; got a token. ' +
      `Omit it for the default '${DEFAULT_TLS12_CIPHERS}'.`,
    );
  }
  if (!/^[A-Za-z0-9+\-!:@_.=]+$/.test(value)) {
    throw new Error(
      `TlsSettingsOptions.ciphers must be a non-empty OpenSSL cipher list of letters, digits and + - ! : @ _ . =; got ${JSON.stringify(value)}. ` +
      `Omit it for the default '${DEFAULT_TLS12_CIPHERS}'.`,
    );
  }
  for (const element of value.split(':')) {
    if (element.startsWith('!') || element.startsWith('-')) {
      continue; // removes suites
    }
    // Class words joined by '+', and the parts of single suite names such as 'ECDHE-RSA-NULL-SHA'.
    const words = element.split('+').flatMap((word) => [word, ...word.split('-').filter((part) => WEAK_SUITE_NAME_PARTS.has(part))]);
    for (const word of words) {
      if (word !== '' && FORBIDDEN_CIPHER_WORDS.has(word.toLowerCase())) {
        throw new Error(
          `TlsSettingsOptions.ciphers enables the weak cipher class '${word}' in ${JSON.stringify(value)}. ` +
          'Null, anonymous, export, low, RC4, DES/3DES, MD5, static-RSA, PSK/SRP, IDEA and SEED suites are never accepted; ' +
          `exclude them with '!${word}' or omit ciphers for the default '${DEFAULT_TLS12_CIPHERS}'.`,
        );
      }
    }
  }
  // The words above are the obvious cases; OpenSSL's own semantics decide (ALL, DEFAULT and HIGH include static RSA).
  const weak = weakCipherSuites(value);
  if (weak.length > 0) {
    throw new Error(
      `TlsSettingsOptions.ciphers ${JSON.stringify(value)} enables weak suites as OpenSSL reads it: ` +
      `${weak.slice(0, 3).map((w) => `${w.suite} (${w.why})`).join(', ')}${weak.length > 3 ? ` and ${weak.length - 3} more` : ''}. ` +
      `Exclude them (e.g. ':!aNULL:!eNULL:!kRSA:!3DES') or omit ciphers for the default '${DEFAULT_TLS12_CIPHERS}'.`,
    );
  }
  return value;
}

function validatePath(what: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new Error(`${what} must be an absolute file path on the host, e.g. '/etc/timescale/tls/server.crt'; got ${JSON.stringify(value)}.`);
  }
  if (Token.isUnresolved(value)) {
    if (/['\r\n]/.test(value)) {
      throw new Error(`${what} must not contain quotes or line breaks; got ${JSON.stringify(value)}.`);
    }
    return value;
  }
  if (!value.startsWith('/') || /['\\\r\n\0]/.test(value)) {
    throw new Error(
      `${what} must be an absolute file path without quotes, backslashes or line breaks, ` +
      `e.g. '/etc/timescale/tls/server.crt'; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** The TLS settings of `postgresql.conf`. */
export class TlsSettings {
  /**
   * The TLS 1.2 cipher list rendered by default: ECDHE key exchange (forward secrecy) with AEAD
   * ciphers only (AES-GCM, ChaCha20-Poly1305), no anonymous suites. It leaves out CBC-mode and
   * SHA-1 suites, static RSA key exchange and finite-field DHE. TLS 1.3 suites are not governed
   * by this list (PostgreSQL has no setting for them); all of them are AEAD.
   */
  public static readonly DEFAULT_TLS12_CIPHERS: string = DEFAULT_TLS12_CIPHERS;

  /**
   * Renders the `postgresql.conf` fragment that makes the server speak TLS only with modern
   * protocol versions and ciphers and store passwords as SCRAM-SHA-256:
   * `ssl = on`, `ssl_min_protocol_version`, `ssl_ciphers`, `ssl_prefer_server_ciphers = on`,
   * `password_encryption = 'scram-sha-256'`, `ssl_cert_file`, `ssl_key_file` and, when given,
   * `ssl_ca_file`. Pair it with `PgHba.render`, which refuses connections without TLS.
   *
   * @throws when the minimum TLS version is not TLSv1.2 or TLSv1.3, a file path is not absolute
   * or contains a quote or line break, or the cipher list enables weak suites.
   */
  public static render(options: TlsSettingsOptions): string {
    return renderTlsSettings(options);
  }

  private constructor() {}
}
