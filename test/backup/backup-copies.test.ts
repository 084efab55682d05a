import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedBackups, EncryptedBackupsProps } from '../../lib/backup';
import { ServiceKeys } from '../../lib/keys';

const VOLUME_ARN = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
const IMPORTED_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function withServiceKeys(props: Partial<EncryptedBackupsProps> = {}) {
  const stack = new Stack(new App(), 'TestStack');
  const keys = new ServiceKeys(stack, 'Keys');
  const backups = new EncryptedBackups(stack, 'Backups', {
    backupKey: keys.backupKey,
    sourceKeys: [keys.dataKey],
    resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
    ...props,
  });
  return { stack, keys, backups, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as any);
const asList = (value: any): any[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The key policy statements of `key` that name `roleId` (by Fn::GetAtt of its ARN). */
function keyPolicyStatementsFor(template: Template, stack: Stack, key: kms.IKey, roleId: string): any[] {
  const policy = template.toJSON().Resources[logicalId(stack, key as kms.Key)].Properties.KeyPolicy;
  return policy.Statement.filter((s: any) => JSON.stringify(s.Principal ?? {}).includes(`"${roleId}"`));
}

describe('EncryptedBackups copy vault (a second key for backups)', () => {
  const { stack, keys, backups, template } = withServiceKeys();
  const roleId = logicalId(stack, backups.backupRole as any);
  const copyVault = () => template.toJSON().Resources[logicalId(stack, backups.copyVault)];

  test('is a second vault under the backup key, retained, with the same deny on deleting recovery points', () => {
    expect(copyVault()).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        EncryptionKeyArn: stack.resolve(keys.backupKey.keyArn),
        AccessPolicy: { Statement: [expect.objectContaining({ Effect: 'Deny', Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'] })] },
      },
    });
    expect(logicalId(stack, backups.copyVault)).not.toEqual(logicalId(stack, backups.vault));
  });

  test('has a generated name distinct from the first vault, unique to each creation of the stack', () => {
    const names = [backups.vault, backups.copyVault].map((v) => template.toJSON().Resources[logicalId(stack, v)].Properties.BackupVaultName);
    const stackUuidTail = { 'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] };
    expect(names.map((n: any) => n['Fn::Join'][1][1])).toEqual([stackUuidTail, stackUuidTail]);
    expect(names[1]['Fn::Join'][1][0]).toMatch(/^[A-Za-z0-9]{1,30}-copies-$/);
    expect(names[1]['Fn::Join'][1][0]).not.toEqual(names[0]['Fn::Join'][1][0]);
  });

  test('every plan rule copies into it, with the rule\'s own retention', () => {
    const rules = Object.values(template.findResources('AWS::Backup::BackupPlan'))[0].Properties.BackupPlan.BackupPlanRule;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.CopyActions).toEqual([{
        DestinationBackupVaultArn: { 'Fn::GetAtt': [logicalId(stack, backups.copyVault), 'BackupVaultArn'] },
        Lifecycle: rule.Lifecycle,
      }]);
      expect(rule.TargetBackupVault).toEqual({ 'Fn::GetAtt': [logicalId(stack, backups.vault), 'BackupVaultName'] });
    }
  });

  test('the backup role may copy into it, and use the backup key as a copy needs, in a managed policy and in the key policy', () => {
    const ofRole = (type: string) => Object.values(template.findResources(type))
      .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId));
    // A customer-managed policy of the stack, not an inline one (the HIPAA, NIST and PCI packs refuse inline policies).
    expect(ofRole('AWS::IAM::Policy')).toEqual([]);
    const statements = ofRole('AWS::IAM::ManagedPolicy').flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const backupKeyArn = stack.resolve(keys.backupKey.keyArn);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'backup:CopyIntoBackupVault', Resource: { 'Fn::GetAtt': [logicalId(stack, backups.copyVault), 'BackupVaultArn'] } }),
      expect.objectContaining({
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey']),
        Resource: backupKeyArn,
      }),
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: backupKeyArn, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]));
    const keyStatements = keyPolicyStatementsFor(template, stack, keys.backupKey, roleId);
    const allowed = keyStatements.flatMap((s) => asList(s.Action));
    expect(allowed).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:ReEncryptTo', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant']));
    // Only through EC2, which copies the snapshots; never an unconditioned CreateGrant: a grant only for
    // the snapshots EBS copies.
    const throughEc2 = { 'kms:ViaService': { 'Fn::Join': ['', ['ec2.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } };
    for (const statement of keyStatements) {
      expect(statement.Condition.StringEquals).toEqual(throughEc2);
    }
    for (const statement of keyStatements.filter((s) => asList(s.Action).includes('kms:CreateGrant'))) {
      expect(statement.Condition).toEqual({ StringEquals: throughEc2, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    }
  });

  test('the backup role may read the source key (the data key) to copy its recovery points, but not encrypt with it', () => {
    const keyStatements = keyPolicyStatementsFor(template, stack, keys.dataKey, roleId);
    const allowed = keyStatements.flatMap((s) => asList(s.Action));
    expect(allowed).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey', 'kms:CreateGrant']));
    expect(allowed.filter((a: string) => /^kms:(Encrypt|GenerateDataKey|ReEncryptTo)/.test(a))).toEqual([]);
  });

  test('produces no warning with keys of this app', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('EncryptedBackups copy vault options', () => {
  const build = (props: Partial<EncryptedBackupsProps> = {}) => {
    const stack = new Stack(new App(), 'TestStack');
    const backups = new EncryptedBackups(stack, 'Backups', {
      backupKey: new kms.Key(stack, 'BackupKey', { enableKeyRotation: true }),
      resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
      ...props,
    });
    return { stack, backups };
  };

  test('a set vault name names the copy vault <name>-copies', () => {
    const { stack, backups } = build({ backupVaultName: 'orders-vault' });
    expect(Template.fromStack(stack).toJSON().Resources[logicalId(stack, backups.copyVault)].Properties.BackupVaultName).toBe('orders-vault-copies');
  });

  test('refuses a vault name that leaves no room for the copy vault\'s suffix', () => {
    const name = 'a'.repeat(44);
    expect(() => build({ backupVaultName: name })).toThrow(
      new RegExp(`backupVaultName must be at most 43 characters; got '${name}' \\(44\\)\\. The copy vault is named '<backupVaultName>-copies'`));
  });

  test('the copy vault is locked like the first one', () => {
    const { stack } = build({ vaultLock: { minRetention: Duration.days(7), maxRetention: Duration.days(400) } });
    const locks = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupVault')).map((v: any) => v.Properties.LockConfiguration);
    expect(locks).toEqual([
      { MinRetentionDays: 7, MaxRetentionDays: 400 },
      { MinRetentionDays: 7, MaxRetentionDays: 400 },
    ]);
  });

  test('the copy keeps the rule\'s cold storage transition and retention', () => {
    const { stack } = build({ retention: Duration.days(200), moveToColdStorageAfter: Duration.days(30) });
    const rule = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupPlan'))[0].Properties.BackupPlan.BackupPlanRule[0];
    expect(rule.CopyActions[0].Lifecycle).toEqual({ DeleteAfterDays: 200, MoveToColdStorageAfterDays: 30 });
    expect(rule.CopyActions[0].Lifecycle).toEqual(rule.Lifecycle);
  });

  test('fails at synthesis when a rule added later does not copy into the copy vault', () => {
    const { stack, backups } = build();
    backups.plan.addRule(new backup.BackupPlanRule({
      ruleName: 'Weekly', scheduleExpression: events.Schedule.cron({ minute: '0', hour: '4', weekDay: 'SUN' }), deleteAfter: Duration.days(90),
    }));
    expect(() => Template.fromStack(stack)).toThrow(/the backup plan rule 'Weekly' does not copy its recovery points into the copy vault/);
  });

  test('accepts a rule added later that copies into the copy vault', () => {
    const { stack, backups } = build();
    backups.plan.addRule(new backup.BackupPlanRule({
      ruleName: 'Weekly',
      scheduleExpression: events.Schedule.cron({ minute: '0', hour: '4', weekDay: 'SUN' }),
      deleteAfter: Duration.days(90),
      copyActions: [{ destinationBackupVault: backups.copyVault, deleteAfter: Duration.days(90) }],
    }));
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('with an imported backup key, warns that its policy must let the backup role copy under it', () => {
    const stack = new Stack(new App(), 'TestStack');
    new EncryptedBackups(stack, 'Backups', {
      backupKey: kms.Key.fromKeyArn(stack, 'Imported', IMPORTED_KEY_ARN),
      resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/Backups', Match.stringLikeRegexp('is not defined in this app, so its key policy cannot be changed here'));
  });
});
