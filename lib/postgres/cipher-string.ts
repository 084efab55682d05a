import { CIPHER_SUITES } from './private/cipher-suites';

/** One TLS 1.2-or-older cipher suite as OpenSSL describes it. */
interface Suite {
  readonly name: string;
  /** The lowest protocol version it is used with (`SSLv3`, `TLSv1`, `TLSv1.2`). */
  readonly protocol: string;
  readonly kx: string;
  readonly au: string;
  readonly enc: string;
  readonly bits: number;
  readonly mac: string;
  readonly export: boolean;
}

const SUITES: Suite[] = CIPHER_SUITES.map(([name, protocol, kx, au, enc, mac]) => ({
  name,
  protocol,
  kx: kx.replace(/\(.*\)$/, ''),
  au,
  enc: enc.replace(/\(.*\)$/, ''),
  bits: Number(/\((\d+)\)/.exec(enc)?.[1] ?? 0),
  mac: mac.split(' ')[0],
  export: mac.endsWith('export'),
}));

const AES = ['AES', 'AESGCM', 'AESCCM', 'AESCCM8'];
const STRONG_ENC = [...AES, 'Camellia', 'ARIAGCM', 'CHACHA20/POLY1305'];
const PSK_KX = ['PSK', 'RSAPSK', 'DHEPSK', 'ECDHEPSK'];

/** In ALL but left out of DEFAULT (OpenSSL 3.0): anonymous, DSS, Camellia, ARIA, AES-CCM, and RC4. */
function notDefault(s: Suite): boolean {
  return s.au === 'None' || s.au === 'DSS' || ['Camellia', 'ARIAGCM', 'AESCCM', 'AESCCM8', 'RC4'].includes(s.enc);
}

/** OpenSSL's cipher-string words (case-sensitive, as OpenSSL matches them) and the suites they select. */
const ALIASES: { [word: string]: (s: Suite) => boolean } = {
  'ALL': (s) => s.enc !== 'None',
  'COMPLEMENTOFALL': (s) => s.enc === 'None',
  'COMPLEMENTOFDEFAULT': (s) => s.enc !== 'None' && notDefault(s),
  'DEFAULT': (s) => s.enc !== 'None' && !notDefault(s),
  'HIGH': (s) => STRONG_ENC.includes(s.enc) && !s.export,
  'MEDIUM': (s) => ['3DES', 'RC4', 'IDEA', 'SEED'].includes(s.enc) && !s.export,
  'LOW': (s) => s.enc === 'DES' && !s.export,
  'EXP': (s) => s.export,
  'EXPORT': (s) => s.export,
  'EXPORT40': (s) => s.export && s.bits === 40,
  'EXPORT56': (s) => s.export && s.bits === 56,
  'eNULL': (s) => s.enc === 'None',
  'NULL': (s) => s.enc === 'None',
  'aNULL': (s) => s.au === 'None',
  'kRSA': (s) => s.kx === 'RSA',
  'RSA': (s) => s.kx === 'RSA',
  'aRSA': (s) => s.au === 'RSA',
  'kEDH': (s) => s.kx === 'DH',
  'kDHE': (s) => s.kx === 'DH',
  'EDH': (s) => s.kx === 'DH' && s.au !== 'None',
  'DHE': (s) => s.kx === 'DH' && s.au !== 'None',
  'DH': (s) => s.kx === 'DH',
  'ADH': (s) => s.kx === 'DH' && s.au === 'None',
  'kEECDH': (s) => s.kx === 'ECDH',
  'kECDHE': (s) => s.kx === 'ECDH',
  'EECDH': (s) => s.kx === 'ECDH' && s.au !== 'None',
  'ECDHE': (s) => s.kx === 'ECDH' && s.au !== 'None',
  'ECDH': (s) => s.kx === 'ECDH',
  'AECDH': (s) => s.kx === 'ECDH' && s.au === 'None',
  'aDSS': (s) => s.au === 'DSS',
  'DSS': (s) => s.au === 'DSS',
  'aECDSA': (s) => s.au === 'ECDSA',
  'ECDSA': (s) => s.au === 'ECDSA',
  'PSK': (s) => PSK_KX.includes(s.kx),
  'kPSK': (s) => s.kx === 'PSK',
  'kRSAPSK': (s) => s.kx === 'RSAPSK',
  'kDHEPSK': (s) => s.kx === 'DHEPSK',
  'kECDHEPSK': (s) => s.kx === 'ECDHEPSK',
  'aPSK': (s) => s.au === 'PSK',
  'SRP': (s) => s.kx === 'SRP',
  'kSRP': (s) => s.kx === 'SRP',
  'aSRP': (s) => s.au === 'SRP',
  'AES': (s) => AES.includes(s.enc),
  'AES128': (s) => AES.includes(s.enc) && s.bits === 128,
  'AES256': (s) => AES.includes(s.enc) && s.bits === 256,
  'AESGCM': (s) => s.enc === 'AESGCM',
  'AESCCM': (s) => s.enc === 'AESCCM' || s.enc === 'AESCCM8',
  'AESCCM8': (s) => s.enc === 'AESCCM8',
  'CAMELLIA': (s) => s.enc === 'Camellia',
  'CAMELLIA128': (s) => s.enc === 'Camellia' && s.bits === 128,
  'CAMELLIA256': (s) => s.enc === 'Camellia' && s.bits === 256,
  'ARIA': (s) => s.enc === 'ARIAGCM',
  'ARIAGCM': (s) => s.enc === 'ARIAGCM',
  'ARIA128': (s) => s.enc === 'ARIAGCM' && s.bits === 128,
  'ARIA256': (s) => s.enc === 'ARIAGCM' && s.bits === 256,
  'CHACHA20': (s) => s.enc === 'CHACHA20/POLY1305',
  '3DES': (s) => s.enc === '3DES',
  'DES': (s) => s.enc === 'DES',
  'RC4': (s) => s.enc === 'RC4',
  'IDEA': (s) => s.enc === 'IDEA',
  'SEED': (s) => s.enc === 'SEED',
  'MD5': (s) => s.mac === 'MD5',
  'SHA1': (s) => s.mac === 'SHA1',
  'SHA': (s) => s.mac === 'SHA1',
  'SHA256': (s) => s.mac === 'SHA256',
  'SHA384': (s) => s.mac === 'SHA384',
  'TLSv1.2': (s) => s.protocol === 'TLSv1.2',
  'TLSv1.0': (s) => s.protocol === 'TLSv1',
  'TLSv1': (s) => s.protocol === 'TLSv1',
  'SSLv3': (s) => s.protocol === 'SSLv3',
};

