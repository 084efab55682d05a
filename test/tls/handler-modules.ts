/**
 * The certificate issuer (TypeScript source, which the Lambda asset bundles) and, as a fixture, the
 * hand-written encoder earlier versions used (test/tls/fixtures/legacy-x509.js).
 */
import type { KeyObject } from 'crypto';
import * as handler from '../../lib/tls/private/certificate-issuer';
import * as issuerX509 from '../../lib/tls/private/certificate-issuer/x509';

export type { DistinguishedName, Issuer } from '../../lib/tls/private/certificate-issuer/x509';

export const x509 = issuerX509;
export const certificateHandler = handler;

export interface LegacyX509Module {
  generateKeyPair(algorithm?: string): { privateKey: KeyObject; publicKey: KeyObject };
  createCertificate(options: {
    subject: issuerX509.DistinguishedName;
    publicKey: KeyObject;
    issuer: { name: issuerX509.DistinguishedName; privateKey: KeyObject; publicKey: KeyObject };
    notBefore: Date;
    notAfter: Date;
    isCa: boolean;
    pathLength?: number;
    subjectAlternativeNames?: string[];
  }): { pem: string; serialHex: string };
  createCsr(options: {
    subject: issuerX509.DistinguishedName; privateKey: KeyObject; publicKey: KeyObject; subjectAlternativeNames: string[];
  }): string;
  privateKeyToPem(key: KeyObject): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const legacyX509: LegacyX509Module = require('./fixtures/legacy-x509');
