/** Options of one probe connection. */
export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  readonly serverName?: string;
  readonly ca?: string;
  readonly user?: string;
  readonly database?: string;
  readonly timeoutMs: number;
}
/** Resolves 'refused' when the server will not talk PostgreSQL in plaintext; rejects if it would. */
export function plaintextIsRefused(options: ProbeOptions): Promise<'refused'>;
/** Resolves 'verified' when TLS is offered and the certificate chains to `ca` and names `serverName`. */
export function tlsIsVerified(options: ProbeOptions): Promise<'verified'>;
/** The Lambda handler: both checks, against DB_HOST, DB_PORT, DB_SERVER_NAME and DB_CA_PEM. */
export function handler(event?: Record<string, unknown>): Promise<{ plaintext: 'refused'; tls: 'verified' }>;