/** What a suite has that must never be offered, or undefined for a suite that may be. */
function weakness(s: Suite): string | undefined {
  if (s.enc === 'None') {
    return 'no encryption (NULL)';
  }
  if (s.au === 'None') {
    return 'no authentication (anonymous)';
  }
  if (s.export) {
    return 'export-grade keys';
  }
  if (['RC4', 'DES', '3DES'].includes(s.enc)) {
    return s.enc;
  }
  if (s.kx === 'RSA') {
    return 'static RSA key exchange (no forward secrecy)';
  }
  if (s.mac === 'MD5') {
    return 'MD5';
  }
  return undefined;
}

function matches(word: string, s: Suite): boolean {
  const alias = ALIASES[word];
  return alias ? alias(s) : s.name === word;
}

/**
 * The TLS 1.2-and-older suites an OpenSSL cipher string enables, evaluated as OpenSSL does:
 * elements separated by `:` `,` `;` or blanks, words joined by `+` selecting the suites all of
 * them match, a bare element adding suites, `-` removing them (they may come back), `!` removing
 * them for good, `+` only reordering, and `@STRENGTH` / `@SECLEVEL=n` not enabling anything.
 * Unknown words select nothing. Legacy suites (RC4, DES, 3DES, export) that current OpenSSL builds
 * leave out are included, as an older build would enable them.
 */
export function enabledCipherSuites(cipherString: string): string[] {
  const active = new Set<string>();
  const killed = new Set<string>();
  for (const element of cipherString.split(/[:,; ]+/).filter(Boolean)) {
    if (element.startsWith('@')) {
      continue;
    }
    const op = ['!', '-', '+'].includes(element[0]) ? element[0] : '';
    const words = element.slice(op.length).split('+');
    const selected = SUITES.filter((s) => words.every((w) => matches(w, s)));
    for (const s of selected) {
      if (op === '') {
        if (!killed.has(s.name)) {
          active.add(s.name);
        }
      } else if (op === '-') {
        active.delete(s.name);
      } else if (op === '!') {
        active.delete(s.name);
        killed.add(s.name);
      }
    }
  }
  return SUITES.filter((s) => active.has(s.name)).map((s) => s.name);
}

/** The weak suites (NULL, anonymous, export, RC4, DES, 3DES, static RSA, MD5) a cipher string enables, each with why. */
export function weakCipherSuites(cipherString: string): { suite: string; why: string }[] {
  const byName = new Map(SUITES.map((s) => [s.name, s]));
  return enabledCipherSuites(cipherString)
    .map((name) => ({ suite: name, why: weakness(byName.get(name)!) }))
    .filter((w): w is { suite: string; why: string } => w.why !== undefined);
}
