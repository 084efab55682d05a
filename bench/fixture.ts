import { App, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * A representative "service" stack (~70 resources) built from aws-cdk-lib constructs only: the
 * shape of a TimescaleDB service (isolated VPC with endpoints, purpose-separated keys, a database
 * host with data and WAL volumes, an internal NLB, an audit bucket, log groups, roles, a secret,
 * an alert topic and a backup vault). Swap in the real TimescaleService here when it exists.
 */
export function buildServiceStack(app: App, id: string): Stack {
  const stack = new Stack(app, id, { env: { account: '111122223333', region: 'eu-central-1' } });
  const key = (name: string) => new kms.Key(stack, `${name}Key`, { enableKeyRotation: true, alias: `alias/${id}/${name.toLowerCase()}` });
  const dataKey = key('Data');
  const logsKey = key('Logs');
  const secretsKey = key('Secrets');
  const backupKey = key('Backup');
  logsKey.grantEncryptDecrypt(new iam.ServicePrincipal('logs.eu-central-1.amazonaws.com'));

  const vpc = new ec2.Vpc(stack, 'Network', {
    ipAddresses: ec2.IpAddresses.cidr('10.10.0.0/16'),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  for (const [name, service] of Object.entries({
    Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
    SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
    Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    Secrets: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  })) {
    vpc.addInterfaceEndpoint(name, { service });
  }

  const logGroup = new logs.LogGroup(stack, 'DatabaseLogs', { encryptionKey: logsKey, retention: logs.RetentionDays.ONE_YEAR });
  new logs.LogGroup(stack, 'SessionLogs', { encryptionKey: logsKey, retention: logs.RetentionDays.ONE_YEAR });
  const secret = new secretsmanager.Secret(stack, 'Superuser', { encryptionKey: secretsKey, removalPolicy: RemovalPolicy.RETAIN });

  const sg = new ec2.SecurityGroup(stack, 'DatabaseGroup', { vpc, allowAllOutbound: false });
  sg.addIngressRule(ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432), 'customer VPC');
  const role = new iam.Role(stack, 'HostRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
  secret.grantRead(role);
  logGroup.grantWrite(role);
  const host = new ec2.Instance(stack, 'Host', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: new ec2.InstanceType('r6g.large'),
    machineImage: ec2.MachineImage.genericLinux({ 'eu-central-1': 'ami-0123456789abcdef0' }),
    securityGroup: sg,
    role,
    requireImdsv2: true,
    blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, kmsKey: dataKey }) }],
  });
  Tags.of(host).add('timescale:service', id);
  for (const [name, size] of [['Data', 100], ['Wal', 50]] as const) {
    const volume = new ec2.Volume(stack, `${name}Volume`, {
      availabilityZone: host.instanceAvailabilityZone,
      size: { toGibibytes: () => size } as any,
      encrypted: true,
      encryptionKey: dataKey,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      volumeType: ec2.EbsDeviceVolumeType.GP3,
    });
    new ec2.CfnVolumeAttachment(stack, `${name}Attachment`, { instanceId: host.instanceId, volumeId: volume.volumeId, device: name === 'Data' ? '/dev/sdf' : '/dev/sdg' });
  }

  const nlb = new elbv2.NetworkLoadBalancer(stack, 'Endpoint', { vpc, internetFacing: false, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
  nlb.addListener('Postgres', { port: 5432 }).addTargets('Host', { port: 5432, targets: [new targets.InstanceTarget(host, 5432)] });

  const audit = new s3.Bucket(stack, 'Audit', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: logsKey,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    lifecycleRules: [{ expiration: Duration.days(3650) }],
  });
  audit.grantPut(role);
  const alerts = new sns.Topic(stack, 'Alerts', { masterKey: logsKey });
  const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: backupKey, removalPolicy: RemovalPolicy.RETAIN });
  const plan = backup.BackupPlan.daily35DayRetention(stack, 'Plan', vault);
  plan.addSelection('Volumes', { resources: [backup.BackupResource.fromTag('timescale:service', id)] });
  for (const metric of ['CPUUtilization', 'StatusCheckFailed', 'EBSIOBalance%']) {
    new cloudwatch.Alarm(stack, `Alarm${metric.replace(/\W/g, '')}`, {
      metric: new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName: metric, dimensionsMap: { InstanceId: host.instanceId } }),
      threshold: 90,
      evaluationPeriods: 3,
    }).addAlarmAction({ bind: () => ({ alarmActionArn: alerts.topicArn }) });
  }
  new ssm.CfnDocument(stack, 'SessionDocument', {
    documentType: 'Session',
    content: { schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { cloudWatchLogGroupName: logGroup.logGroupName, cloudWatchEncryptionEnabled: true, kmsKeyId: logsKey.keyId } },
  });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  operator.addToPolicy(new iam.PolicyStatement({
    actions: ['ssm:StartSession'],
    resources: ['*'],
    conditions: { Bool: { 'ssm:SessionDocumentAccessCheck': 'true', 'aws:MultiFactorAuthPresent': 'true' } },
  }));
  return stack;
}
