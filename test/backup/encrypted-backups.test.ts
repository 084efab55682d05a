import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedBackups, EncryptedBackupsProps } from '../../lib/backup';
import { ServiceKeys } from '../../lib/keys';

const VOLUME_ARN = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
const WAL_VOLUME_ARN = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0fedcba9876543210';

function newStack(): { stack: Stack; keys: ServiceKeys } {
  const stack = new Stack(new App(), 'TestStack');
  return { stack, keys: new ServiceKeys(stack, 'Keys') };
}

/** A stack with a plain customer-managed key: cheaper to synthesize than ServiceKeys. */
function build(props: Partial<EncryptedBackupsProps> = {}): { stack: Stack; backups: EncryptedBackups } {
  const stack = new Stack(new App(), 'TestStack');
  const backups = new EncryptedBackups(stack, 'Backups', {
    backupKey: new kms.Key(stack, 'BackupKey', { enableKeyRotation: true }),
    resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
    ...props,
  });
  return { stack, backups };
}

function planRule(template: Template): any {
  const plans = Object.values(template.findResources('AWS::Backup::BackupPlan'));
  expect(plans).toHaveLength(1);
  return (plans[0] as any).Properties.BackupPlan.BackupPlanRule[0];
}

describe('EncryptedBackups with defaults', () => {
  let stack: Stack;
  let keys: ServiceKeys;
  let backups: EncryptedBackups;
  let template: Template;

  beforeAll(() => {
    ({ stack, keys } = newStack());
    backups = new EncryptedBackups(stack, 'Backups', {
      backupKey: keys.backupKey,
      resources: [backup.BackupResource.fromArn(VOLUME_ARN), backup.BackupResource.fromArn(WAL_VOLUME_ARN)],
    });
    template = Template.fromStack(stack);
  });

  test('both vaults are encrypted with the backup key', () => {
    template.resourceCountIs('AWS::Backup::BackupVault', 2);
    const vaults = Object.values(template.findResources('AWS::Backup::BackupVault'));
    const backupKeyArn = stack.resolve(keys.backupKey.keyArn);
    expect(vaults.map((v: any) => v.Properties.EncryptionKeyArn)).toEqual([backupKeyArn, backupKeyArn]);
  });

  test('the vault is retained on stack deletion and replacement, and deleted if the create that made it rolls back', () => {
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  test('the vault\'s generated name is unique to each creation of the stack, so a kept vault never blocks the next', () => {
    // CloudFormation requires a vault name; the stack ID's UUID is new for every stack created.
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: {
        'Fn::Join': ['', [
          Match.stringLikeRegexp('^[A-Za-z0-9]{1,37}-$'),
          { 'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] },
        ]],
      },
    });
  });

  test('keeps a vault name the user sets', () => {
    const { stack: named, keys: namedKeys } = newStack();
    new EncryptedBackups(named, 'Backups', {
      backupKey: namedKeys.backupKey,
      backupVaultName: 'orders-vault',
      resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
    });
    Template.fromStack(named).hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: 'orders-vault' });
  });

  test('the vault is not locked unless asked', () => {
    template.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: Match.absent() });
  });

  test('the vault access policy denies deleting recovery points and shortening their lifecycle to everyone', () => {
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      AccessPolicy: {
        Statement: [{
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
          Resource: '*',
        }],
      },
    });
  });

  test('the plan backs up daily at 03:00 UTC into the vault, keeps recovery points 35 days, and copies each into the copy vault for as long', () => {
    expect(planRule(template)).toEqual({
      RuleName: 'Daily',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Lifecycle: { DeleteAfterDays: 35 },
      TargetBackupVault: stack.resolve(backups.vault.backupVaultName),
      CopyActions: [{ DestinationBackupVaultArn: stack.resolve(backups.copyVault.backupVaultArn), Lifecycle: { DeleteAfterDays: 35 } }],
    });
  });

  test('the plan name is unique to this construct', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanName: Match.stringLikeRegexp('^TestStackBackups[A-F0-9]{8}$') },
    });
  });

  test('the selection covers the given resources with a role AWS Backup assumes', () => {
    template.resourceCountIs('AWS::Backup::BackupSelection', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupPlanId: stack.resolve(backups.plan.backupPlanId),
      BackupSelection: {
        IamRoleArn: stack.resolve(backups.backupRole.roleArn),
        Resources: [VOLUME_ARN, WAL_VOLUME_ARN],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })] },
      ManagedPolicyArns: [{
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup']],
      }],
    });
  });

  test('produces no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('matches the snapshot', () => {
    const resources = template.toJSON().Resources;
    const backupResources = Object.fromEntries(Object.entries(resources).filter(([, r]: [string, any]) => !r.Type.startsWith('AWS::KMS::')));
    expect(backupResources).toMatchSnapshot();
  });
});

