/**
 * The server configuration the service renders for two customers and approved operators, for the
 * attack tests: customer A (acme) from 127.0.0.1/32 to its database, customer B (globex) from ::1/128
 * to its database, approved operators from 127.0.0.1/32 to every database; TLS and pgaudit settings
 * as the host renders them (without TimescaleDB, which is not installed here); every statement logged, so secrets can be looked for in the log.
 */
import { BackgroundClient, CommandResult, PostgresTestServer, StartOptions } from './pg-server';
import { ApprovedAccess, AuditSettings, CustomerAccess, PgHba, TlsSettings } from '../../../lib/postgres';

/** Customer A: its network is 127.0.0.1. */
export const ACME = { ...CustomerAccess.roleNames('acme'), network: '127.0.0.1/32', address: '127.0.0.1', password: 'acme-Admin-5c1f9e' };

/**
 * Customer B: its network is ::1 when the machine has IPv6 on loopback. Without it, no second
 * source address can be reached from this machine (a connection to any 127.x address leaves from
 * 127.0.0.1), so B's network is a documentation block nobody here can connect from: B's own logins
 * are then not attempted (said on the console), and every refusal from A's network still is.
 */
export function globex(hasIpv6: boolean) {
  return {
    ...CustomerAccess.roleNames('globex'),
    network: hasIpv6 ? '::1/128' : '192.0.2.0/24',
    address: hasIpv6 ? '::1' : undefined,
    password: 'globex-Admin-93d2a7',
  };
}

/** Where approved operators connect from: the database host's own address. */
export const OPERATOR_NETWORK = '127.0.0.1/32';

/** The pg_hba.conf of the two-customer example, as the service composition renders it. */
export function twoCustomerHba(hasIpv6: boolean): string {
  const b = globex(hasIpv6);
  return PgHba.render({
    access: [
      CustomerAccess.pgHbaAccess(ACME.customer, [ACME.network]),
      CustomerAccess.pgHbaAccess(b.customer, [b.network]),
      ApprovedAccess.pgHbaAccess([OPERATOR_NETWORK]),
    ],
  });
}

/** The whole configuration: the two-customer pg_hba.conf, TLS and pgaudit, every statement logged. */
export function twoCustomerConfig(server: PostgresTestServer): StartOptions {
  return {
    baseSettings: ["log_statement = 'all'"],
    hba: twoCustomerHba(server.hasIpv6),
    fragments: [
      { name: '10-tls.conf', content: TlsSettings.render(server) },
      // TimescaleDB is not installed where these tests run: the audit fragment preloads pg_stat_statements and pgaudit.
      { name: '90-audit.conf', content: AuditSettings.render({ sharedPreloadLibraries: ['pg_stat_statements'] }) },
    ],
  };
}

/** Runs rendered SQL as the superuser over the local socket, the way the host does. */
export function runAsSuperuser(server: PostgresTestServer, name: string, sql: string, variables: { [name: string]: string } = {}): CommandResult {
  const file = server.writeFile(`${name}-${Date.now()}-${Math.random().toString(36).slice(2)}.sql`, sql);
  return server.adminRun({ file, variables });
}

/** Runs a customer's rendered SQL as the superuser with its admin password. */
export function applyCustomer(server: PostgresTestServer, customer: string, password: string): CommandResult {
  return runAsSuperuser(server, `customer-${customer}`, CustomerAccess.renderSql({ customer }), { admin_password: password });
}

/** Waits for a background client to end, at most `ms`; resolves to undefined when it is still running. */
export async function exitWithin(client: BackgroundClient, ms: number): Promise<CommandResult | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  try {
    return await Promise.race([client.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 50 ms for at most `ms`; returns whether it became true. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}
