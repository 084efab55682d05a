import { spawnSync } from 'child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { rootOwnedTempDir } from './support/root-temp';
import { DatabaseHost, DatabaseHostProps, PackageSource } from '../../lib/host';
import * as boot from '../../lib/host/private/bootstrap';

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly dataKey: kms.Key;
  readonly logsKey: kms.Key;
  readonly secretsKey: kms.Key;
}

/** A VPC with public and isolated subnets (no NAT), the host's two keys and a key for the test's own secrets. */
function fixture(subnets: ec2.SubnetConfiguration[] = [
  { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
  { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
]): Fixture {
  const app = new App();
  const stack = new Stack(app, 'HostStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: subnets.some((s) => s.subnetType === ec2.SubnetType.PRIVATE_WITH_EGRESS) ? 1 : 0, subnetConfiguration: subnets });
  return {
    app,
    stack,
    vpc,
    dataKey: new kms.Key(stack, 'DataKey'),
    logsKey: new kms.Key(stack, 'LogsKey'),
    secretsKey: new kms.Key(stack, 'SecretsKey'),
  };
}

function hostProps(f: Fixture, extra: Partial<DatabaseHostProps> = {}): DatabaseHostProps {
  return {
    vpc: f.vpc,
    dataKey: f.dataKey,
    logsKey: f.logsKey,
    serviceName: 'orders',
    packageSource: PackageSource.amazonLinuxRepositories(),
    ...extra,
  };
}

/** The one resource of `type` whose properties match, with its whole CloudFormation definition. */
function only(template: Template, type: string, props?: object): any {
  const found = Object.values(template.findResources(type, props ? { Properties: props } : undefined));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('DatabaseHost with defaults', () => {
  let f: Fixture;
  let host: DatabaseHost;
  let template: Template;
  let templateJson: string;
  let init: any;
  let lateSecret: secretsmanager.Secret;

  beforeAll(() => {
    f = fixture();
    host = new DatabaseHost(f.stack, 'Host', hostProps(f, {
      configFiles: [{ path: `${DatabaseHost.CONF_D_DIR}/10-memory.conf`, content: 'shared_buffers = 2GB\n' }],
    }));
    // Added after construction: must still reach the template.
    host.addConfigFile({ path: `${DatabaseHost.CONFIG_DIR}/pg_hba.conf`, content: 'hostssl all all 10.0.0.0/16 scram-sha-256\n', mode: '0440' });
    lateSecret = new secretsmanager.Secret(f.stack, 'TlsKey', { encryptionKey: f.secretsKey });
    host.addSecretFile({ path: `${DatabaseHost.CONFIG_DIR}/tls/server.key`, secret: lateSecret, jsonField: 'privateKey' });
    template = Template.fromStack(f.stack);
    templateJson = JSON.stringify(template.toJSON());
    init = only(template, 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
  });

  const ref = (value: string) => f.stack.resolve(value);

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the root volume is gp3, encrypted with the data key and deleted with the instance', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [{
        DeviceName: '/dev/xvda',
        Ebs: { VolumeType: 'gp3', VolumeSize: 20, Encrypted: true, KmsKeyId: ref(f.dataKey.keyArn), DeleteOnTermination: true },
      }],
      PropagateTagsToVolumeOnCreation: true,
    });
  });

  test('the data and WAL volumes are gp3, encrypted with the data key, snapshotted on deletion and replacement', () => {
    for (const [volume, size] of [[host.dataVolume, 100], [host.walVolume, 20]] as const) {
      const resource = template.toJSON().Resources[f.stack.resolve(volume.volumeId).Ref];
      expect(resource).toMatchObject({
        Type: 'AWS::EC2::Volume',
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
        Properties: { VolumeType: 'gp3', Size: size, Encrypted: true, KmsKeyId: ref(f.dataKey.keyArn) },
      });
    }
  });

  test('the volumes are in the instance\'s availability zone and attached to it', () => {
    const instance = only(template, 'AWS::EC2::Instance');
    for (const volume of [host.dataVolume, host.walVolume]) {
      const resource = template.toJSON().Resources[f.stack.resolve(volume.volumeId).Ref];
      expect(resource.Properties.AvailabilityZone).toEqual(instance.Properties.AvailabilityZone);
      template.hasResourceProperties('AWS::EC2::VolumeAttachment', { InstanceId: ref(host.instance.instanceId), VolumeId: ref(volume.volumeId) });
    }
    template.resourceCountIs('AWS::EC2::VolumeAttachment', 2);
  });

  test('the instance runs in an isolated subnet without a public IP', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, SubnetId: ref(f.vpc.isolatedSubnets[0].subnetId) })],
    });
  });

  test('IMDSv2 only with hop limit 1, no key pair, detailed monitoring, EBS-optimized', () => {
    const instance = only(template, 'AWS::EC2::Instance');
    expect(instance.Properties).toMatchObject({
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
      Monitoring: true,
      EbsOptimized: true,
      InstanceType: 'm7g.large',
    });
    expect(instance.Properties.KeyName).toBeUndefined();
    template.resourceCountIs('AWS::EC2::KeyPair', 0);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
  });

  test('termination protection is not the instance\'s own property, so a failed first create can roll back', () => {
    // Set at creation, or rendered as false (an update of the instance would switch it off again).
    expect(only(template, 'AWS::EC2::Instance').Properties.DisableApiTermination).toBeUndefined();
  });

  test('termination protection is switched on after the bootstrap, for this instance only, and off on delete', () => {
    const protection = only(template, 'Custom::InstanceTerminationProtection');
    const instanceId = f.stack.getLogicalId(host.instance.node.defaultChild as ec2.CfnInstance);
    const bootstrappedId = Object.keys(template.findResources('AWS::CloudFormation::WaitCondition'))[0];
    expect(protection.DependsOn).toEqual(expect.arrayContaining([instanceId, bootstrappedId]));
    expect(protection.Properties.Create).toEqual(protection.Properties.Update);
    expect(JSON.stringify(protection.Properties.Create)).toContain('\\"DisableApiTermination\\":{\\"Value\\":true}');
    expect(JSON.stringify(protection.Properties.Delete)).toContain('\\"DisableApiTermination\\":{\\"Value\\":false}');
    expect(JSON.stringify(protection.Properties.Delete)).toContain('InvalidInstanceID.NotFound');
    const policy = only(template, 'AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Action: 'ec2:ModifyInstanceAttribute' })] } });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'ec2:ModifyInstanceAttribute',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':instance/', { Ref: instanceId }]] },
    }]);
    expect(host.terminationProtection).toBeDefined();
  });

  test('the image is Amazon Linux 2023 for ARM64, read from SSM at launch without a context lookup', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    });
    const assembly = f.app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  test('the security group has no ingress and HTTPS egress only', () => {
    const group = only(template, 'AWS::EC2::SecurityGroup');
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: ref(f.vpc.vpcCidrBlock), IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(host.connections.defaultPort?.toString()).toBe('5432');
    expect(host.port).toBe(5432);
  });

  test('the role has Session Manager core and only its own secrets, log group and stack signal', () => {
    const role = only(template, 'AWS::IAM::Role', { Description: 'TimescaleDB host: Session Manager, its own secrets and its own log group' });
    expect(role.Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    const statements: any[] = only(template, 'AWS::IAM::Policy', { Roles: [ref(host.role.roleName)] }).Properties.PolicyDocument.Statement;
    const byResource = (resource: unknown) => statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(resource))
      .flatMap((s) => [s.Action].flat()).sort();
    expect(byResource(ref(host.logGroup.logGroupArn))).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(byResource(ref(lateSecret.secretArn))).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // cfn-init reads the metadata and cfn-signal signals, both on this stack only.
    expect(byResource({ Ref: 'AWS::StackId' })).toEqual(['cloudformation:DescribeStackResource', 'cloudformation:SignalResource']);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
    // The one statement on every resource: PutMetricData has no resource-level permissions, so the
    // namespace condition limits it to the host's own metrics.
    expect(statements.filter((s) => [s.Resource].flat().includes('*'))).toEqual([{
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'TimescaleService/Host' } },
    }]);
  });

  test('cfn-init runs the config sets in order and cfn-signal reports to a creation policy', () => {
    expect(init.configSets).toEqual({
      default: ['imdsGuard', 'volumes', 'packages', 'osUsers', 'hostScripts', 'secretFiles', 'serverConfig', 'beforeFirstStart', 'cluster',
        'superuserPassword', 'sqlScripts', 'afterStart', 'logging', 'cfnHup'],
      reconfigure: ['imdsGuard', 'osUsers', 'hostScripts', 'secretFiles', 'serverConfig', 'reload', 'superuserPassword', 'sqlScripts',
        'afterStart'],
    });
    const wait = only(template, 'AWS::CloudFormation::WaitCondition');
    expect(wait.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT1800S' } });
    const attachments = Object.keys(template.findResources('AWS::EC2::VolumeAttachment'));
    expect(wait.DependsOn).toEqual(expect.arrayContaining(attachments));
    const userData = JSON.stringify(only(template, 'AWS::EC2::Instance').Properties.UserData);
    const waitId = Object.keys(template.findResources('AWS::CloudFormation::WaitCondition'))[0];
    expect(userData).toContain('/opt/aws/bin/cfn-init -v');
    expect(userData).toContain('cfn-signal -e $? --region ');
    expect(userData).toContain(` --resource ${waitId}`);
  });

  test('the volumes are formatted only when blank, found by EBS volume ID, mounted with nofail', () => {
    const script: string = init.volumes.files['/usr/local/sbin/timescale-prepare-volume'].content;
    expect(script).toContain('/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume_id//-/}');
    expect(script).toMatch(/blkid -p "\$device"[\s\S]*-eq 2 \][\s\S]*mkfs\.xfs/);
    expect(script).toContain('defaults,noatime,nofail');
    expect(init.volumes.commands['10-data-volume'].command).toEqual({
      'Fn::Join': ['', ['/usr/local/sbin/timescale-prepare-volume ', ref(host.dataVolume.volumeId), ' /dev/sdf /var/lib/timescale/data']],
    });
    expect(init.volumes.commands['20-wal-volume'].command).toEqual({
      'Fn::Join': ['', ['/usr/local/sbin/timescale-prepare-volume ', ref(host.walVolume.volumeId), ' /dev/sdg /var/lib/timescale/wal']],
    });
  });

  test('packages come from Amazon Linux\'s repositories, installed once', () => {
    expect(init.packages.commands['10-install-packages']).toEqual({
      command: 'dnf install -y --setopt=install_weak_deps=False postgresql16-server postgresql16-contrib timescaledb-2-postgresql-16 pgaudit_16 pgbackrest',
      test: '! rpm -q postgresql16-server postgresql16-contrib timescaledb-2-postgresql-16 pgaudit_16 pgbackrest >/dev/null',
    });
    expect(templateJson).not.toMatch(/https?:\/\/(?!cloudformation)/);
  });

  test('the base postgresql.conf includes conf.d, names the hba file and preloads TimescaleDB', () => {
    const conf = init.serverConfig.files['/etc/timescale/postgresql.conf'];
    expect(conf).toMatchObject({ owner: 'root', group: 'postgres', mode: '000640' });
    for (const line of [
      "data_directory = '/var/lib/timescale/data/pgdata'",
      "hba_file = '/etc/timescale/pg_hba.conf'",
      "listen_addresses = '*'",
      'port = 5432',
      "shared_preload_libraries = 'timescaledb'",
      "log_directory = '/var/log/timescale'",
      "include_dir '/etc/timescale/conf.d'",
    ]) {
      expect(conf.content.split('\n')).toContain(line);
    }
    // conf.d is included last, so delivered settings win.
    expect(conf.content.trim().split('\n').pop()).toBe("include_dir '/etc/timescale/conf.d'");
  });

  test('config files are Init files with their owner, group and mode, including ones added after construction', () => {
    expect(init.serverConfig.files['/etc/timescale/conf.d/10-memory.conf']).toEqual({
      content: 'shared_buffers = 2GB\n', encoding: 'plain', mode: '000640', owner: 'root', group: 'postgres',
    });
    // The delivered pg_hba.conf replaces the default one.
    expect(init.serverConfig.files['/etc/timescale/pg_hba.conf']).toEqual({
      content: 'hostssl all all 10.0.0.0/16 scram-sha-256\n', encoding: 'plain', mode: '000440', owner: 'root', group: 'postgres',
    });
  });

  test('secret files are fetched at boot into files with their mode, including ones added after construction', () => {
    expect(init.secretFiles.commands['000-secret-file']).toEqual({
      command: { 'Fn::Join': ['', ["/usr/local/sbin/timescale-fetch-secret '", ref(lateSecret.secretArn), "' 'privateKey' '/etc/timescale/tls/server.key' 000640 root postgres"]] },
      env: { AWS_REGION: { Ref: 'AWS::Region' }, AWS_DEFAULT_REGION: { Ref: 'AWS::Region' } },
    });
    const fetch: string = init.hostScripts.files['/usr/local/sbin/timescale-fetch-secret'].content;
    expect(fetch).toContain('aws secretsmanager get-secret-value');
    expect(fetch).toContain('umask 077');
    // Only the refusal message is printed, never the value.
    expect(fetch.match(/\becho\b.*/g)).toEqual(['echo "timescale-fetch-secret: refusing to write $path: $1" >&2']);
    expect(fetch).not.toMatch(/set -x|printf/);
  });

  test('the cluster is created once, on the data and WAL volumes, and the server reads its config from CONFIG_DIR', () => {
    const initCluster: string = init.cluster.files['/usr/local/sbin/timescale-init-cluster'].content;
    expect(initCluster).toContain('if [ -f /var/lib/timescale/data/pgdata/PG_VERSION ]; then');
    expect(initCluster).toContain('--pgdata=/var/lib/timescale/data/pgdata --waldir=/var/lib/timescale/wal/pg_wal');
    expect(initCluster).toContain('refusing to create a cluster on the root volume');
    expect(initCluster).not.toMatch(/set -x|PGPASSWORD|ALTER (ROLE|USER)/);
    expect(init.cluster.commands['20-start'].command).toBe('systemctl daemon-reload && systemctl enable --now timescaledb');
    // cfn-init runs a config's commands in the order of their keys: the wait comes between the start and
    // the first statement that needs a primary (test/backup/pgbackrest-restore-server.test.ts runs it).
    expect(Object.keys(init.cluster.commands).sort()).toEqual(['10-init-cluster', '20-start', '25-wait-for-primary', '30-timescaledb-extension']);
    expect(init.cluster.commands['25-wait-for-primary'].command).toMatch(/^bindir=.*until \[ "\$\(runuser -u postgres -- "\$bindir\/psql" .* -p 5432 -d postgres -c 'SELECT pg_is_in_recovery\(\)' 2>\/dev\/null\)" = f \]; do systemctl is-active --quiet timescaledb \|\| /);
    expect(init.cluster.files['/etc/systemd/system/timescaledb.service'].content).toContain('ExecStart=/usr/local/libexec/timescale/postgres -D /etc/timescale');
  });

  test('no secret value is in the template or the user data', () => {
    for (const resource of Object.values(template.toJSON().Resources) as any[]) {
      expect(resource.Properties?.SecretString).toBeUndefined();
    }
    expect(templateJson).not.toContain('{{resolve:secretsmanager');
    expect(templateJson).not.toContain('set -x');
    expect(JSON.stringify(only(template, 'AWS::EC2::Instance').Properties.UserData)).not.toMatch(/secret/i);
  });

  test('configuration changes are applied in place by cfn-hup, without replacing the instance', () => {
    const hook: string = init.cfnHup.files['/etc/cfn/hooks.d/timescale-reconfigure.conf'].content['Fn::Join'][1].join('');
    expect(hook).toContain(`path=Resources.${f.stack.getLogicalId(host.instance.node.defaultChild as ec2.CfnInstance)}.Metadata.AWS::CloudFormation::Init`);
    expect(hook).toContain('-c reconfigure');
    expect(init.reload.commands['10-reload']).toEqual({
      command: 'systemctl reload timescaledb', test: 'systemctl is-active --quiet timescaledb',
    });
    // No fingerprint in the user data: a metadata change is not a user data change.
    expect(JSON.stringify(only(template, 'AWS::EC2::Instance').Properties.UserData)).not.toContain('fingerprint');
  });

  test('a system status check failure recovers the instance', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed_System',
      Dimensions: [{ Name: 'InstanceId', Value: ref(host.instance.instanceId) }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      AlarmActions: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':automate:', { Ref: 'AWS::Region' }, ':ec2:recover']] }],
    });
  });

  test('OS patches are installed weekly on Sunday 04:00 UTC by AWS-RunPatchBaseline, rebooting if needed', () => {
    template.hasResourceProperties('AWS::SSM::Association', {
      Name: 'AWS-RunPatchBaseline',
      ScheduleExpression: 'cron(0 4 ? * SUN *)',
      ApplyOnlyAtCronInterval: true,
      Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
      Targets: [{ Key: 'InstanceIds', Values: [ref(host.instance.instanceId)] }],
    });
  });

  test('logs are shipped to a log group encrypted with the logs key, kept one year, retained except when its first create rolls back', () => {
    const logGroup = template.toJSON().Resources[f.stack.getLogicalId(host.logGroup.node.defaultChild as logs.CfnLogGroup)];
    expect(logGroup).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: { KmsKeyId: ref(f.logsKey.keyArn), RetentionInDays: 365 },
    });
    const agent = init.logging.files['/opt/aws/amazon-cloudwatch-agent/etc/timescale-host.json'].content;
    const collected = f.stack.resolve(agent);
    const files = JSON.stringify(collected);
    for (const path of ['/var/log/timescale/postgresql-*.log', '/var/log/cfn-init.log', '/var/log/cfn-init-cmd.log']) {
      expect(files).toContain(path);
    }
    expect(files).toContain(JSON.stringify(ref(host.logGroup.logGroupName)).slice(1, -1));
    expect(init.packages.commands['90-cloudwatch-agent'].command).toBe('dnf install -y amazon-cloudwatch-agent');
  });

  test('the CloudWatch agent publishes the data and WAL volumes\' free space, which the metric methods read', () => {
    const agent = f.stack.resolve(init.logging.files['/opt/aws/amazon-cloudwatch-agent/etc/timescale-host.json'].content);
    expect(agent.agent.omit_hostname).toBe(true);
    expect(agent.metrics).toEqual({
      namespace: 'TimescaleService/Host',
      append_dimensions: { InstanceId: '${aws:InstanceId}' },
      aggregation_dimensions: [['InstanceId', 'path']],
      metrics_collected: {
        disk: { resources: ['/var/lib/timescale/data', '/var/lib/timescale/wal'], measurement: ['free', 'used_percent'], drop_device: true, metrics_collection_interval: 60 },
      },
    });
    // Each metric names exactly what the agent publishes: its namespace, its name, the aggregated dimensions.
    for (const [metric, path] of [[host.metricDataVolumeFreeStorage(), '/var/lib/timescale/data'], [host.metricWalVolumeFreeStorage(), '/var/lib/timescale/wal']] as const) {
      expect(metric.namespace).toBe(agent.metrics.namespace);
      expect(metric.metricName).toBe('disk_free');
      expect(f.stack.resolve(metric.dimensions)).toEqual({ InstanceId: ref(host.instance.instanceId), path });
      expect(metric.statistic).toBe('Minimum');
    }
    const cpu = host.metricCpuUtilization({ period: Duration.minutes(1) });
    expect([cpu.namespace, cpu.metricName, cpu.statistic, cpu.period.toMinutes()]).toEqual(['AWS/EC2', 'CPUUtilization', 'Average', 1]);
    const status = host.metricStatusCheckFailed();
    expect([status.namespace, status.metricName, status.statistic]).toEqual(['AWS/EC2', 'StatusCheckFailed', 'Maximum']);
    expect(f.stack.resolve(status.dimensions)).toEqual({ InstanceId: ref(host.instance.instanceId) });
  });

  test('the instance and volumes are tagged with the service name', () => {
    const tag = Match.arrayWith([{ Key: 'timescale:service', Value: 'orders' }]);
    template.hasResourceProperties('AWS::EC2::Instance', { Tags: tag });
    expect(Object.keys(template.findResources('AWS::EC2::Volume', { Properties: { Tags: tag } }))).toHaveLength(2);
  });

  test('adds no warnings', () => {
    expect(Annotations.fromStack(f.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('DatabaseHost options', () => {
  test('volume sizes, IOPS and throughput are set, and a token size is accepted', () => {
    const f = fixture();
    const size = Token.asNumber({ Ref: 'DataSize' });
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f, {
      rootVolume: { sizeGiB: 30, iops: 6000 },
      dataVolume: { sizeGiB: size, iops: 12000, throughputMiBps: 1000 },
      walVolume: { sizeGiB: 50 },
      instanceType: new ec2.InstanceType('m7i.xlarge'),
      port: 6432,
      postgresVersion: '17',
      patchWindow: 'cron(30 2 ? * SAT *)',
      logRetention: logs.RetentionDays.TWO_YEARS,
      bootstrapTimeout: Duration.minutes(45),
      s3PrefixListId: 'pl-63a5400a',
    }));
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 'm7i.xlarge',
      ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ VolumeSize: 30, Iops: 6000 }) }],
    });
    template.hasResourceProperties('AWS::EC2::Volume', { Size: { Ref: 'DataSize' }, Iops: 12000, Throughput: 1000 });
    template.hasResourceProperties('AWS::EC2::Volume', { Size: 50 });
    template.hasResourceProperties('AWS::SSM::Association', { ScheduleExpression: 'cron(30 2 ? * SAT *)' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    template.hasResource('AWS::CloudFormation::WaitCondition', { CreationPolicy: { ResourceSignal: { Count: 1, Timeout: 'PT2700S' } } });
    // With the S3 prefix list, HTTPS egress goes to the VPC and to S3 only.
    const group = only(template, 'AWS::EC2::SecurityGroup');
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: f.stack.resolve(f.vpc.vpcCidrBlock), FromPort: 443 })]);
    expect(only(template, 'AWS::EC2::SecurityGroupEgress').Properties).toMatchObject({
      DestinationPrefixListId: 'pl-63a5400a', IpProtocol: 'tcp', FromPort: 443, ToPort: 443,
    });
    const init = only(template, 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
    expect(init.serverConfig.files['/etc/timescale/postgresql.conf'].content).toContain('\nport = 6432\n');
    expect(init.packages.commands['10-install-packages'].command).toContain('postgresql17-server');
    expect(host.connections.defaultPort?.toString()).toBe('6432');
  });

  test('PackageSource.s3Bucket reads only the given prefix and installs the RPMs found there', () => {
    const f = fixture();
    const bucket = new s3.Bucket(f.stack, 'Rpms');
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f, { packageSource: PackageSource.s3Bucket(bucket, 'rpms/el9/') }));
    const template = Template.fromStack(f.stack);
    const statements: any[] = only(template, 'AWS::IAM::Policy', { Roles: [f.stack.resolve(host.role.roleName)] }).Properties.PolicyDocument.Statement;
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [f.stack.resolve(bucket.bucketArn), '/rpms/el9/*']] } },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: f.stack.resolve(bucket.bucketArn),
        Condition: { StringLike: { 's3:prefix': ['rpms/el9/*'] } },
      },
    ]));
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('s3:'))).toEqual(['s3:GetObject', 's3:ListBucket']);
    const init = only(template, 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
    expect(JSON.stringify(init.packages.commands['10-install-s3-rpms'].command)).toContain("/usr/local/sbin/timescale-install-s3-rpms 's3://");
    expect(init.packages.commands['10-install-packages']).toBeUndefined();
  });

  test('PackageSource.preinstalled installs nothing but the CloudWatch agent when missing', () => {
    const f = fixture();
    new DatabaseHost(f.stack, 'Host', hostProps(f, { packageSource: PackageSource.preinstalled() }));
    const init = only(Template.fromStack(f.stack), 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
    expect(Object.keys(init.packages.commands)).toEqual(['90-cloudwatch-agent']);
  });

  test('PackageSource.amazonLinuxRepositories takes other package names', () => {
    const f = fixture();
    new DatabaseHost(f.stack, 'Host', hostProps(f, { packageSource: PackageSource.amazonLinuxRepositories(['postgresql{version}-server', 'timescaledb']) }));
    const init = only(Template.fromStack(f.stack), 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
    expect(init.packages.commands['10-install-packages'].command).toBe('dnf install -y --setopt=install_weak_deps=False postgresql16-server timescaledb');
  });

  test('uses private subnets with egress when the VPC has no isolated ones, and warns about HTTPS egress', () => {
    const f = fixture([
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ]);
    new DatabaseHost(f.stack, 'Host', hostProps(f));
    Template.fromStack(f.stack).hasResourceProperties('AWS::EC2::Instance', {
      NetworkInterfaces: [Match.objectLike({ SubnetId: f.stack.resolve(f.vpc.privateSubnets[0].subnetId) })],
    });
    Annotations.fromStack(f.stack).hasWarning('/HostStack/Host', Match.stringLikeRegexp('s3PrefixListId'));
  });

  test('warns when logs are kept less than a year', () => {
    const f = fixture();
    new DatabaseHost(f.stack, 'Host', hostProps(f, { logRetention: logs.RetentionDays.ONE_MONTH }));
    Annotations.fromStack(f.stack).hasWarning('/HostStack/Host', Match.stringLikeRegexp('kept 30 days, less than the one-year default'));
  });
});

