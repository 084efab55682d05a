import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Deployment, resolve, resourceArns, Template } from './template-model';
import { buildReferenceDeployment } from '../../bin/reference-app';
import { ContextValue, Decision, evaluateRequest, PolicyDocument, Policies, Principal } from '../support/iam-evaluator';

/**
 * Who can reach what (DESIGN.md), played against the reference deployment's synthesized policies as
 * AWS evaluates them: key policies, secret resource policies, bucket policies, the VPC endpoints'
 * policies and the roles' IAM policies, resolved for one concrete deployment.
 */

const OURS = '111111111111';
const REGION = 'eu-west-1';
/** An account that is not ours: anyone can own buckets there, with any name that is free. */
const THEIRS = '444455556666';
/** The sample customer's own account, where its application reads the admin credentials. */
const CUSTOMERS = '222233334444';
/** The customer's application role: the table's one grant beyond the reference deployment (grantCustomerCredentialsRead). */
const CUSTOMER_APP_ARN = `arn:aws:iam::${CUSTOMERS}:role/sample-customer-app`;
/** The account that presigns CloudFormation's response URLs: not ours, and not known in advance. */
const CLOUDFORMATION = '999988887777';
/** The account that owns an AWS bucket such as the Amazon Linux repository: AWS does not publish it. */
const AWS_OWNED = '555566667777';

let template: Template;
let deployment: Deployment;

