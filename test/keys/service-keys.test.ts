import { App, CfnParameter, CliCredentialsStackSynthesizer, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ServiceKeys } from '../../lib/keys';

const ADMIN_ACTIONS = [
  'kms:CreateAlias', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*',
  'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource',
  'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
];
const CRYPTO_ACTION = /^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant|Create\*)/;
const USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

const DEPLOYER = {
  'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
};

const ACCOUNT_ROOT = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
};

function regional(prefix: string): object {
  return { 'Fn::Join': ['', [prefix, { Ref: 'AWS::Region' }, '.amazonaws.com']] };
}

function newStack(): Stack {
  return new Stack(new App(), 'TestStack');
}

/** The rendered key resource of a key created in `stack` (found through its ARN, not a hashed ID). */
function keyResource(template: Template, stack: Stack, key: kms.IKey): any {
  const logicalId = stack.resolve(key.keyArn)['Fn::GetAtt'][0];
  return template.toJSON().Resources[logicalId];
}

function statements(template: Template, stack: Stack, key: kms.IKey): any[] {
  return keyResource(template, stack, key).Properties.KeyPolicy.Statement;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function allKeys(keys: ServiceKeys): kms.IKey[] {
  return [keys.dataKey, keys.backupKey, keys.logsKey, keys.secretsKey];
}

describe('ServiceKeys with defaults', () => {
  let stack: Stack;
  let keys: ServiceKeys;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    keys = new ServiceKeys(stack, 'Keys');
    template = Template.fromStack(stack);
  });

  test('creates four distinct keys', () => {
    template.resourceCountIs('AWS::KMS::Key', 4);
    const arns = allKeys(keys).map((k) => JSON.stringify(stack.resolve(k.keyArn)));
    expect(new Set(arns).size).toBe(4);
  });

  test('every key is symmetric (AES-256-GCM), rotates yearly and has a 30-day pending window', () => {
    const found = template.findResources('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
        RotationPeriodInDays: 365,
        PendingWindowInDays: 30,
      },
    });
    expect(Object.keys(found)).toHaveLength(4);
  });

  test('every key is retained on stack deletion and replacement; only the logs key also when its first create rolls back', () => {
    const policies = (key: kms.IKey) => {
      const resource = template.toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)];
      return [resource.DeletionPolicy, resource.UpdateReplacePolicy];
    };
    // The audit bucket, always retained, holds even a failed create's trail under the logs key.
    expect(policies(keys.logsKey)).toEqual(['Retain', 'Retain']);
    for (const key of [keys.dataKey, keys.backupKey, keys.secretsKey]) {
      expect(policies(key)).toEqual(['RetainExceptOnCreate', 'Retain']);
    }
  });

  test('every key has an alias named after its purpose and a description', () => {
    template.resourceCountIs('AWS::KMS::Alias', 4);
    const purposes: Array<[kms.IKey, string, RegExp]> = [
      [keys.dataKey, 'data', /EBS volumes/],
      [keys.backupKey, 'backup', /AWS Backup/],
      [keys.logsKey, 'logs', /CloudWatch Logs/],
      [keys.secretsKey, 'secrets', /Secrets Manager/],
    ];
    for (const [key, suffix, description] of purposes) {
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/timescale/TestStack/${suffix}`,
        TargetKeyId: stack.resolve(key.keyArn),
      });
      expect(keyResource(template, stack, key).Properties.Description).toMatch(description);
    }
  });

  test('the deployers administer every key with the administrative actions only, never CreateGrant', () => {
    for (const key of allKeys(keys)) {
      expect(statements(template, stack, key)).toContainEqual({
        Sid: 'KeyAdministrationWithoutUse',
        Effect: 'Allow',
        Principal: { AWS: DEPLOYER },
        Action: ADMIN_ACTIONS,
        Resource: '*',
      });
    }
  });

  test('the account root user may only read and replace the policy (break glass); no other statement names the account', () => {
    for (const key of allKeys(keys)) {
      const rootStatements = statements(template, stack, key).filter((s) => JSON.stringify(s.Principal).includes(':root'));
      expect(rootStatements).toEqual([{
        Sid: 'RootUserMayOnlyReplaceThePolicy',
        Effect: 'Allow',
        Principal: { AWS: ACCOUNT_ROOT },
        Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalType': 'Account' } },
      }]);
    }
  });

  test('no Allow statement names the wildcard principal', () => {
    for (const key of allKeys(keys)) {
      const wildcard = statements(template, stack, key).filter((s) => s.Principal === '*' || list(s.Principal?.AWS).includes('*'));
      expect(wildcard.map((s) => s.Effect)).toEqual(['Deny']);
    }
  });

  test('every key denies use and grants to every principal of the account it does not name', () => {
    for (const key of allKeys(keys)) {
      expect(statements(template, stack, key)).toContainEqual({
        Sid: 'DenyUseAndGrantsToUnnamedPrincipalsOfThisAccount',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
          ArnNotLike: { 'aws:PrincipalArn': [DEPLOYER] },
        },
      });
    }
  });

  test.each([
    ['data', 'Ec2', 'ec2.', USE_ACTIONS],
    ['backup', 'Backup', 'backup.', ['kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant']],
    ['secrets', 'SecretsManager', 'secretsmanager.', ['kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*']],
  ])('the deployers use the %s key only through %s, and grant it only for AWS resources', (purpose, sid, service, actions) => {
    const key = { data: keys.dataKey, backup: keys.backupKey, secrets: keys.secretsKey }[purpose]!;
    const through = { 'kms:ViaService': regional(service) };
    const policy = statements(template, stack, key);
    expect(policy.filter((s) => s.Effect === 'Allow' && !s.Sid.startsWith('KeyAdministration') && !s.Sid.startsWith('RootUser'))).toEqual([
      { Sid: `DeployersUseOnlyThrough${sid}`, Effect: 'Allow', Principal: { AWS: DEPLOYER }, Action: actions, Resource: '*', Condition: { StringEquals: through } },
      {
        Sid: `DeployersGrantOnlyThrough${sid}ForAwsResources`,
        Effect: 'Allow',
        Principal: { AWS: DEPLOYER },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { StringEquals: through, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    ]);
  });

  test('the logs key is usable by CloudWatch Logs for this account\'s log groups only', () => {
    const policy = statements(template, stack, keys.logsKey);
    expect(policy.map((s) => s.Sid)).toEqual([
      'KeyAdministrationWithoutUse', 'RootUserMayOnlyReplaceThePolicy', 'CloudWatchLogsForThisAccountsLogGroups', 'DenyUseAndGrantsToUnnamedPrincipalsOfThisAccount',
    ]);
    expect(policy).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Principal: { Service: regional('logs.') },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': ['', [
              'arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*',
            ]],
          },
        },
      },
    }));
  });

  test('is env-agnostic: regions and accounts are CloudFormation pseudo parameters', () => {
    const rendered = JSON.stringify(template.toJSON());
    expect(rendered).not.toMatch(/\d{12}/);
    expect(rendered).not.toMatch(/[a-z]{2}-[a-z]+-\d\.amazonaws/);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON().Resources).toMatchSnapshot();
  });
});

describe('ServiceKeys grants', () => {
  test('a grant names the grantee in the key policy, so it takes effect', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    keys.logsKey.grantDecrypt(role);
    const template = Template.fromStack(stack);
    expect(statements(template, stack, keys.logsKey)).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Principal: { AWS: stack.resolve(role.roleArn) },
      Action: 'kms:Decrypt',
    }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: stack.resolve(keys.logsKey.keyArn) })]) },
    });
  });

  test('a grant made after the key was created exempts exactly the grantee from the Deny', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const other = new iam.Role(stack, 'Other', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    keys.logsKey.grantDecrypt(reader);
    keys.logsKey.grantDecrypt(reader);
    keys.logsKey.grantDecrypt(new kms.ViaServicePrincipal('s3.eu-west-1.amazonaws.com', reader));
    other.addToPolicy(new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] }));
    const template = Template.fromStack(stack);
    const deny = statements(template, stack, keys.logsKey).find((s) => s.Effect === 'Deny');
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([DEPLOYER, stack.resolve(reader.roleArn)]);
    const dataDeny = statements(template, stack, keys.dataKey).find((s) => s.Effect === 'Deny');
    expect(dataDeny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([DEPLOYER]);
  });

  test('a Secrets Manager secret under the secrets key synthesizes and its readers are named in the key policy', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: keys.secretsKey });
    secret.grantRead(role);
    const template = Template.fromStack(stack);
    const policy = statements(template, stack, keys.secretsKey);
    expect(policy).toContainEqual(expect.objectContaining({
      Principal: { AWS: stack.resolve(role.roleArn) },
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': regional('secretsmanager.') } },
    }));
    // The account-wide statements CDK's Secret adds are limited to Secrets Manager.
    // They reach only named principals: the Deny refuses everyone else in the account.
    const accountUse = policy.filter((st: any) => JSON.stringify(st.Principal).includes(':root') && st.Sid !== 'RootUserMayOnlyReplaceThePolicy');
    expect(accountUse.length).toBeGreaterThan(0);
    for (const s of accountUse) {
      expect(s.Condition.StringEquals['kms:ViaService']).toEqual(regional('secretsmanager.'));
    }
  });

  test('fails at synthesis when a statement allowing every principal without conditions is added later', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    keys.dataKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'TooOpen', principals: [new iam.AnyPrincipal()], actions: ['kms:DescribeKey'], resources: ['*'],
    }));
    expect(() => Template.fromStack(stack)).toThrow(/statement 'TooOpen' allows every principal \('\*'\) without a condition/);
  });

  test('fails at synthesis when the account is given cryptographic use outside a service', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    keys.backupKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountRootPrincipal()], actions: ['kms:*'], resources: ['*'],
    }));
    expect(() => Template.fromStack(stack)).toThrow(/lets an account principal use the key for cryptographic operations/);
  });

  test('fails at synthesis when the account may change the key policy', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    keys.secretsKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'Admins', principals: [new iam.AccountRootPrincipal()], actions: ['kms:Put*'], resources: ['*'],
    }));
    expect(() => Template.fromStack(stack)).toThrow(/statement 'Admins' lets an account principal change the key policy/);
  });

  test('accepts an account statement limited to a service with kms:ViaService', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    keys.backupKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': 'backup.eu-west-1.amazonaws.com' } },
    }));
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('ServiceKeys options', () => {
  test('administrators get the administrative actions and no cryptographic use', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'KeyAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    const keys = new ServiceKeys(stack, 'Keys', { administrators: [admin] });
    const template = Template.fromStack(stack);
    for (const key of allKeys(keys)) {
      const policy = statements(template, stack, key);
      expect(policy).toContainEqual(expect.objectContaining({
        Sid: 'KeyAdministrationWithoutUse',
        Principal: { AWS: [DEPLOYER, stack.resolve(admin.roleArn)] },
        Action: ADMIN_ACTIONS,
      }));
      const adminStatements = policy.filter((s: any) => JSON.stringify(s.Principal).includes(JSON.stringify(stack.resolve(admin.roleArn))));
      for (const s of adminStatements) {
        expect(list(s.Action).filter((a) => CRYPTO_ACTION.test(String(a)))).toEqual([]);
      }
    }
  });

  test('deployers given replace the default and are the ones exempt from the Deny', () => {
    const stack = newStack();
    const deployer = iam.Role.fromRoleName(stack, 'Deployer', 'cfn-deployer');
    const keys = new ServiceKeys(stack, 'Keys', { deployers: [deployer] });
    const template = Template.fromStack(stack);
    const deployerArn = stack.resolve(deployer.roleArn);
    const policy = statements(template, stack, keys.dataKey);
    expect(policy.find((s) => s.Sid === 'KeyAdministrationWithoutUse').Principal).toEqual({ AWS: deployerArn });
    expect(policy.find((s) => s.Effect === 'Deny').Condition.ArnNotLike['aws:PrincipalArn']).toEqual([deployerArn]);
    expect(JSON.stringify(policy)).not.toContain('cfn-exec-role');
  });

  test('needs deployers when the synthesizer names no CloudFormation execution role, and refuses an empty list', () => {
    const legacy = new Stack(new App(), 'Legacy', { synthesizer: new CliCredentialsStackSynthesizer() });
    expect(() => new ServiceKeys(legacy, 'Keys')).toThrow(
      /ServiceKeysProps.deployers is required when the stack's synthesizer is not a DefaultStackSynthesizer \(stack 'Legacy' uses CliCredentialsStackSynthesizer/);
    expect(() => new ServiceKeys(newStack(), 'Keys', { deployers: [] })).toThrow(/ServiceKeysProps.deployers must name at least one principal; got an empty list/);
  });

  test('without break glass, nothing in the policy names the account', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys', { rootUserBreakGlass: false });
    const template = Template.fromStack(stack);
    for (const key of allKeys(keys)) {
      expect(JSON.stringify(statements(template, stack, key))).not.toContain(':root');
    }
  });

  test('uses the given alias prefix', () => {
    const stack = newStack();
    new ServiceKeys(stack, 'Keys', { aliasPrefix: 'alias/orders-db' });
    const template = Template.fromStack(stack);
    for (const suffix of ['data', 'backup', 'logs', 'secrets']) {
      template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/orders-db/${suffix}` });
    }
  });

  test.each([
    ['without alias/', 'orders', /must start with 'alias\/'.*got 'orders'/],
    ['ending in /', 'alias/orders/', /not end with '\/'; got 'alias\/orders\/'/],
    ['with a space', 'alias/orders db', /only letters, digits.*got 'alias\/orders db'/],
    ['reserved for AWS', 'alias/aws/orders', /must not start with 'alias\/aws'.*got 'alias\/aws\/orders'/],
    ['too long', `alias/${'a'.repeat(250)}`, /too long: the aliases would have 264 characters and KMS accepts 256/],
  ])('refuses an alias prefix %s', (_label, prefix, message) => {
    expect(() => new ServiceKeys(newStack(), 'Keys', { aliasPrefix: prefix })).toThrow(message);
  });

  test('refuses two ServiceKeys with the same alias prefix in one stack', () => {
    const stack = newStack();
    new ServiceKeys(stack, 'Keys');
    expect(() => new ServiceKeys(stack, 'MoreKeys')).toThrow(
      /aliasPrefix 'alias\/timescale\/TestStack' is already used by the ServiceKeys at 'TestStack\/Keys'.*Pass a distinct aliasPrefix/,
    );
    expect(() => new ServiceKeys(stack, 'OtherKeys', { aliasPrefix: 'alias/timescale/other' })).not.toThrow();
  });

  test.each([90, 2560, 730])('accepts a rotation period of %d days', (days) => {
    const stack = newStack();
    new ServiceKeys(stack, 'Keys', { rotationPeriod: Duration.days(days) });
    const found = Template.fromStack(stack).findResources('AWS::KMS::Key', { Properties: { RotationPeriodInDays: days, EnableKeyRotation: true } });
    expect(Object.keys(found)).toHaveLength(4);
  });

  test.each([
    [89, /ServiceKeysProps.rotationPeriod must be a whole number from 90 to 2560 days; got 89 days\. .*Duration.days\(365\)/],
    [2561, /ServiceKeysProps.rotationPeriod must be a whole number from 90 to 2560 days; got 2561 days\./],
  ])('refuses a rotation period of %d days', (days, message) => {
    expect(() => new ServiceKeys(newStack(), 'Keys', { rotationPeriod: Duration.days(days) })).toThrow(message);
  });

  test('accepts a rotation period given as a token and passes it through', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'RotationDays', { type: 'Number' });
    new ServiceKeys(stack, 'Keys', { rotationPeriod: Duration.days(days.valueAsNumber) });
    const found = Template.fromStack(stack).findResources('AWS::KMS::Key', {
      Properties: { RotationPeriodInDays: { Ref: 'RotationDays' }, EnableKeyRotation: true },
    });
    expect(Object.keys(found)).toHaveLength(4);
  });
});