describe('DatabaseHost bad input', () => {
  let f: Fixture;
  let n = 0;
  beforeAll(() => {
    f = fixture();
  });
  const create = (extra: Partial<DatabaseHostProps>) => () => new DatabaseHost(f.stack, `Bad${n++}`, hostProps(f, extra));

  test.each([
    ['root size 0', { rootVolume: { sizeGiB: 0 } }, /rootVolume\.sizeGiB must be a whole number of GiB from 1 to 16384 .*got 0/],
    ['data size above 16 TiB', { dataVolume: { sizeGiB: 16385 } }, /dataVolume\.sizeGiB must be .* from 1 to 16384 .*got 16385/],
    ['fractional WAL size', { walVolume: { sizeGiB: 10.5 } }, /walVolume\.sizeGiB must be a whole number .*got 10\.5/],
    ['IOPS below 3000', { dataVolume: { iops: 2000 } }, /dataVolume\.iops must be a whole number from 3000 to 16000 .*got 2000/],
    ['IOPS above 16000', { dataVolume: { sizeGiB: 1000, iops: 20000 } }, /dataVolume\.iops must be .* 3000 to 16000 .*got 20000/],
    ['IOPS above 500 per GiB', { walVolume: { sizeGiB: 10, iops: 6000 } },
      /walVolume\.iops must be at most 500 per GiB of size; got 6000 IOPS for 10 GiB \(at most 5000\)\. .*raise sizeGiB to at least 12/],
    ['throughput below 125', { dataVolume: { throughputMiBps: 100 } }, /dataVolume\.throughputMiBps must be a whole number from 125 to 1000 MiB\/s .*got 100/],
    ['throughput above 1000', { dataVolume: { throughputMiBps: 1001 } }, /dataVolume\.throughputMiBps must be .* 125 to 1000 .*got 1001/],
    ['throughput above 0.25 per baseline IOPS', { walVolume: { throughputMiBps: 800 } },
      /walVolume\.throughputMiBps must be at most 0\.25 MiB\/s per provisioned IOPS; got 800 MiB\/s for 3000 IOPS \(the baseline\).*raise iops to at least 3200/],
    ['throughput above 0.25 per provisioned IOPS', { dataVolume: { iops: 3200, throughputMiBps: 900 } },
      /dataVolume\.throughputMiBps must be at most 0\.25 MiB\/s per provisioned IOPS; got 900 MiB\/s for 3200 IOPS \(at most 800\)/],
    ['a root volume throughput', { rootVolume: { throughputMiBps: 250 } },
      /rootVolume\.throughputMiBps cannot be set; got 250\. AWS::EC2::Instance block device mappings have no throughput property/],
    ['a public subnet type', { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      /vpcSubnets selects subnet type PUBLIC; .*Accepted: PRIVATE_ISOLATED subnets \(preferred\) or PRIVATE_WITH_EGRESS subnets/],
    ['a port out of range', { port: 70000 }, /DatabaseHostProps\.port must be a whole number from 1 to 65535; got 70000/],
    ['a patch window that is not a schedule', { patchWindow: 'Sundays at 4' }, /patchWindow must be an SSM schedule expression, cron\(\.\.\.\) or rate\(\.\.\.\); got 'Sundays at 4'/],
    ['a PostgreSQL version that is not a major version', { postgresVersion: '16.2' }, /postgresVersion must be a PostgreSQL major version such as '16'; got '16\.2'/],
    ['a bootstrap timeout over 12 hours', { bootstrapTimeout: Duration.hours(13) }, /bootstrapTimeout must be from 1 minute to 12 hours .*got 13 hours/],
    ['an empty service name', { serviceName: '' }, /serviceName must be 1-256 characters valid in a tag value.*got ''/],
  ])('fails on %s', (_name, extra, message) => {
    expect(create(extra as Partial<DatabaseHostProps>)).toThrow(message);
  });

  test('fails when explicit subnets are public', () => {
    expect(create({ vpcSubnets: { subnets: [f.vpc.publicSubnets[0]] } })).toThrow(
      /vpcSubnets resolves to subnets of type PUBLIC \(HostStack\/Vpc\/publicSubnet1\); a database host must have no route from the internet\. Accepted: PRIVATE_ISOLATED/);
  });

  test('fails when the VPC has only public subnets', () => {
    const g = fixture([{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }]);
    expect(() => new DatabaseHost(g.stack, 'Host', hostProps(g))).toThrow(/has no PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets/);
  });

  test.each(['dataKey', 'logsKey'] as const)('fails when %s is AWS-managed', (field) => {
    const awsManaged = kms.Alias.fromAliasName(f.stack, `AwsManaged${field}`, field === 'dataKey' ? 'alias/aws/ebs' : 'alias/aws/secretsmanager');
    expect(create({ [field]: awsManaged })).toThrow(new RegExp(`DatabaseHostProps\\.${field} must be a customer-managed KMS key; got the AWS-managed key 'alias/aws/`));
  });

  test('accepts an unresolved volume size, IOPS and throughput', () => {
    expect(create({
      dataVolume: { sizeGiB: Token.asNumber({ Ref: 'Size' }), iops: Token.asNumber({ Ref: 'Iops' }), throughputMiBps: Token.asNumber({ Ref: 'Tp' }) },
    })).not.toThrow();
  });

  describe('config and secret files', () => {
    let host: DatabaseHost;
    let secret: secretsmanager.ISecret;
    beforeAll(() => {
      host = new DatabaseHost(f.stack, 'FilesHost', hostProps(f));
      secret = secretsmanager.Secret.fromSecretNameV2(f.stack, 'Imported', 'tls');
      host.addConfigFile({ path: '/etc/timescale/conf.d/50-tls.conf', content: 'ssl = on\n' });
    });

    test('fails on a relative or traversing path', () => {
      expect(() => host.addConfigFile({ path: 'conf.d/x.conf', content: '' })).toThrow(/path must be absolute .*got 'conf\.d\/x\.conf'/);
      expect(() => host.addSecretFile({ path: '/etc/timescale/../shadow', secret })).toThrow(/path must be absolute/);
      expect(() => host.addConfigFile({ path: "/etc/timescale/a b'.conf", content: '' })).toThrow(/path must be absolute/);
    });

    test('fails when postgresql.conf or a bootstrap file is replaced', () => {
      expect(() => host.addConfigFile({ path: '/etc/timescale/postgresql.conf', content: '' })).toThrow(
        /\/etc\/timescale\/postgresql\.conf is written by DatabaseHost itself\. Put PostgreSQL settings in a file under \/etc\/timescale\/conf\.d/);
      expect(() => host.addSecretFile({ path: '/usr/local/sbin/timescale-fetch-secret', secret })).toThrow(/is written by DatabaseHost itself/);
    });

    test('fails when a path is delivered twice', () => {
      expect(() => host.addSecretFile({ path: '/etc/timescale/conf.d/50-tls.conf', secret })).toThrow(
        /a file at \/etc\/timescale\/conf\.d\/50-tls\.conf was already added/);
    });

    test('fails on a bad mode, owner or JSON field', () => {
      expect(() => host.addConfigFile({ path: '/etc/timescale/a.conf', content: '', mode: '0999' })).toThrow(/mode must be octal digits such as '000640'; got '0999'/);
      expect(() => host.addConfigFile({ path: '/etc/timescale/b.conf', content: '', owner: 'root; rm' })).toThrow(/owner must be an OS user or group name/);
      expect(() => host.addSecretFile({ path: '/etc/timescale/c.key', secret, jsonField: "a'b" })).toThrow(/jsonField may contain letters, digits and \. _ - only; got 'a'b'/);
    });
  });
});

describe('bootstrap scripts', () => {
  test('every script is valid bash', () => {
    const scripts = [boot.PREPARE_VOLUME_SCRIPT, boot.FETCH_SECRET_SCRIPT, boot.INSTALL_S3_RPMS_SCRIPT, boot.initClusterScript('16'), boot.runSqlScript(5432),
      boot.RECLAIM_DIRS_SCRIPT, boot.sqlTimersCommand(['timescale-sql-a.timer'])];
    for (const script of scripts) {
      const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });

  test('the secret fetch writes the value to the file with its mode and prints nothing', () => {
    const dir = rootOwnedTempDir('fetch-secret-');
    try {
      // A stand-in AWS CLI that answers get-secret-value and records its arguments.
      writeFileSync(join(dir, 'aws'), `#!/bin/bash\necho "$@" > ${dir}/aws-args\nprintf '%s\\n' '{"username":"postgres","password":"p4ssw0rdValue"}'\n`, { mode: 0o755 });
      writeFileSync(join(dir, 'fetch'), boot.FETCH_SECRET_SCRIPT, { mode: 0o700 });
      const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
      const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
      const run = (field: string, path: string) => spawnSync(join(dir, 'fetch'), ['arn:aws:secretsmanager:eu-west-1:1:secret:x', field, path, '000400', user, group], {
        encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      });

      const field = run('password', join(dir, 'new', 'password'));
      expect(field).toMatchObject({ status: 0, stdout: '', stderr: '' });
      expect(readFileSync(join(dir, 'new', 'password'), 'utf8')).toBe('p4ssw0rdValue');
      expect((statSync(join(dir, 'new', 'password')).mode % 0o1000).toString(8)).toBe('400');
      expect(readFileSync(join(dir, 'aws-args'), 'utf8')).not.toContain('p4ssw0rd');

      const whole = run('-', join(dir, 'whole'));
      expect(whole).toMatchObject({ status: 0, stdout: '', stderr: '' });
      expect(JSON.parse(readFileSync(join(dir, 'whole'), 'utf8')).password).toBe('p4ssw0rdValue');

      // A failed fetch leaves no file behind.
      writeFileSync(join(dir, 'aws'), '#!/bin/bash\nexit 254\n', { mode: 0o755 });
      expect(run('password', join(dir, 'failed')).status).not.toBe(0);
      expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout).not.toMatch(/failed|timescale-secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQL scripts', () => {
  test('runs added SQL as the superuser at boot and on reconfiguration, with secrets fetched at run time', () => {
    const f = fixture();
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f));
    const secret = new secretsmanager.Secret(f.stack, 'OperatorPassword');
    host.addSqlScript({ name: 'approved-access', sql: 'SELECT 1;', secretVariables: [{ name: 'operator_password', secret, jsonField: 'password' }] });

    const init = Template.fromStack(f.stack).findResources('AWS::EC2::Instance');
    const metadata = JSON.stringify(Object.values(init)[0].Metadata);
    const config = (Object.values(init)[0].Metadata as any)['AWS::CloudFormation::Init'];
    expect(config.configSets.default).toContain('sqlScripts');
    expect(config.configSets.reconfigure.indexOf('sqlScripts')).toBeGreaterThan(config.configSets.reconfigure.indexOf('reload'));
    expect(config.sqlScripts.files['/etc/timescale/sql/approved-access.sql'].content).toBe('SELECT 1;');
    const command = JSON.stringify(config.sqlScripts.commands['000-approved-access'].command);
    expect(command).toContain('timescale-fetch-secret');
    expect(command).toContain("'password' '/run/timescale/sql/approved-access.operator_password' 000440 root postgres");
    expect(command).toContain('timescale-run-sql /etc/timescale/sql/approved-access.sql operator_password=/run/timescale/sql/approved-access.operator_password');
    expect(metadata).not.toMatch(/resolve:secretsmanager/);
  });

  test('fails for a script name that is not a safe file name', () => {
    const f = fixture();
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f));
    expect(() => host.addSqlScript({ name: '../x', sql: 'SELECT 1;' })).toThrow(/name must be 1-63 lower-case letters, digits and -.*got '..\/x'/);
  });
});

test('re-applies secret files and configuration daily, so a renewed certificate reaches the server without a deployment', () => {
  const f = fixture();
  new DatabaseHost(f.stack, 'Host', hostProps(f));
  const instance = only(Template.fromStack(f.stack), 'AWS::EC2::Instance');
  const cfnHup = instance.Metadata['AWS::CloudFormation::Init'].cfnHup;
  expect(cfnHup.files['/etc/systemd/system/timescale-refresh.timer'].content).toMatch(/OnCalendar=daily/);
  expect(JSON.stringify(cfnHup.files['/etc/systemd/system/timescale-refresh.service'].content)).toMatch(/cfn-init -v --region .* -c reconfigure/);
  expect(cfnHup.commands['20-start-refresh-timer'].command).toBe('systemctl enable --now timescale-refresh.timer');
});

describe('OS users', () => {
  test('creates an added user at boot and on reconfiguration when it is missing', () => {
    const f = fixture();
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f));
    host.addOsUser('timescale-operator');
    const init = only(Template.fromStack(f.stack), 'AWS::EC2::Instance').Metadata['AWS::CloudFormation::Init'];
    expect(init.osUsers.commands['10-user-timescale-operator']).toEqual({
      command: 'useradd --create-home --shell /bin/bash timescale-operator',
      test: '! id -u timescale-operator >/dev/null 2>&1',
    });
    expect(init.configSets.reconfigure).toContain('osUsers');
  });

  test('fails for root or a name that is not an OS user name', () => {
    const f = fixture();
    const host = new DatabaseHost(f.stack, 'Host', hostProps(f));
    expect(() => host.addOsUser('root')).toThrow(/other than root and postgres; got 'root'/);
    expect(() => host.addOsUser('Bad Name')).toThrow(/must be an OS user name.*got 'Bad Name'/);
  });
});

test('fails without a package source, naming the choices', () => {
  const f = fixture();
  expect(() => new DatabaseHost(f.stack, 'Host', hostProps(f, { packageSource: undefined as any })))
    .toThrow(/packageSource is required; got none.*PackageSource.s3Bucket.*PackageSource.preinstalled.*amazonLinuxRepositories/);
});