beforeAll(() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-table-'));
  try {
    const reference = buildReferenceDeployment(new App({ outdir }));
    // What a customer does to read its credentials in its own account: a grant to one of its roles.
    reference.service.grantCustomerCredentialsRead(reference.service.customers[0], iam.Role.fromRoleArn(reference.stack, 'SampleCustomerApp', CUSTOMER_APP_ARN));
    const base = { region: REGION, accountId: OURS, stackName: reference.stack.stackName };
    const file = path.join(outdir, reference.stack.templateFile);
    try {
      reference.app.synth();
    } catch (error) {
      // The packs judge the synth after the template is written; their findings are the business of
      // test/reference/reference-app.test.ts, and this table reads the policies either way.
      if (!fs.existsSync(file)) {
        throw error;
      }
    }
    template = JSON.parse(fs.readFileSync(file, 'utf8'));
    deployment = { ...base, resourceArn: resourceArns(template, base) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

// --- Reading the template -------------------------------------------------------------------------

const entries = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const refersTo = (value: any, id: string) => JSON.stringify(value) === JSON.stringify({ Ref: id });

/** The one resource of `type` whose logical ID starts with `prefix`. */
function logicalId(type: string, prefix: string): string {
  const found = entries(type).map(([id]) => id).filter((id) => id.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*; found ${JSON.stringify(found)}`);
  }
  return found[0];
}

const arnOf = (id: string) => deployment.resourceArn!(id);
const document = (id: string, policy: any): PolicyDocument => ({ ...resolve(policy, deployment), Id: id });

/**
 * AWS managed policies are not in the template. Those attached to the roles of this table grant no
 * kms, secretsmanager or s3 action (AmazonSSMManagedInstanceCore: ssm, ssmmessages, ec2messages), so
 * leaving them out changes no row; any other stops the table until it is read.
 */
const AWS_MANAGED_WITHOUT_ROW_ACTIONS = ['AmazonSSMManagedInstanceCore'];

/**
 * AWS managed policies whose kms statements the rows depend on, as AWS publishes them (their other
 * statements grant no kms, secretsmanager or s3 action on the service's resources).
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForBackup.html
 */
const AWS_MANAGED_KMS_STATEMENTS: { [name: string]: any[] } = {
  AWSBackupServiceRolePolicyForBackup: [
    { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' },
    { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    { Effect: 'Allow', Action: 'kms:GenerateDataKeyWithoutPlaintext', Resource: 'arn:aws:kms:*:*:key/*', Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } } },
  ],
};

/** The identity-based policies of a role of the template: inline, attached and customer managed. */
function rolePolicies(roleId: string): PolicyDocument[] {
  const role = template.Resources[roleId];
  const managed: any[] = role.Properties.ManagedPolicyArns ?? [];
  const awsManaged: PolicyDocument[] = [];
  for (const arn of managed) {
    const text = JSON.stringify(arn);
    if (!text.includes(':iam::aws:policy/') || AWS_MANAGED_WITHOUT_ROW_ACTIONS.some((name) => text.includes(`:iam::aws:policy/${name}"`))) {
      continue;
    }
    const known = Object.keys(AWS_MANAGED_KMS_STATEMENTS).find((name) => text.includes(`/${name}"`));
    if (!known) {
      throw new Error(`${roleId} has the AWS managed policy ${text}, which this table does not know`);
    }
    awsManaged.push({ Version: '2012-10-17', Id: known, Statement: AWS_MANAGED_KMS_STATEMENTS[known] });
  }
  const attached = [...entries('AWS::IAM::Policy'), ...entries('AWS::IAM::ManagedPolicy')]
    .filter(([id, r]) => (r.Properties.Roles ?? []).some((ref: any) => refersTo(ref, roleId)) || managed.some((ref) => refersTo(ref, id)));
  return [
    ...(role.Properties.Policies ?? []).map((p: any) => document(`${roleId} ${p.PolicyName}`, p.PolicyDocument)),
    ...attached.map(([id, r]) => document(id, r.Properties.PolicyDocument)),
    ...awsManaged,
  ];
}

function keyPolicy(keyId: string): PolicyDocument {
  return document(keyId, template.Resources[keyId].Properties.KeyPolicy);
}

/** A resource's policy from a resource of `type` that points at it, if there is one. */
function attachedPolicy(type: string, pointer: string, targetId: string, property: string): PolicyDocument | undefined {
  const found = entries(type).filter(([, r]) => [r.Properties[pointer]].flat().some((ref: any) => refersTo(ref, targetId)));
  if (found.length > 1) {
    throw new Error(`${targetId} has ${found.length} ${type}s`);
  }
  return found.length === 1 ? document(found[0][0], found[0][1].Properties[property]) : undefined;
}

/** The policy of the VPC endpoint that calls to `service` from the service's subnets go through. */
function endpointPolicy(service: string): PolicyDocument | undefined {
  const found = entries('AWS::EC2::VPCEndpoint').filter(([, r]) => resolve(r.Properties.ServiceName, deployment) === `com.amazonaws.${REGION}.${service}`);
  if (found.length !== 1) {
    throw new Error(`expected one VPC endpoint for ${service}; found ${found.length}`);
  }
  const [id, endpoint] = found[0];
  // Without a policy an endpoint allows everything, which filters nothing.
  return endpoint.Properties.PolicyDocument && document(id, endpoint.Properties.PolicyDocument);
}

// --- Who ------------------------------------------------------------------------------------------

interface Who {
  readonly name: string;
  readonly principal: () => Principal;
  readonly identity: () => PolicyDocument[];
  /** Calls from inside the service's VPC go through its endpoints. */
  readonly inVpc: boolean;
}

const templateRole = (name: string, prefix: string, inVpc: boolean): Who => ({
  name,
  principal: () => ({ type: 'role', arn: arnOf(logicalId('AWS::IAM::Role', prefix)) }),
  identity: () => rolePolicies(logicalId('AWS::IAM::Role', prefix)),
  inVpc,
});

const HOST = templateRole('the host role', 'TimescaleHostRole', true);
/** Operators call AWS from their own machines; only their sessions reach the hosts. */
const OPERATOR = templateRole('the operator role', 'TimescaleOperatorsRole', false);
/** A principal of the account with AWS's PowerUserAccess: everything but IAM, Organizations and Account. */
const POWER_USER: Who = {
  name: 'a PowerUser of the account',
  principal: () => ({ type: 'role', arn: `arn:aws:iam::${OURS}:role/PowerUser` }),
  identity: () => [{
    Version: '2012-10-17',
    Id: 'PowerUserAccess',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      { Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization'], Resource: '*' },
    ],
  }],
  // From anywhere: what holds it back must not be the service's endpoints.
  inVpc: false,
};
/** The account's root user: the break-glass path of the key policies. */
const ROOT_USER: Who = { name: 'the root user', principal: () => ({ type: 'root', account: OURS }), identity: () => [], inVpc: false };
const ISSUER = templateRole('the certificate issuer role', 'TimescaleCertificateIssuerRole', false);
const BACKUP = templateRole('AWS Backup\'s role', 'TimescaleBackupsBackupRole', false);
const POWER_USER_IN_VPC: Who = { ...POWER_USER, name: 'a PowerUser of the account in the VPC', inVpc: true };
/** The CDK bootstrap's CloudFormation execution role, with its default AdministratorAccess. */
const DEPLOYER: Who = {
  name: 'the CDK deploy role',
  principal: () => ({ type: 'role', arn: `arn:aws:iam::${OURS}:role/cdk-hnb659fds-cfn-exec-role-${OURS}-${REGION}` }),
  identity: () => [{ Version: '2012-10-17', Id: 'AdministratorAccess', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  inVpc: false,
};
/** Someone with credentials of their own account, using them (or a URL presigned with them) from inside the VPC. */
const OUTSIDER: Who = {
  name: 'an outsider in the VPC',
  principal: () => ({ type: 'user', arn: `arn:aws:iam::${THEIRS}:user/outsider` }),
  identity: () => [{ Version: '2012-10-17', Id: 'TheirOwnS3', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }],
  inVpc: true,
};
const CLOUDFORMATION_URL: Who = {
  name: 'a custom resource with CloudFormation\'s presigned URL',
  principal: () => ({ type: 'role', arn: `arn:aws:iam::${CLOUDFORMATION}:role/responses` }),
  identity: () => [{ Version: '2012-10-17', Id: 'CloudFormationsOwn', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] }],
  inVpc: true,
};
/** A role of the customer's account, with its own IAM allowing the reads: granted, and another one that is not. */
const customerRole = (name: string, arn: string): Who => ({
  name,
  principal: () => ({ type: 'role', arn }),
  identity: () => [{ Version: '2012-10-17', Id: 'CustomersOwnIam', Statement: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'kms:Decrypt'], Resource: '*' }] }],
  inVpc: false,
});
const CUSTOMER_APP = customerRole('the customer\'s granted application role', CUSTOMER_APP_ARN);
const CUSTOMER_OTHER = customerRole('another role of the customer\'s account', `arn:aws:iam::${CUSTOMERS}:role/intern`);
/** dnf and the SSM Agent read AWS-owned buckets with unsigned requests. */
const UNSIGNED: Who = { name: 'an unsigned request from the VPC', principal: () => ({ type: 'anonymous' }), identity: () => [], inVpc: true };

