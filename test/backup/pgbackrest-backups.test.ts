import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { PackageSource, PgBackRestBackups, PgBackRestConfig, RestoreTarget, TimescaleService, TimescaleServiceProps } from '../../lib';

function build(extra: Partial<TimescaleServiceProps> = {}): { stack: Stack; service: TimescaleService; template: Template; init: any } {
  const stack = new Stack(new App(), 'Service');
  const service = new TimescaleService(stack, 'Db', {
    serviceName: 'orders', serverName: 'db.example.com', packageSource: PackageSource.preinstalled(), ...extra,
  });
  const template = Template.fromStack(stack);
  const init = Object.values(template.findResources('AWS::EC2::Instance'))[0].Metadata['AWS::CloudFormation::Init'];
  return { stack, service, template, init };
}

const commandsOf = (config: any) => Object.entries<any>(config.commands).map(([key, c]) => [key.replace(/^\d+-/, ''), JSON.stringify(c.command)]);

describe('PgBackRestBackups in a TimescaleService', () => {
  let stack: Stack;
  let service: TimescaleService;
  let template: Template;
  let init: any;

  beforeAll(() => {
    ({ stack, service, template, init } = build());
  });

  test('the repository bucket: SSE-KMS under the backup key with a Bucket Key, versioned, locked in governance mode, private, retained', () => {
    const bucketId = stack.getLogicalId(service.databaseBackups.bucket.node.defaultChild as any);
    const bucket = template.toJSON().Resources[bucketId];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } } },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID)
      .toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DbKeysBackupKey/), 'Arn'] });
    const sids = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } });
    const statements = (Object.values(sids)[0] as any).Properties.PolicyDocument.Statement;
    expect(statements.map((s: any) => [s.Sid ?? s.Action, s.Effect])).toEqual(expect.arrayContaining([
      ['DenyBypassingTheObjectLock', 'Deny'], ['DenyUploadsNotUnderTheBackupKey', 'Deny'], ['DenyObjectAccessToOtherPrincipalsOfThisAccount', 'Deny'],
      ['DenyRepositoryRoleOutsideTheGatewayEndpoint', 'Deny'],
    ]));
    const outside = statements.find((s: any) => s.Sid === 'DenyRepositoryRoleOutsideTheGatewayEndpoint');
    expect(outside.Condition.StringNotEquals['aws:SourceVpce']).toEqual({ Ref: expect.stringMatching(/^DbNetworkS3Endpoint/) });
    expect(statements.some((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
  });

  test('the repository role reaches its prefix of that bucket only, and is assumable by the host role only', () => {
    const roleId = stack.getLogicalId(service.databaseBackups.repositoryRole.node.defaultChild as any);
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({
      Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^DbHostRole/), 'Arn'] } },
    })]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    const policy = template.toJSON().Resources[stack.getLogicalId(service.databaseBackups.repositoryPolicy.node.defaultChild as any)];
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Action)).toEqual([
      's3:ListBucket', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['kms:Decrypt', 'kms:GenerateDataKey'],
    ]);
    expect(JSON.stringify(statements[1].Resource)).toContain('/pgbackrest/*');
    expect(statements[2].Condition.StringEquals['kms:ViaService']).toEqual({ 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
  });

  test('delivers pgbackrest.conf and the archive settings as Init files, root-owned and read by postgres', () => {
    const files = init.serverConfig.files;
    expect(files[PgBackRestConfig.CONFIG_FILE]).toMatchObject({ owner: 'root', group: 'postgres', mode: '000640' });
    expect(JSON.stringify(files[PgBackRestConfig.CONFIG_FILE].content)).toContain('repo1-cipher-type=aes-256-cbc');
    expect(files['/etc/timescale/conf.d/60-archive.conf'].content).toContain(
      "archive_command = 'pgbackrest --config-path=/etc/timescale-pgbackrest --stanza=timescale archive-push %p'");
  });

  test('writes the passphrase from Secrets Manager as a [global] line, and never into the template', () => {
    const passphrase = commandsOf(init.secretFiles).find(([, c]) => c.includes(PgBackRestConfig.PASSPHRASE_FILE));
    expect(passphrase![1]).toContain(`${PgBackRestConfig.PASSPHRASE_FILE}' 000640 root postgres global repo1-cipher-pass`);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/repo1-cipher-pass=/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('pgBackRest repository passphrase'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DbKeysSecretsKey'), 'Arn'] },
    });
  });

  test('after the server starts: creates the stanza, enables the timers and starts the first full backup; restores nothing by default', () => {
    expect(commandsOf(init.afterStart).map(([name]) => name)).toEqual(['pgbackrest-stanza', 'pgbackrest-timers', 'pgbackrest-first-backup']);
    expect(commandsOf(init.afterStart)[1][1]).toContain('pgbackrest-credentials.timer pgbackrest-full.timer pgbackrest-diff.timer pgbackrest-freshness.timer');
    expect(init.beforeFirstStart.commands).toEqual({});
    expect(init.configSets.default.indexOf('beforeFirstStart')).toBeLessThan(init.configSets.default.indexOf('cluster'));
    expect(init.serverConfig.files['/etc/systemd/system/pgbackrest-full.timer'].content).toContain('OnCalendar=Sun *-*-* 01:00:00 UTC');
    expect(init.serverConfig.files['/etc/systemd/system/pgbackrest-diff.timer'].content).toContain('OnCalendar=Mon..Sat *-*-* 01:00:00 UTC');
  });

  test('alarms when the newest backup or the oldest unarchived WAL is too old, or not reported', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [Match.objectLike({ MetricName: 'BackupAgeSeconds', MetricNamespace: 'TimescaleService/Backups', MetricValue: '$.backup_age_seconds' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WalArchiveAgeSeconds', Threshold: 900, TreatMissingData: 'breaching', Dimensions: [{ Name: 'Service', Value: 'orders' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'BackupAgeSeconds', Threshold: 26 * 3600, TreatMissingData: 'breaching' });
  });

  test('an SSM document restores the running service in place, to a time or to latest', () => {
    template.hasResourceProperties('AWS::SSM::Document', {
      DocumentType: 'Command',
      Content: Match.objectLike({
        parameters: { target: Match.objectLike({ allowedPattern: Match.stringLikeRegexp('latest') }) },
        mainSteps: [Match.objectLike({ inputs: Match.objectLike({ runCommand: ["/usr/local/sbin/timescale-pgbackrest-restore '{{ target }}' in-place"] }) })],
      }),
    });
  });
});

