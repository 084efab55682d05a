import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { RuleStatus } from '../nag/evidence';

/** The read-only AWS clients `verify` uses, one per service. */
export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly kms: KMSClient;
  readonly ec2: EC2Client;
  readonly logs: CloudWatchLogsClient;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
  readonly backup: BackupClient;
  readonly cloudtrail: CloudTrailClient;
  readonly ssm: SSMClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

/**
 * Clients from the standard AWS SDK chain: credentials and Region from the environment, profile or
 * instance role (`region` overrides), `AWS_ENDPOINT_URL` honoured by the SDK itself, standard retry.
 */
export function createClients(region?: string): AwsClients {
  const config = { region, retryMode: 'standard', maxAttempts: 5 };
  return {
    cloudformation: new CloudFormationClient(config),
    kms: new KMSClient(config),
    ec2: new EC2Client(config),
    logs: new CloudWatchLogsClient(config),
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    // Buckets of other Regions answer with a redirect; path-style addressing also works against an emulator.
    s3: new S3Client({ ...config, followRegionRedirects: true, forcePathStyle: endpointOverridden() }),
    backup: new BackupClient(config),
    cloudtrail: new CloudTrailClient(config),
    ssm: new SSMClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
  };
}

function endpointOverridden(): boolean {
  return !!(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
}

/** A deployed resource of a stack, as CloudFormation lists it. */
export interface StackResource {
  readonly stackName: string;
  readonly stackId: string;
  readonly logicalId: string;
  /** Empty when the resource was never created. */
  readonly physicalId: string;
  readonly type: string;
}

/** What one check concluded about one resource. */
export interface CheckOutcome {
  /** The live rule's name (see rules.ts). */
  readonly rule: string;
  readonly status: RuleStatus;
  readonly detail?: string;
}

export const compliant = (rule: string, detail?: string): CheckOutcome => ({ rule, status: RuleStatus.COMPLIANT, detail });
export const nonCompliant = (rule: string, detail: string): CheckOutcome => ({ rule, status: RuleStatus.NON_COMPLIANT, detail });
export const unverifiable = (rule: string, detail: string): CheckOutcome => ({ rule, status: RuleStatus.UNVERIFIABLE, detail });

/** The checks of one resource type: the rules they decide and how. */
export interface ResourceCheck {
  readonly resourceType: string;
  /** The live rules the check decides (each gets "cannot verify" when the check itself fails). */
  readonly rules: string[];
  check(resource: StackResource, context: CheckContext): Promise<CheckOutcome[]>;
}

/** Stops the whole run: exit 2, with `message` as the one-line reason. */
export class VerifyAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyAbort';
  }
}

const DENIED = new Set([
  'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'AuthorizationError',
  'AuthorizationErrorException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'ExpiredToken', 'ExpiredTokenException',
  'SignatureDoesNotMatch', 'InvalidSignatureException', 'InvalidAccessKeyId', 'CredentialsProviderError',
]);
const THROTTLED = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'LimitExceededException',
]);

/** Whether the error says the caller may not make the call, or has no valid credentials. */
export function isAccessError(error: any): boolean {
  return DENIED.has(error?.name) || DENIED.has(error?.Code) || /could not load credentials|region is missing/i.test(String(error?.message));
}

function isThrottling(error: any): boolean {
  return THROTTLED.has(error?.name) || error?.$retryable?.throttling === true;
}

/** The one-line reason for an access or credentials error. */
export function accessReason(error: any, what: string): string {
  const message = String(error?.message ?? error).split('\n')[0];
  if (error?.name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return `no AWS credentials: ${message} (configure the standard AWS SDK chain: environment, profile or instance role)`;
  }
  if (/region is missing/i.test(message)) {
    return 'no AWS Region: pass --region or set AWS_REGION';
  }
  return `access denied to ${what}: ${error?.name ?? 'Error'}: ${message} (see the IAM policy in the README)`;
}

/** Options of a verification run. */
export interface CheckOptions {
  /** The database port the security groups are judged on. */
  readonly databasePort: number;
  /** Networks allowed to reach the database port; empty: private address ranges. */
  readonly allowedNetworks: string[];
  /** Throttling retries on top of the SDK's own. @default 4 */
  readonly throttleRetries?: number;
  /** First backoff after throttling, doubled each time. @default 1000 */
  readonly throttleDelayMs?: number;
}

interface Sendable {
  send(command: any): Promise<any>;
}

/** What every check shares: the clients, the options, a cache of key descriptions and a throttling-aware send. */
export class CheckContext {
  private readonly keys = new Map<string, Promise<string | undefined>>();

  constructor(readonly clients: AwsClients, readonly options: CheckOptions) {}

  /**
   * Sends a read-only call. Throttling is retried by the SDK (standard mode) and, when it persists, here
   * with a longer backoff; access and credentials errors stop the run (exit 2).
   */
  async send<T>(client: Sendable, command: { constructor: { name: string } }): Promise<T> {
    const retries = this.options.throttleRetries ?? 4;
    let delay = this.options.throttleDelayMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.send(command) as T;
      } catch (error: any) {
        if (isAccessError(error)) {
          throw new VerifyAbort(accessReason(error, command.constructor.name.replace(/Command$/, '')));
        }
        if (!isThrottling(error) || attempt >= retries) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
        delay *= 2;
      }
    }
  }

  /**
   * Why `keyRef` (id, ARN, alias) is not an enabled customer-managed key; undefined when it is.
   * Each key is described once per run.
   */
  keyProblem(keyRef: string | undefined, absent: string): Promise<string | undefined> {
    if (!keyRef) {
      return Promise.resolve(absent);
    }
    if (/^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(keyRef)) {
      return Promise.resolve(`encrypted with the AWS managed key ${keyRef}`);
    }
    let known = this.keys.get(keyRef);
    if (!known) {
      known = this.send<any>(this.clients.kms, new DescribeKeyCommand({ KeyId: keyRef })).then((out) => {
        const key = out.KeyMetadata ?? {};
        if (key.KeyManager !== 'CUSTOMER') {
          return `encrypted with the AWS managed key ${keyRef}`;
        }
        if (key.KeyState !== 'Enabled') {
          return `its key ${keyRef} is ${key.KeyState}`;
        }
        return undefined;
      }, (error: any) => {
        if (error instanceof VerifyAbort) {
          throw error;
        }
        return `its key ${keyRef} cannot be described: ${error?.name}: ${error?.message}`;
      });
      this.keys.set(keyRef, known);
    }
    return known;
  }
}