// --- What -----------------------------------------------------------------------------------------

interface On {
  readonly name: string;
  readonly arn: () => string;
  readonly account: string;
  readonly policies: () => Pick<Policies, 'resource' | 'keyPolicy'>;
}

const key = (name: string, prefix: string): On => ({
  name,
  arn: () => arnOf(logicalId('AWS::KMS::Key', prefix)),
  account: OURS,
  policies: () => ({ keyPolicy: keyPolicy(logicalId('AWS::KMS::Key', prefix)) }),
});
const secret = (name: string, prefix: string): On => ({
  name,
  arn: () => arnOf(logicalId('AWS::SecretsManager::Secret', prefix)),
  account: OURS,
  policies: () => ({ resource: attachedPolicy('AWS::SecretsManager::ResourcePolicy', 'SecretId', logicalId('AWS::SecretsManager::Secret', prefix), 'ResourcePolicy') }),
});
const AUDIT_BUCKET = 'TimescaleOperatorsAuditBucket';
const auditBucketPolicy = () => ({ resource: attachedPolicy('AWS::S3::BucketPolicy', 'Bucket', logicalId('AWS::S3::Bucket', AUDIT_BUCKET), 'PolicyDocument') });
const AUDIT: On = { name: 'the audit bucket', arn: () => arnOf(logicalId('AWS::S3::Bucket', AUDIT_BUCKET)), account: OURS, policies: auditBucketPolicy };
const sessionLog = (name: string, objectKey: string): On => ({ name, arn: () => `${AUDIT.arn()}/${objectKey}`, account: OURS, policies: auditBucketPolicy });
/**
 * An object of a bucket outside the template whose owner lets everyone in (an attacker would; a
 * public repository does), so that what stands in the way is the caller's side and the endpoint.
 */
const outsideObject = (bucket: string, account: string): On => ({
  name: `s3://${bucket}`,
  arn: () => `arn:aws:s3:::${bucket}/object`,
  account,
  policies: () => (account === OURS ? {} : { resource: { Version: '2012-10-17', Id: `${bucket} bucket policy`, Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] } }),
});