describe('the restore and backup scripts refuse what the SSM document and the timers must never pass', () => {
  let dir: string;
  let init: any;
  let pattern: RegExp;
  const script = (name: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, init.serverConfig.files[`/usr/local/sbin/${name}`].content, { mode: 0o700 });
    return file;
  };
  const runScript = (name: string, args: string[]) => spawnSync('bash', [script(name), ...args], { encoding: 'utf8', timeout: 10_000 });

  beforeAll(() => {
    let template: Template;
    ({ template, init } = build());
    const document: any = Object.values(template.findResources('AWS::SSM::Document')).find((d: any) => d.Properties.DocumentType === 'Command');
    pattern = new RegExp(document.Properties.Content.parameters.target.allowedPattern);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgbackrest-scripts-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(['latest', '2026-01-31 12:00:00+00', '2026-01-31 12:00:00.123456+00'])('the document and the script accept %s', (target) => {
    expect(pattern.test(target)).toBe(true);
    // Past the target check, the script stops at the first host-only step (the data volume is not mounted here).
    expect(runScript('timescale-pgbackrest-restore', [target, 'in-place']).stderr).not.toMatch(/the target must be/);
  });

  test.each(["latest'; rm -rf /", '2026-01-31T12:00:00Z', '2026-01-31 12:00:00+02', '$(id)', ''])('the document and the script refuse %j', (target) => {
    expect(pattern.test(target)).toBe(false);
    const result = runScript('timescale-pgbackrest-restore', [target, 'in-place']);
    expect([result.status, result.stderr]).toEqual([1, expect.stringMatching(/the target must be 'latest' or a UTC time/)]);
  });

  test('a restore keeps the repository credentials renewed while recovery fetches WAL, and an in-place restore ends once the server is a primary', () => {
    const text: string = init.serverConfig.files['/usr/local/sbin/timescale-pgbackrest-restore'].content;
    const lines = text.split('\n').map((l) => l.trim());
    const timer = lines.indexOf('systemctl enable --now pgbackrest-credentials.timer');
    const restores = lines.map((l, i) => (/ restore$/.test(l) ? i : -1)).filter((i) => i >= 0);
    expect(restores).toHaveLength(2); // in place and before the first start
    expect(timer).toBeGreaterThan(0);
    expect(restores.every((i) => i > timer)).toBe(true);
    const start = lines.indexOf('systemctl start timescaledb');
    expect(lines[start + 1]).toMatch(/^bindir=.*pg_is_in_recovery\(\).*; done$/);
    expect(lines[start + 2]).toBe('exit 0');
  });

  test('the backup script takes full, diff or incr only', () => {
    const result = runScript('timescale-pgbackrest-backup', ['--type=full; id']);
    expect([result.status, result.stderr]).toEqual([1, expect.stringMatching(/expected full, diff or incr/)]);
  });
});

describe('PgBackRestBackups options', () => {
  test('restores a point in time before the server first starts', () => {
    const { init } = build({ databaseBackups: { restore: RestoreTarget.pointInTime('2026-01-31T12:00:00Z') } });
    expect(commandsOf(init.beforeFirstStart)).toEqual([['pgbackrest-restore', JSON.stringify("/usr/local/sbin/timescale-pgbackrest-restore '2026-01-31 12:00:00+00'")]]);
  });

  test('restores the latest', () => {
    const { init } = build({ databaseBackups: { restore: RestoreTarget.latest() } });
    expect(commandsOf(init.beforeFirstStart)[0][1]).toContain("timescale-pgbackrest-restore 'latest'");
  });

  test('takes the retention and schedules', () => {
    const { template, init } = build({ backupRetention: Duration.days(14), databaseBackups: { fullBackupSchedule: 'daily' } });
    template.hasResourceProperties('AWS::S3::Bucket', { ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 14 } } } });
    expect(JSON.stringify(init.serverConfig.files[PgBackRestConfig.CONFIG_FILE].content)).toContain('repo1-retention-full=14');
    expect(init.serverConfig.files['/etc/systemd/system/pgbackrest-full.timer'].content).toContain('OnCalendar=daily');
  });

  test('fails on a point in time that is not UTC ISO 8601', () => {
    expect(() => RestoreTarget.pointInTime('2026-01-31 12:00')).toThrow(/UTC in ISO 8601, such as '2026-01-31T12:00:00Z'; got '2026-01-31 12:00'/);
  });

  test('a given repository bucket warns that its policy is not managed here', () => {
    const stack = new Stack(new App(), 'Continued');
    const bucket = s3.Bucket.fromBucketName(stack, 'Earlier', 'orders-earlier-repository');
    const passphrase = secretsmanager.Secret.fromSecretNameV2(stack, 'EarlierPassphrase', 'orders-earlier-passphrase');
    new TimescaleService(stack, 'Db', {
      serviceName: 'orders', serverName: 'db.example.com', packageSource: PackageSource.preinstalled(), databaseBackups: { bucket, passphrase },
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('BackupBucketPolicyNotManaged'));
    expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringMatching(
      /the repository bucket was given, so its bucket policy is not managed here.*deny requests without TLS 1\.2.*S3 gateway endpoint only/)]);
    expect(Annotations.fromStack(build().stack).findWarning('*', Match.stringLikeRegexp('BackupBucketPolicyNotManaged'))).toEqual([]);
  });

  test('fails on a service name that cannot be written into the freshness script', () => {
    const { stack, service } = build();
    expect(() => new PgBackRestBackups(stack, 'Other', {
      host: service.host, backupKey: service.keys.backupKey, secretsKey: service.keys.secretsKey, serviceName: "orders'; id; '",
    })).toThrow(/serviceName must be 3-40 lower-case letters, digits and -.*got 'orders'; id; ''/);
  });

  test('fails on a schedule that is not an OnCalendar expression', () => {
    expect(() => build({ databaseBackups: { differentialBackupSchedule: 'daily; rm -rf /' } }))
      .toThrow(/differentialBackupSchedule must be a systemd OnCalendar expression .* got 'daily; rm -rf \/'/);
  });
});

