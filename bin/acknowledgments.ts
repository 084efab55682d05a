import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TimescaleService } from '../lib';

/** The custom-resource provider CDK shares across a stack (AwsCustomResource). */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

const HIPAA = 'HIPAA.Security';
const NIST = 'NIST.800.53.R5';
const PCI = 'PCI.DSS.321';

function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) {
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/** The same rule in each of the compliance packs that has it. */
function inPacks(rule: string, packs: string[] = [HIPAA, NIST, PCI]): string[] {
  return packs.map((pack) => `${pack}-${rule}`);
}

/**
 * Findings of the reference deployment that are accepted, each with the reason a security reviewer
 * needs. Every acknowledgment is written into the template (cdk_nag metadata) and listed in the
 * evidence report. Findings of this library's own pack are fixed, not acknowledged, with one
 * exception the AWS service imposes (the access-log bucket).
 */
export function acknowledgeReferenceFindings(service: TimescaleService): void {
  const stack = Stack.of(service);
  const { host, endpoint, certificate, backups, databaseBackups, operatorAccess } = service;

  // The internal Network Load Balancer passes TCP through to PostgreSQL.
  acknowledge(endpoint.loadBalancer, ['AwsSolutions-ELB2', ...inPacks('ELBLoggingEnabled')],
    'Network Load Balancers write access logs only for TLS listeners; this one passes TCP through, so there is nothing ' +
    'to log. Connections are recorded by VPC flow logs (all traffic) and by PostgreSQL connection logging.');
  acknowledge(endpoint.listener, inPacks('ELBv2ACMCertificateRequired'),
    'PostgreSQL negotiates TLS inside its own protocol (SSLRequest), so a TLS-terminating listener would break ordinary ' +
    'clients. TLS ends at PostgreSQL, whose pg_hba.conf rejects every non-TLS connection (TimescaleCloudSecurity-PostgresRefusesPlaintext).');

  acknowledge(endpoint.loadBalancer, inPacks('ELBDeletionProtectionEnabled', [HIPAA, NIST]),
    'Deletion protection is switched on by the endpoint\'s DeletionProtection custom resource once the load balancer and the ' +
    'host\'s bootstrap stand, and off only when CloudFormation deletes it: on from the first create, it would make a failed ' +
    'first create\'s rollback end in ROLLBACK_FAILED. The rule reads only the load balancer\'s own attribute.');
  acknowledge(host.instance, ['AwsSolutions-EC29'],
    'Termination protection is switched on by the host\'s TerminationProtection custom resource once the bootstrap wait ' +
    'condition has completed, and off only when CloudFormation deletes or replaces the instance: on from the first create, it ' +
    'would make a failed first create\'s rollback end in ROLLBACK_FAILED. The rule reads only the instance\'s own property.');
  acknowledge(host.instance, inPacks('EC2InstancesInVPC'),
    'The instance is in an isolated subnet of the service VPC through its primary network interface (NetworkInterfaces.SubnetId, ' +
    'used to pin AssociatePublicIpAddress to false); the rule reads only the SubnetId property.');
  acknowledge(host.instance, ['CloudFormation-Validate::E1152'],
    'ImageId is a resolve:ssm reference to the public Amazon Linux 2023 parameter, resolved by CloudFormation at deploy time; ' +
    'the template validator checks its literal format only.');

  acknowledge(host.role, ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]'],
    'AmazonSSMManagedInstanceCore is what the SSM agent needs for Session Manager, patching and inventory; AWS maintains it as the agent changes.');
  acknowledge(host.role, [
    'AwsSolutions-IAM5[Resource::<TimescaleOperatorsAuditBucket36B3361E.Arn>/session-logs/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
  ], 'Session transcripts are written under the audit bucket\'s session-logs/ prefix, one object per session id, which cannot be ' +
    'known in advance; logs:DescribeLogGroups, which the SSM agent calls before streaming a session, has no resource-level scope.');

  acknowledge(host.role, ['AwsSolutions-IAM5[Resource::*]'],
    'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the cloudwatch:namespace condition ' +
    'to the host\'s own namespace (TimescaleService/Host), where its CloudWatch agent publishes the data and WAL volumes\' free space.');
  acknowledge(host.role, ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::timescale-reference-packages/el9/*]'],
    'The host installs every RPM under the package mirror\'s el9/ prefix, whose file names change with each release; ' +
    'it may read that prefix only, and s3:ListBucket is conditioned on the same prefix.');
  acknowledge(backups.backupRole, ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]'],
    'The AWS Backup service role policy is the documented, AWS-maintained permission set for backup jobs of EBS volumes.');

  // pgBackRest: the database's own backups.
  for (const volume of [host.node.findChild('DataVolume'), host.node.findChild('WalVolume')]) {
    acknowledge(volume, inPacks('EC2EBSInBackupPlan', [HIPAA, NIST]),
      'The backup plan selects the database host\'s instance, which backs up all its attached volumes, data and WAL, at one ' +
      'moment (crash-consistent); selecting the volumes one by one would snapshot them at different moments. The rule ' +
      'recognizes volume selections only. The database\'s own backups are pgBackRest\'s, with point-in-time restore.');
  }
  acknowledge(databaseBackups.repositoryPolicy, ['AwsSolutions-IAM5[Resource::<TimescaleDatabaseBackupsRepository897C9A23.Arn>/pgbackrest/*]'],
    'pgBackRest writes one object per WAL segment and backup file under its repository prefix, with names that cannot be known in ' +
    'advance; the role may reach that prefix of that bucket only, and s3:ListBucket is conditioned on the same prefix.');
  acknowledge(databaseBackups.passphrase, ['AwsSolutions-SMG4', ...inPacks('SecretsManagerRotationEnabled', [HIPAA, NIST])],
    'The pgBackRest repository passphrase is fixed when the repository is created: a rotated value could not read the backups ' +
    'already taken. It is generated in Secrets Manager under the secrets key, read only by the host role, and retained.');
  acknowledge(databaseBackups.bucket, inPacks('S3BucketReplicationEnabled'),
    'Replicating backups to another Region would take the data outside the data-residency Regions; the repository is ' +
    'versioned, under the backup key, client-side encrypted, retained, and every object version is locked in governance mode ' +
    'for the backup retention. AWS Backup keeps a second, independent copy of the host.');

  acknowledge(certificate.issuer, inPacks('LambdaDLQ', [HIPAA, NIST]),
    'The issuer runs as a CloudFormation custom resource (CloudFormation gets its result) and on a daily schedule; a failure ' +
    'raises the IssuerErrors alarm and the next daily run retries, so a dead-letter queue would hold nothing actionable.');
  acknowledge(certificate.issuer, inPacks('LambdaConcurrency', [HIPAA, NIST]),
    'Reserved concurrency fails to deploy in accounts with the new-account Lambda quota (10, all of it kept unreserved). ' +
    'The issuer runs on a CloudFormation create, update or delete and once a day, and each run writes the certificate, key ' +
    'and CA certificate in one PutSecretValue, so overlapping runs cannot leave a mixed secret.');
  acknowledge(certificate, [
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::<TimescaleCertificateIssuerLogs645C5318.Arn>:log-stream:*]',
  ], 'The issuer runs in the VPC: the EC2 network-interface actions Lambda needs have no resource-level scope. Its log ' +
    'streams are created per execution environment under its own log group only.');
  for (const secret of [certificate.certificateSecret, certificate.caSecret]) {
    acknowledge(secret, ['AwsSolutions-SMG4', ...inPacks('SecretsManagerRotationEnabled', [HIPAA, NIST])],
      'The certificate and its CA are renewed by the issuer on its own schedule (30 days before expiry), not by Secrets ' +
      'Manager rotation; the host re-reads the secret daily.');
  }
  for (const customer of service.customers) {
    acknowledge(customer.adminSecret, ['AwsSolutions-SMG4', ...inPacks('SecretsManagerRotationEnabled', [HIPAA, NIST])],
      'The customer admin\'s password is the customer\'s to change (ALTER ROLE as that admin); Secrets Manager rotation would ' +
      'need a rotation function inside the isolated network. It is encrypted with the secrets key and read only by the host role.');
  }

  if (operatorAccess) {
    acknowledge(operatorAccess.role, [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:session/<aws:userid>-*]',
      'AwsSolutions-IAM5[Resource::*]',
    ], 'StartSession on instances is limited by the ssm:resourceTag/timescale:service condition to this service\'s hosts and ' +
      'by ssm:SessionDocumentAccessCheck to the logging document; Terminate/ResumeSession only on the caller\'s own sessions ' +
      '(session ids start with aws:userid); the Describe actions that find hosts and sessions have no resource-level scope.');
    acknowledge(operatorAccess.accessLogsBucket, [
      'TimescaleCloudSecurity-BucketCustomerManagedKey', ...inPacks('S3DefaultEncryptionKMS'),
    ], 'Amazon S3 delivers server access logs only to buckets encrypted with S3-managed keys (SSE-S3); this bucket holds ' +
      'only the audit bucket\'s access logs, is versioned, TLS-only, blocks public access and is retained.');
    acknowledge(operatorAccess.auditBucket, inPacks('S3BucketReplicationEnabled'),
      'Replicating audit data to another Region would take it outside the data-residency Regions; the bucket is versioned, ' +
      'KMS-encrypted, retained, and its objects are locked in governance mode for auditRetention (365 days by default).');
    acknowledge(operatorAccess.accessLogsBucket, inPacks('S3BucketReplicationEnabled'),
      'Access logs of the audit bucket stay in the data-residency Region; the bucket is versioned and retained.');
  }

  // CDK's shared provider for AwsCustomResource: it enables DNS resolution over the peering and switches deletion and
  // termination protection on after the first create, once per deployment and change.
  const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
  if (provider) {
    acknowledge(provider, ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
      'The basic execution policy lets the provider write its own logs; the peering-options and protection permissions themselves ' +
      'are scoped to the peering connection, the instance and the load balancer.');
    acknowledge(provider, [...inPacks('LambdaDLQ', [HIPAA, NIST]), ...inPacks('LambdaConcurrency', [HIPAA, NIST]), ...inPacks('LambdaInsideVPC')],
      'The provider runs only when CloudFormation creates, updates or deletes a peering connection or a protection switch, and ' +
      'reports its result to CloudFormation; it stays outside the VPC because the isolated network has no EC2 or Elastic Load ' +
      'Balancing endpoint, and the calls it makes need none of the service network.');
  }

  const prefixListLookup = service.network.node.tryFindChild('S3PrefixList');
  if (prefixListLookup) {
    acknowledge(prefixListLookup, ['AwsSolutions-IAM5[Resource::*]'],
      'ec2:DescribeManagedPrefixLists has no resource-level permissions; the call only reads the ID of the Region\'s S3 prefix ' +
      'list, which limits the host\'s HTTPS egress to S3.');
  }

  // CDK writes role grants as an AWS::IAM::Policy attached to one role: versioned with the stack, reviewed with it.
  for (const scope of [host.role, operatorAccess?.role, operatorAccess?.node.tryFindChild('TrailLogsRole'), ...service.customers,
    host.terminationProtection, endpoint.deletionProtection, prefixListLookup]) {
    if (scope) {
      acknowledge(scope, inPacks('IAMNoInlinePolicy'),
        'The policy is an AWS::IAM::Policy that CDK generates from least-privilege grants for exactly one role; it is part of ' +
        'this template, so it is reviewed, versioned and deployed with the stack like a managed policy.');
    }
  }
}