const DATA_KEY = key('the data key', 'TimescaleKeysDataKey');
const BACKUP_KEY = key('the backup key', 'TimescaleKeysBackupKey');
const SECRETS_KEY = key('the secrets key', 'TimescaleKeysSecretsKey');
const LOGS_KEY = key('the logs key', 'TimescaleKeysLogsKey');
const KEYS = [DATA_KEY, BACKUP_KEY, SECRETS_KEY];
const TLS_SECRET = secret('the TLS certificate secret', 'TimescaleCertificateSecret');
const CA_SECRET = secret('the CA secret', 'TimescaleCertificateCaSecret');
const ADMIN_SECRET = secret('the customer admin secret', 'TimescaleCustomersamplecustomerAdminSecret');
const HOST_SECRETS = [TLS_SECRET, ADMIN_SECRET];
const NEW_SESSION_LOG = sessionLog('a session log', 'session-logs/i-0123456789abcdef0/operator-0a1b2c3d4e5f.log');

const VIA_EC2 = `ec2.${REGION}.amazonaws.com`;
const VIA_BACKUP = `backup.${REGION}.amazonaws.com`;
const VIA_SECRETS = `secretsmanager.${REGION}.amazonaws.com`;
const VIA_S3 = `s3.${REGION}.amazonaws.com`;
const VIA_SERVICE = new Map([[DATA_KEY, VIA_EC2], [BACKUP_KEY, VIA_BACKUP], [SECRETS_KEY, VIA_SECRETS]]);

// --- The table ------------------------------------------------------------------------------------

/** 'Deny' accepts either kind of deny; 'ExplicitDeny' demands a Deny statement that holds against any IAM policy. */
type Expected = 'Allow' | 'ExplicitDeny' | 'Deny';
type RowContext = { [key: string]: ContextValue } | (() => { [key: string]: ContextValue });

interface Row {
  readonly title: string;
  readonly who: Who;
  readonly action: string;
  readonly on: On;
  readonly via?: string;
  /** Condition keys of the request; a function when they name resources of the template. */
  readonly context?: RowContext;
  readonly expected: Expected;
}

function row(who: Who, action: string, on: On, expected: Expected, options: { via?: string; context?: Row['context']; note?: string } = {}): Row {
  const via = options.via ? ` via ${options.via.split('.')[0]}` : '';
  const note = options.note ? ` (${options.note})` : '';
  return { title: `${who.name}: ${action}${via} on ${on.name}${note} -> ${expected}`, who, action, on, expected, via: options.via, context: options.context };
}

const S3_TRANSPORT = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' };
const secretContext = (on: On) => () => ({ 'kms:EncryptionContext:SecretARN': on.arn() });