describe('EncryptedBackups options', () => {
  test('locks the vault with the given minimum, maximum and grace period', () => {
    const { stack } = build({
      retention: Duration.days(90),
      vaultLock: { minRetention: Duration.days(30), maxRetention: Duration.days(365), changeableFor: Duration.days(3) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: { MinRetentionDays: 30, MaxRetentionDays: 365, ChangeableForDays: 3 },
    });
  });

  test('accepts a retention equal to the lock bounds', () => {
    const vaultLock = { minRetention: Duration.days(30), maxRetention: Duration.days(60) };
    expect(() => build({ retention: Duration.days(30), vaultLock })).not.toThrow();
    expect(() => build({ retention: Duration.days(60), vaultLock })).not.toThrow();
  });

  test('uses the given hour, retention and cold storage transition', () => {
    const { stack } = build({ backupHourUtc: 22, retention: Duration.days(400), moveToColdStorageAfter: Duration.days(30) });
    const rule = planRule(Template.fromStack(stack));
    expect(rule.ScheduleExpression).toBe('cron(0 22 * * ? *)');
    expect(rule.Lifecycle).toEqual({ DeleteAfterDays: 400, MoveToColdStorageAfterDays: 30 });
  });

  test('addResources adds a selection that shares the backup role', () => {
    const { stack, backups } = build();
    backups.addResources(backup.BackupResource.fromTag('timescale:service', 'orders'));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Backup::BackupSelection', 2);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: {
        IamRoleArn: stack.resolve(backups.backupRole.roleArn),
        ListOfTags: [{ ConditionKey: 'timescale:service', ConditionType: 'STRINGEQUALS', ConditionValue: 'orders' }],
      },
    });
  });

  test('resources may all come from addResources', () => {
    const { stack, keys } = newStack();
    const backups = new EncryptedBackups(stack, 'Backups', { backupKey: keys.backupKey });
    backups.addResources();
    backups.addResources(backup.BackupResource.fromArn(VOLUME_ARN));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Backup::BackupSelection', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', { BackupSelection: { Resources: [VOLUME_ARN] } });
  });

  test('allowing recovery point deletion removes the deny and warns', () => {
    const { stack } = build({ blockRecoveryPointDeletion: false });
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', { AccessPolicy: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/TestStack/Backups',
      Match.stringLikeRegexp('blockRecoveryPointDeletion is false.*\\[ack: cdk-timescale-security:RecoveryPointDeletionAllowed\\]'));
  });

  test('accepts a backup key brought as an imported customer-managed key', () => {
    const { stack } = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new EncryptedBackups(stack, 'Backups', { backupKey: key, resources: [backup.BackupResource.fromArn(VOLUME_ARN)] });
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });

  test('accepts a backup hour and retention given as tokens', () => {
    const { stack, keys } = newStack();
    const hour = new CfnParameter(stack, 'Hour', { type: 'Number' }).valueAsNumber;
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    new EncryptedBackups(stack, 'Backups', {
      backupKey: keys.backupKey,
      resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
      backupHourUtc: hour,
      retention: Duration.days(days),
      vaultLock: { minRetention: Duration.days(7) },
    });
    const rule = planRule(Template.fromStack(stack));
    expect(rule.Lifecycle).toEqual({ DeleteAfterDays: { Ref: 'Days' } });
    expect(JSON.stringify(rule.ScheduleExpression)).toContain('{"Ref":"Hour"}');
  });
});

describe('EncryptedBackups bad input', () => {
  test('refuses an AWS-managed backup key', () => {
    const { stack } = newStack();
    const awsManaged = kms.Alias.fromAliasName(stack, 'x', 'alias/aws/backup');
    expect(() => new EncryptedBackups(stack, 'Backups', { backupKey: awsManaged })).toThrow(
      /EncryptedBackupsProps.backupKey must be a customer-managed KMS key; got the AWS-managed key 'alias\/aws\/backup'/,
    );
  });

  test('refuses a retention shorter than the lock\'s minimum, naming both', () => {
    expect(() => build({ retention: Duration.days(14), vaultLock: { minRetention: Duration.days(30) } })).toThrow(
      /EncryptedBackupsProps.retention \(14 days\) is shorter than vaultLock.minRetention \(30 days\).*Set retention to at least/,
    );
  });

  test('refuses the default retention under a longer lock minimum', () => {
    expect(() => build({ vaultLock: { minRetention: Duration.days(90) } })).toThrow(/retention \(35 days\) is shorter than vaultLock.minRetention \(90 days\)/);
  });

  test('refuses a lock maximum below its minimum', () => {
    expect(() => build({ vaultLock: { minRetention: Duration.days(30), maxRetention: Duration.days(7) } })).toThrow(
      /vaultLock.maxRetention \(7 days\) must be greater than vaultLock.minRetention \(30 days\)\. Raise maxRetention/,
    );
  });

  test('refuses a lock maximum equal to its minimum', () => {
    expect(() => build({ vaultLock: { minRetention: Duration.days(30), maxRetention: Duration.days(30) } })).toThrow(
      /vaultLock.maxRetention \(30 days\) must be greater than vaultLock.minRetention \(30 days\)/,
    );
  });

  test('refuses a retention beyond the lock\'s maximum', () => {
    expect(() => build({ retention: Duration.days(400), vaultLock: { minRetention: Duration.days(7), maxRetention: Duration.days(365) } })).toThrow(
      /EncryptedBackupsProps.retention \(400 days\) is longer than vaultLock.maxRetention \(365 days\).*raise maxRetention/,
    );
  });

  test('refuses a retention less than 90 days after the move to cold storage', () => {
    expect(() => build({ retention: Duration.days(100), moveToColdStorageAfter: Duration.days(30) })).toThrow(
      /retention \(100 days\) must be at least 90 days longer than moveToColdStorageAfter \(30 days\).*Set retention to 120 days or more/,
    );
  });

  test('refuses a retention of zero days', () => {
    expect(() => build({ retention: Duration.days(0) })).toThrow(/EncryptedBackupsProps.retention must be at least 1 day; got 0 days/);
  });

  test.each([-1, 24, 3.5])('refuses the backup hour %d', (hour) => {
    expect(() => build({ backupHourUtc: hour })).toThrow(
      new RegExp(`EncryptedBackupsProps.backupHourUtc must be a whole number from 0 to 23; got ${hour}\\. It is the UTC hour`),
    );
  });

  test('fails at synthesis when nothing is selected for backup', () => {
    const { stack, keys } = newStack();
    new EncryptedBackups(stack, 'Backups', { backupKey: keys.backupKey });
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Backups has nothing to back up\. Pass EncryptedBackupsProps.resources or call addResources\(\)/);
  });
});
