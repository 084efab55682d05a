#!/usr/bin/env node
/**
 * `cdk-timescale-security verify`: checks deployed stacks (and, with --database, the live PostgreSQL
 * endpoint) against the guarantees. Read-only. Exit 0: every check holds; 1: a check is
 * non-compliant; 2: it could not check (unknown stack, no credentials, access denied, a check that
 * could not be made), with a one-line reason on stderr.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { AwsClients, createClients, VerifyAbort } from './context';
import { parseEndpoint, probeDatabase } from './probe';
import { Format, FORMATS, liveEvidenceModel, renderReport, tally } from './report';
import { evaluationsOf, LiveEvidence, verifyStacks } from './verifier';
import { parseCidr } from '../private/cidr';

const USAGE = `Usage: cdk-timescale-security verify --stack-name NAME [--stack-name NAME ...] [--region REGION]
                              [--format text|json|sarif|markdown] [--output FILE]
                              [--database HOST:PORT --ca CA.pem [--server-name NAME] [--database-user USER]]
                              [--database-port PORT] [--allowed-network CIDR ...]

Checks deployed stacks against the Timescale Cloud security guarantees through the AWS APIs (read-only),
and with --database probes the PostgreSQL endpoint: plaintext and TLS 1.1 must be refused, a verify-full
TLS handshake with the CA must succeed. Credentials and Region come from the standard AWS SDK chain;
AWS_ENDPOINT_URL is honoured.

  --stack-name NAME        a stack to check (repeatable; nested stacks are followed)
  --region REGION          the stacks' Region (default: the SDK chain's)
  --format FORMAT          text (default), json, sarif or markdown
  --output FILE            write the report to FILE instead of stdout
  --database HOST:PORT     probe this PostgreSQL endpoint (needs --ca)
  --ca FILE                the CA certificate (PEM) clients trust
  --server-name NAME       the name the certificate must carry when HOST is an IP address
  --database-user USER     the role named in the probe's start-up message (default: cdk_timescale_security_verify);
                           the probe never logs in
  --database-port PORT     the port security groups are judged on (default: 5432)
  --allowed-network CIDR   a network allowed to reach the database port (repeatable; default: private ranges)

Exit codes: 0 every check holds, 1 a check is non-compliant, 2 could not check.`;

/** Where the command writes. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The AWS clients (tests pass mocked ones). @default - from the SDK chain */
  readonly clients?: (region?: string) => AwsClients;
  /** Throttling backoff (tests shorten it). @default 1000 */
  readonly throttleDelayMs?: number;
}

class UsageError extends Error {}