describe('ServiceKeys with keys brought by the user', () => {
  test('uses a brought key as is, creates the other three and leaves the brought key\'s policy alone', () => {
    const stack = newStack();
    const mine = new kms.Key(stack, 'MyDataKey', { enableKeyRotation: true });
    const keys = new ServiceKeys(stack, 'Keys', { dataKey: mine });
    expect(keys.dataKey).toBe(mine);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 4);
    template.resourceCountIs('AWS::KMS::Alias', 3);
    expect(template.findResources('AWS::KMS::Alias', { Properties: { AliasName: 'alias/timescale/TestStack/data' } })).toEqual({});
    // CDK's default policy for the brought key, not ours.
    expect(statements(template, stack, mine)).toEqual([
      { Action: 'kms:*', Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Resource: '*' },
    ]);
  });

  test('creates no key when all four are brought, including imported keys', () => {
    const stack = newStack();
    const arn = (id: string) => `arn:aws:kms:eu-west-1:111122223333:key/${id}`;
    const props = {
      dataKey: kms.Key.fromKeyArn(stack, 'Data', arn('11111111-1111-1111-1111-111111111111')),
      backupKey: kms.Key.fromKeyArn(stack, 'Backup', arn('22222222-2222-2222-2222-222222222222')),
      logsKey: kms.Alias.fromAliasName(stack, 'Logs', 'alias/my-logs'),
      secretsKey: kms.Key.fromKeyArn(stack, 'Secrets', arn('44444444-4444-4444-4444-444444444444')),
    };
    const keys = new ServiceKeys(stack, 'Keys', { ...props, aliasPrefix: 'not validated when unused' });
    expect(keys.dataKey).toBe(props.dataKey);
    expect(keys.backupKey).toBe(props.backupKey);
    expect(keys.logsKey).toBe(props.logsKey);
    expect(keys.secretsKey).toBe(props.secretsKey);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::KMS::Alias', 0);
  });

  test('refuses an AWS-managed key given by alias', () => {
    const stack = newStack();
    const awsManaged = kms.Alias.fromAliasName(stack, 'x', 'alias/aws/ebs');
    expect(() => new ServiceKeys(stack, 'Keys', { dataKey: awsManaged })).toThrow(
      /ServiceKeysProps.dataKey must be a customer-managed KMS key; got the AWS-managed key 'alias\/aws\/ebs'.*Pass a kms.Key you create/,
    );
  });

  test.each(['backupKey', 'logsKey', 'secretsKey'])('refuses an AWS-managed key given by alias ARN as %s', (prop) => {
    const stack = newStack();
    const awsManaged = kms.Key.fromKeyArn(stack, 'y', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager');
    expect(() => new ServiceKeys(stack, 'Keys', { [prop]: awsManaged })).toThrow(
      new RegExp(`ServiceKeysProps.${prop} must be a customer-managed KMS key; got the AWS-managed key 'arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager'`),
    );
  });
});
