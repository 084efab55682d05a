/**
 * Typed access to the certificate handler, which is plain JavaScript so that it deploys without a
 * build step (see lib/tls/certificate-handler/).
 */
import type { KeyObject, X509Certificate } from 'crypto';

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
}

export interface Issuer {
  readonly name: DistinguishedName;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface DerPrimitives {
  integer(value: Buffer | number): Buffer;
  objectIdentifier(dotted: string): Buffer;
  encodeLength(length: number): Buffer;
  time(date: Date): Buffer;
}

export interface X509Module {
  readonly _der: DerPrimitives;
  generateKeyPair(algorithm?: string): { privateKey: KeyObject; publicKey: KeyObject };
  createCertificate(options: {
    subject: DistinguishedName;
    publicKey: KeyObject;
    issuer: Issuer;
    notBefore: Date;
    notAfter: Date;
    isCa: boolean;
    pathLength?: number;
    subjectAlternativeNames?: string[];
  }): { pem: string; serialHex: string };
  createCsr(options: { subject: DistinguishedName; privateKey: KeyObject; publicKey: KeyObject; subjectAlternativeNames: string[] }): string;
  privateKeyToPem(key: KeyObject): string;
}

export interface CloudFormationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: { [key: string]: unknown };
  readonly OldResourceProperties?: { [key: string]: unknown };
  readonly PhysicalResourceId?: string;
  readonly ResponseURL?: string;
  readonly StackId?: string;
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
}

export interface HandlerModule {
  handler(event: unknown): Promise<{ [key: string]: unknown }>;
  onEvent(event: CloudFormationEvent): Promise<{ PhysicalResourceId: string; Data: { [key: string]: string } }>;
  ensureCertificate(
    config: { [key: string]: unknown }, options: { force: boolean }, now?: Date,
  ): Promise<{ issued: boolean; certificate: X509Certificate }>;
  sendResponse(
    responseUrl: string, body: { [key: string]: unknown }, options?: { timeoutMs?: number; retryDelaysMs?: number[]; ca?: string },
  ): Promise<number>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const x509: X509Module = require('../../lib/tls/certificate-handler/x509');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const certificateHandler: HandlerModule = require('../../lib/tls/certificate-handler/index');