const ROWS: Row[] = [
  // 1-2. Administration without use, and no use for the account at large: IAM's kms:* opens nothing.
  ...KEYS.flatMap((k) => [
    row(POWER_USER, 'kms:CreateGrant', k, 'ExplicitDeny', { context: { 'kms:GranteePrincipal': `arn:aws:iam::${OURS}:role/PowerUser` }, note: 'for itself' }),
    row(POWER_USER, 'kms:CreateGrant', k, 'ExplicitDeny', { via: VIA_SERVICE.get(k), context: { 'kms:GrantIsForAWSResource': 'true' } }),
    row(POWER_USER, 'kms:Decrypt', k, 'ExplicitDeny', { via: VIA_EC2 }),
    row(POWER_USER, 'kms:Decrypt', k, 'ExplicitDeny', { via: VIA_SECRETS }),
    row(POWER_USER, 'kms:PutKeyPolicy', k, 'Deny'),
    row(DEPLOYER, 'kms:PutKeyPolicy', k, 'Allow'),
    row(DEPLOYER, 'kms:DescribeKey', k, 'Allow'),
    row(DEPLOYER, 'kms:Decrypt', k, 'Deny', { note: 'directly' }),
  ]),
  row(POWER_USER, 'kms:Decrypt', BACKUP_KEY, 'ExplicitDeny', { via: VIA_BACKUP }),
  // The session transcripts are encrypted under the logs key, through S3.
  row(POWER_USER, 'kms:Decrypt', LOGS_KEY, 'ExplicitDeny', { via: VIA_S3 }),
  row(POWER_USER, 'kms:CreateGrant', LOGS_KEY, 'ExplicitDeny', { context: { 'kms:GranteePrincipal': `arn:aws:iam::${OURS}:role/PowerUser` }, note: 'for itself' }),
  // The deploying role launches the instance and attaches the volumes under the data key.
  row(DEPLOYER, 'kms:CreateGrant', DATA_KEY, 'Allow', { via: VIA_EC2, context: { 'kms:GrantIsForAWSResource': 'true' } }),

  // Break glass: the root user may replace a key policy, and do nothing else with the key.
  ...[...KEYS, LOGS_KEY].flatMap((k) => [
    row(ROOT_USER, 'kms:PutKeyPolicy', k, 'Allow'),
    row(ROOT_USER, 'kms:Decrypt', k, 'ExplicitDeny', { via: VIA_SERVICE.get(k) ?? VIA_S3 }),
    row(ROOT_USER, 'kms:CreateGrant', k, 'ExplicitDeny', { context: { 'kms:GranteePrincipal': `arn:aws:iam::${OURS}:root` } }),
  ]),
  // AWS Backup copies a recovery point out of the data key and under the backup key, through EC2 only.
  row(BACKUP, 'kms:Decrypt', DATA_KEY, 'Allow', { via: VIA_EC2 }),
  row(BACKUP, 'kms:GenerateDataKeyWithoutPlaintext', BACKUP_KEY, 'Allow', { via: VIA_EC2 }),
  row(BACKUP, 'kms:CreateGrant', BACKUP_KEY, 'Allow', { via: VIA_EC2, context: { 'kms:GrantIsForAWSResource': 'true' } }),
  row(BACKUP, 'kms:Decrypt', DATA_KEY, 'Deny', { note: 'directly' }),
  row(BACKUP, 'kms:Decrypt', SECRETS_KEY, 'Deny', { via: VIA_SECRETS }),
  // The issuer writes the certificate; the host only reads it.
  row(ISSUER, 'secretsmanager:PutSecretValue', TLS_SECRET, 'Allow'),
  row(ISSUER, 'kms:GenerateDataKey', SECRETS_KEY, 'Allow', { via: VIA_SECRETS, context: secretContext(TLS_SECRET) }),
  row(HOST, 'secretsmanager:PutSecretValue', TLS_SECRET, 'Deny'),

  // The host reads its own secrets, nobody else does.
  ...HOST_SECRETS.flatMap((s) => [
    row(HOST, 'secretsmanager:GetSecretValue', s, 'Allow'),
    row(HOST, 'kms:Decrypt', SECRETS_KEY, 'Allow', { via: VIA_SECRETS, context: secretContext(s), note: `for ${s.name}` }),
    row(OPERATOR, 'secretsmanager:GetSecretValue', s, 'Deny'),
    row(OPERATOR, 'kms:Decrypt', SECRETS_KEY, 'Deny', { via: VIA_SECRETS, context: secretContext(s), note: `for ${s.name}` }),
    row(POWER_USER, 'secretsmanager:GetSecretValue', s, 'ExplicitDeny'),
    row(POWER_USER, 'secretsmanager:PutResourcePolicy', s, 'ExplicitDeny'),
    row(POWER_USER, 'secretsmanager:DeleteResourcePolicy', s, 'ExplicitDeny'),
  ]),
  row(HOST, 'secretsmanager:GetSecretValue', CA_SECRET, 'Deny', { note: 'the CA\'s private key is not the host\'s' }),
  // grantCustomerCredentialsRead names one role of the customer's account in the secret's and the key's
  // policies: that role reads, another role of the same account does not, and the Denies keep this account out.
  row(CUSTOMER_APP, 'secretsmanager:GetSecretValue', ADMIN_SECRET, 'Allow'),
  row(CUSTOMER_APP, 'kms:Decrypt', SECRETS_KEY, 'Allow', { via: VIA_SECRETS, context: secretContext(ADMIN_SECRET), note: `for ${ADMIN_SECRET.name}` }),
  row(CUSTOMER_APP, 'kms:Decrypt', SECRETS_KEY, 'Deny', { note: 'directly' }),
  row(CUSTOMER_OTHER, 'secretsmanager:GetSecretValue', ADMIN_SECRET, 'Deny'),
  row(CUSTOMER_OTHER, 'kms:Decrypt', SECRETS_KEY, 'Deny', { via: VIA_SECRETS, context: secretContext(ADMIN_SECRET), note: `for ${ADMIN_SECRET.name}` }),
  // grantHostLogging names the host role in the logs key's policy, so it encrypts transcripts through S3 past the key's Deny.
  row(HOST, 'kms:GenerateDataKey', LOGS_KEY, 'Allow', { via: VIA_S3 }),
  row(POWER_USER, 'kms:GenerateDataKey', LOGS_KEY, 'ExplicitDeny', { via: VIA_S3 }),
  row(POWER_USER, 'secretsmanager:GetSecretValue', CA_SECRET, 'ExplicitDeny'),

  // 3. The S3 endpoint is no way out of the VPC, and no way in.
  row(OUTSIDER, 's3:PutObject', outsideObject(`cloudformation-custom-resource-response-${REGION.replace(/-/g, '')}x`, THEIRS), 'Deny', { context: S3_TRANSPORT }),
  row(CLOUDFORMATION_URL, 's3:PutObject', outsideObject(`cloudformation-custom-resource-response-${REGION.replace(/-/g, '')}`, CLOUDFORMATION), 'Allow', { context: S3_TRANSPORT }),
  row(UNSIGNED, 's3:GetObject', outsideObject(`al2023-repos-${REGION}-attacker`, THEIRS), 'Deny', { context: S3_TRANSPORT }),
  row(UNSIGNED, 's3:GetObject', outsideObject(`al2023-repos-${REGION}-de612dc2`, AWS_OWNED), 'Allow', { context: S3_TRANSPORT, note: 'the real repository' }),
  row(HOST, 's3:GetObject', { ...outsideObject('timescale-reference-packages', OURS), arn: () => 'arn:aws:s3:::timescale-reference-packages/el9/timescaledb.rpm' }, 'Allow', { context: S3_TRANSPORT }),
  row(POWER_USER_IN_VPC, 's3:PutObject', outsideObject('exfiltration', THEIRS), 'Deny', { context: S3_TRANSPORT, note: 'a bucket of another account' }),
  row(HOST, 's3:PutObject', outsideObject('exfiltration', THEIRS), 'Deny', { context: S3_TRANSPORT, note: 'a bucket of another account' }),

  // 4. The host adds session logs; it never removes them or unlocks them. The SSM agent uploads without
  // If-None-Match, so a write to an existing key is allowed: versioning keeps the earlier version, and
  // Object Lock keeps it for the retention, which the rows below prove nobody can shorten or bypass.
  row(HOST, 's3:PutObject', NEW_SESSION_LOG, 'Allow', { context: S3_TRANSPORT, note: 'a session transcript' }),
  row(HOST, 's3:DeleteObject', NEW_SESSION_LOG, 'Deny', { context: S3_TRANSPORT }),
  row(HOST, 's3:DeleteObjectVersion', NEW_SESSION_LOG, 'Deny', { context: S3_TRANSPORT }),
  row(HOST, 's3:BypassGovernanceRetention', NEW_SESSION_LOG, 'Deny', { context: S3_TRANSPORT }),
  row(HOST, 's3:PutObjectRetention', NEW_SESSION_LOG, 'Deny', { context: S3_TRANSPORT }),
  // Nor does anyone else of the account, whatever its IAM allows.
  row(POWER_USER, 's3:DeleteObjectVersion', NEW_SESSION_LOG, 'ExplicitDeny', { context: S3_TRANSPORT }),
  row(POWER_USER, 's3:BypassGovernanceRetention', NEW_SESSION_LOG, 'ExplicitDeny', { context: S3_TRANSPORT }),
  row(POWER_USER, 's3:PutBucketPolicy', AUDIT, 'ExplicitDeny', { context: S3_TRANSPORT }),
  row(POWER_USER, 's3:PutBucketVersioning', AUDIT, 'ExplicitDeny', { context: S3_TRANSPORT }),
];

function evaluateRow(r: Row) {
  const service = r.action.split(':')[0];
  // A call another service makes on the principal's behalf does not pass the principal's endpoint.
  const endpoint = r.who.inVpc && !r.via ? endpointPolicy(service) : undefined;
  const context = { 'aws:ResourceAccount': r.on.account, ...(typeof r.context === 'function' ? r.context() : r.context) };
  return evaluateRequest(
    { principal: r.who.principal(), action: r.action, resource: r.on.arn(), viaService: r.via, context },
    { identity: r.who.identity(), ...r.on.policies(), endpoint },
  );
}

test.each(ROWS)('$title', (r) => {
  const result = evaluateRow(r);
  const outcome: Decision | 'Deny' = r.expected === 'Deny' && result.decision !== 'Allow' ? 'Deny' : result.decision;
  // The reason and the deciding statements ride along, so that a failure says why.
  const why = `${result.reason}: ${result.statements.join(', ') || 'no statement'}`;
  expect(`${outcome} (${why})`).toBe(`${r.expected} (${why})`);
});
