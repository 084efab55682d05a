import { RuleInfo } from '../nag/evidence';

/** The pack name of the live checks: rule ids read `TimescaleCloudSecurityLive-<name>`. */
export const LIVE_PACK = 'TimescaleCloudSecurityLive';

interface LiveRuleText {
  readonly name: string;
  readonly guarantee: string;
  readonly info: string;
  readonly explanation: string;
  readonly resourceTypes: string[];
}

/**
 * The checks `verify` runs on deployed resources. Names follow the synth-time rule that judges the
 * same promise in the template (`TimescaleCloudSecurity-<name>`), so a live finding points at the rule
 * that should have caught it, or at the change made behind CloudFormation's back.
 */
const TEXTS: LiveRuleText[] = [
  {
    name: 'KmsKeyCustomerManagedAes256',
    guarantee: 'G1',
    info: 'The KMS key is not an enabled, customer-managed, symmetric AES-256 encryption key.',
    explanation: 'Data is encrypted with AES-256 under keys the customer manages in AWS KMS: KeyManager CUSTOMER, ' +
      'KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, KeyState Enabled. A disabled key or one pending deletion makes the data it protects unreadable.',
    resourceTypes: ['AWS::KMS::Key'],
  },
  {
    name: 'KmsKeyRotation',
    guarantee: 'G1',
    info: 'Automatic rotation of the KMS key is off (GetKeyRotationStatus).',
    explanation: 'Turn rotation back on: aws kms enable-key-rotation --key-id <id>; then find who turned it off in CloudTrail (DisableKeyRotation).',
    resourceTypes: ['AWS::KMS::Key'],
  },
  {
    name: 'KmsKeyPolicyNoUnconditionedWildcard',
    guarantee: 'G1',
    info: 'The deployed key policy allows Principal "*" without a condition.',
    explanation: 'Only the principals a key policy names may use the key. Restore the policy from the template (a stack update), ' +
      'or constrain "*" with kms:CallerAccount and kms:ViaService.',
    resourceTypes: ['AWS::KMS::Key'],
  },
  {
    name: 'VolumeCustomerManagedKey',
    guarantee: 'G1',
    info: 'The EBS volume is not encrypted with an enabled customer-managed KMS key.',
    explanation: 'EBS encryption cannot be switched on in place: snapshot the volume, copy the snapshot under the customer-managed key and replace the volume.',
    resourceTypes: ['AWS::EC2::Volume'],
  },
  {
    name: 'BlockDeviceCustomerManagedKey',
    guarantee: 'G1',
    info: 'A volume attached to the instance (root included) is not encrypted with an enabled customer-managed KMS key.',
    explanation: 'Every EBS volume of a database host, root, data and WAL, is encrypted with the service\'s customer-managed key.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  {
    name: 'LogGroupCustomerManagedKey',
    guarantee: 'G1',
    info: 'The CloudWatch Logs log group is not encrypted with a customer-managed KMS key (or no longer exists).',
    explanation: 'A log group recreated by hand loses its key. Associate the key (aws logs associate-kms-key) or let the stack recreate it.',
    resourceTypes: ['AWS::Logs::LogGroup'],
  },
  {
    name: 'SecretCustomerManagedKey',
    guarantee: 'G1',
    info: 'The Secrets Manager secret is encrypted with the AWS managed key (aws/secretsmanager), not a customer-managed key.',
    explanation: 'Secrets live under a customer-managed key whose policy names who may decrypt them.',
    resourceTypes: ['AWS::SecretsManager::Secret'],
  },
  {
    name: 'TopicCustomerManagedKey',
    guarantee: 'G1',
    info: 'The SNS topic is not encrypted with a customer-managed KMS key.',
    explanation: 'Alerts can carry session and host details; encrypt the topic with a customer-managed key (KmsMasterKeyId).',
    resourceTypes: ['AWS::SNS::Topic'],
  },
  {
    name: 'BucketCustomerManagedKey',
    guarantee: 'G1',
    info: 'The S3 bucket\'s default encryption is not SSE-KMS with a customer-managed key.',
    explanation: 'Backups and audit logs are encrypted with a customer-managed key: set the bucket\'s default encryption to aws:kms with that key.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  {
    name: 'BackupVaultCustomerManagedKey',
    guarantee: 'G1',
    info: 'The AWS Backup vault is not encrypted with a customer-managed KMS key.',
    explanation: 'A vault\'s key is chosen at creation: create a vault under the backup key and move the backup plan to it.',
    resourceTypes: ['AWS::Backup::BackupVault'],
  },
  {
    name: 'BackupVaultLocked',
    guarantee: 'G5',
    info: 'The AWS Backup vault has no Vault Lock, so recovery points can be deleted before their retention ends.',
    explanation: 'Backups must survive mistakes and automation: put a Vault Lock (aws backup put-backup-vault-lock-configuration) on the vault.',
    resourceTypes: ['AWS::Backup::BackupVault'],
  },
  {
    name: 'BucketDeniesInsecureTransport',
    guarantee: 'G3',
    info: 'The deployed bucket policy does not deny requests made without TLS (aws:SecureTransport = false), or there is no bucket policy.',
    explanation: 'There is no option for plaintext connections. Restore the Deny of s3:* for "*" when aws:SecureTransport is false.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  {
    name: 'DatabaseRefusesPlaintext',
    guarantee: 'G3',
    info: 'The database endpoint accepted a plaintext (non-TLS) connection beyond the start-up message.',
    explanation: 'PostgreSQL must reject plaintext before authentication: pg_hba.conf starts with `hostnossl all all <network> reject` and has no `host` line.',
    resourceTypes: ['PostgreSQL::Endpoint'],
  },
  {
    name: 'DatabaseRefusesTls11',
    guarantee: 'G3',
    info: 'The database endpoint completed a TLS 1.1 handshake.',
    explanation: 'Set ssl_min_protocol_version = \'TLSv1.2\' (or TLSv1.3) and reload the server.',
    resourceTypes: ['PostgreSQL::Endpoint'],
  },
  {
    name: 'DatabaseVerifiedTls',
    guarantee: 'G3',
    info: 'A verify-full TLS handshake with the given CA did not succeed (untrusted certificate, wrong name, or no TLS).',
    explanation: 'Clients must be able to verify the server: its certificate chains to the CA the clients trust and names the host they connect to.',
    resourceTypes: ['PostgreSQL::Endpoint'],
  },
  {
    name: 'InstanceNoPublicIp',
    guarantee: 'G4',
    info: 'The EC2 instance has a public IPv4 address.',
    explanation: 'Services are reached only over private addresses from peered networks: launch into subnets without public IPs and release any Elastic IP.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  {
    name: 'IngressNotFromAnywhere',
    guarantee: 'G4',
    info: 'The security group admits traffic from a public address range.',
    explanation: 'No public Internet-based access: remove the rule (aws ec2 revoke-security-group-ingress) and find who added it in CloudTrail.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  {
    name: 'DatabaseIngressFromAllowedNetworks',
    guarantee: 'G4',
    info: 'The security group admits the database port from a network that is not allowed.',
    explanation: 'The database port is open only to the peered customer networks (--allowed-network; by default, private address ranges only).',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  {
    name: 'BucketBlocksPublicAccess',
    guarantee: 'G4',
    info: 'The bucket does not block all public access (all four S3 Block Public Access settings).',
    explanation: 'Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets on the bucket.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  {
    name: 'LoadBalancerInternal',
    guarantee: 'G4',
    info: 'The load balancer is internet-facing.',
    explanation: 'A load balancer\'s scheme cannot change: replace it with an internal one.',
    resourceTypes: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  {
    name: 'CloudTrailLoggingValidatedEncrypted',
    guarantee: 'G6',
    info: 'The trail is not logging, or has no log file validation, or is not encrypted with a customer-managed key.',
    explanation: 'Operator access is audit logged: the trail logs (StartLogging), validates its log files and encrypts them with a customer-managed key.',
    resourceTypes: ['AWS::CloudTrail::Trail'],
  },
  {
    name: 'SessionDocumentEncryptedLogging',
    guarantee: 'G6',
    info: 'The deployed Session Manager document does not log sessions, encrypted, with a session KMS key.',
    explanation: 'Every operator session is logged to encrypted CloudWatch Logs or S3 (cloudWatchEncryptionEnabled / s3EncryptionEnabled) and ' +
      'encrypted with inputs.kmsKeyId. Restore the document from the template.',
    resourceTypes: ['AWS::SSM::Document'],
  },
  {
    name: 'InstanceImdsV2',
    guarantee: 'G7',
    info: 'The EC2 instance does not require IMDSv2 session tokens (HttpTokens is not required).',
    explanation: 'The host\'s credentials stay on the host: require IMDSv2 (aws ec2 modify-instance-metadata-options --http-tokens required).',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  {
    name: 'NoSshKeyPair',
    guarantee: 'G7',
    info: 'The EC2 instance was launched with an SSH key pair.',
    explanation: 'No one logs in with a key: access is through logged Session Manager sessions only. Replace the instance without KeyName.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  {
    name: 'NoRemoteShellIngress',
    guarantee: 'G7',
    info: 'The security group admits SSH (22) or RDP (3389) from an address range.',
    explanation: 'No customer access to the virtual machine level: remove the rule; operators use Session Manager.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
];

/** The live checks' rule metadata, in the evidence report's form. */
export const LIVE_RULES: RuleInfo[] = TEXTS.map((t) => ({ ...t, ruleId: `${LIVE_PACK}-${t.name}`, pack: LIVE_PACK }));

/** The rule metadata of a live check, by name. */
export function liveRule(name: string): RuleInfo {
  const rule = LIVE_RULES.find((r) => r.name === name);
  if (!rule) {
    throw new Error(`No live check named '${name}'; known: ${LIVE_RULES.map((r) => r.name).join(', ')}.`);
  }
  return rule;
}