describe('PgBackRestConfig', () => {
  const options = { stanza: 'db', bucketName: 'b', region: 'eu-west-1', kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k', retentionDays: 7, pgPath: '/d', pgPort: 5432 };

  test('renders an encrypted S3 repository with asynchronous archiving and no secret', () => {
    const conf = PgBackRestConfig.render(options);
    for (const line of ['repo1-type=s3', 'repo1-s3-kms-key-id=arn:aws:kms:eu-west-1:1:key/k', 'repo1-cipher-type=aes-256-cbc', 'repo1-s3-key-type=shared',
      'archive-async=y', 'repo1-retention-full-type=time', 'repo1-retention-full=7', 'repo1-storage-verify-tls=y', '[db]', 'pg1-path=/d']) {
      expect(conf.split('\n')).toContain(line);
    }
    expect(conf).not.toMatch(/cipher-pass|s3-key=|s3-key-secret/);
  });

  test('refuses a bad stanza, retention or archive timeout', () => {
    expect(() => PgBackRestConfig.render({ ...options, stanza: 'a b' })).toThrow(/stanza must be .* got 'a b'/);
    expect(() => PgBackRestConfig.render({ ...options, retentionDays: 0 })).toThrow(/retentionDays .* got 0/);
    expect(() => PgBackRestConfig.renderArchiveSettings('db', 5)).toThrow(/from 10 to 3600; got 5/);
  });
});