/** Runs the command with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const fail = (reason: string) => {
    io.stderr(`cdk-timescale-security verify: ${reason}\n`);
    return 2;
  };
  try {
    const [command, ...rest] = argv;
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE + '\n');
      return 0;
    }
    if (command !== 'verify') {
      throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
    }
    const options = parseOptions(rest);
    if (options === 'help') {
      io.stdout(USAGE + '\n');
      return 0;
    }
    const progress = (line: string) => io.stderr(line + '\n');
    const clients = (io.clients ?? createClients)(options.region);
    let evidence: LiveEvidence = { stacks: [], evaluations: [] };
    if (options.stackNames.length > 0) {
      evidence = await verifyStacks(clients, {
        stackNames: options.stackNames,
        databasePort: options.databasePort,
        allowedNetworks: options.allowedNetworks,
        throttleDelayMs: io.throttleDelayMs,
        progress,
      });
    }
    if (options.database) {
      const { host, port } = options.database;
      progress(`database ${host}:${port}: probing plaintext, TLS 1.1 and verify-full TLS`);
      const outcomes = await probeDatabase({ host, port, ca: options.ca!, serverName: options.serverName, user: options.databaseUser });
      const endpoint = `${host}:${port}`;
      const resource = { stackName: `database ${endpoint}`, stackId: `postgresql://${endpoint}`, logicalId: 'DatabaseEndpoint', physicalId: endpoint, type: 'PostgreSQL::Endpoint' };
      evidence = {
        stacks: [...evidence.stacks, { stackPath: resource.stackName, templateFile: resource.stackId, resourceCount: 1 }],
        evaluations: [...evidence.evaluations, ...evaluationsOf(resource, outcomes)],
      };
    }
    const region = options.stackNames.length > 0 ? await clients.cloudformation.config.region().catch(() => undefined) : undefined;
    const title = `Live verification report${region ? ` (${region})` : ''}, ${new Date().toISOString()}`;
    const report = renderReport(liveEvidenceModel(evidence, title), options.format);
    if (options.output) {
      fs.writeFileSync(options.output, report);
      progress(`report written to ${options.output}`);
    } else {
      io.stdout(report);
    }
    const { nonCompliant, unverifiable } = tally(evidence);
    if (nonCompliant > 0) {
      io.stderr(`${nonCompliant} check(s) non-compliant${unverifiable > 0 ? `, ${unverifiable} could not be made` : ''}\n`);
      return 1;
    }
    if (unverifiable > 0) {
      return fail(`${unverifiable} check(s) could not be made (see "cannot verify" in the report); the others hold`);
    }
    progress(`${evidence.evaluations.length} check(s) hold`);
    return 0;
  } catch (error: any) {
    if (error instanceof UsageError) {
      return fail(`${error.message}\n${USAGE}`);
    }
    if (error instanceof VerifyAbort) {
      return fail(error.message);
    }
    return fail(`unexpected error: ${error?.name ?? 'Error'}: ${String(error?.message ?? error).split('\n')[0]}`);
  }
}

interface Options {
  readonly stackNames: string[];
  readonly region?: string;
  readonly format: Format;
  readonly output?: string;
  readonly database?: { host: string; port: number };
  readonly ca?: string;
  readonly serverName?: string;
  readonly databaseUser: string;
  readonly databasePort: number;
  readonly allowedNetworks: string[];
}

function parseOptions(args: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        'stack-name': { type: 'string', multiple: true },
        'region': { type: 'string' },
        'format': { type: 'string' },
        'output': { type: 'string' },
        'database': { type: 'string' },
        'ca': { type: 'string' },
        'server-name': { type: 'string' },
        'database-user': { type: 'string' },
        'database-port': { type: 'string' },
        'allowed-network': { type: 'string', multiple: true },
        'help': { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error: any) {
    throw new UsageError(error.message);
  }
  if (parsed.help) {
    return 'help';
  }
  const stackNames = parsed['stack-name'] ?? [];
  const format = (parsed.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got '${parsed.format}'`);
  }
  let database: Options['database'];
  let ca: string | undefined;
  if (parsed.database !== undefined) {
    database = parseEndpoint(parsed.database);
    if (!database) {
      throw new UsageError(`--database must be HOST:PORT (e.g. db.example.internal:5432, [fd00::5]:5432); got '${parsed.database}'`);
    }
    if (!parsed.ca) {
      throw new UsageError('--database needs --ca, the CA certificate (PEM) clients use to verify the server');
    }
    try {
      ca = fs.readFileSync(parsed.ca, 'utf8');
    } catch (error: any) {
      throw new UsageError(`--ca '${parsed.ca}' cannot be read: ${error.message}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`--ca '${parsed.ca}' holds no PEM certificate`);
    }
  } else if (parsed.ca !== undefined) {
    throw new UsageError('--ca is only used with --database HOST:PORT');
  }
  if (stackNames.length === 0 && !database) {
    throw new UsageError('name at least one --stack-name (or a --database to probe)');
  }
  const databasePort = Number(parsed['database-port'] ?? '5432');
  if (!Number.isInteger(databasePort) || databasePort < 1 || databasePort > 65535) {
    throw new UsageError(`--database-port must be a port number from 1 to 65535; got '${parsed['database-port']}'`);
  }
  const allowedNetworks = parsed['allowed-network'] ?? [];
  for (const cidr of allowedNetworks) {
    const result = parseCidr(cidr);
    if (typeof result === 'string') {
      throw new UsageError(`--allowed-network '${cidr}' is not a CIDR: ${result}`);
    }
  }
  return {
    stackNames,
    region: parsed.region,
    format,
    output: parsed.output,
    database,
    ca,
    serverName: parsed['server-name'],
    databaseUser: parsed['database-user'] ?? 'cdk_timescale_security_verify',
    databasePort,
    allowedNetworks,
  };
}

if (require.main === module) {
  // The SDK's advice to move to Node 22 would repeat once per client on stderr, between the progress lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
