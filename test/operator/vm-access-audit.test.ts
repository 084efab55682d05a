import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { logicalIdOf, newOperatorStack, newStack } from './operator-test-util';
import { VmAccessAudit, VmAccessGrant } from '../../lib/operator';

/** A role with one inline statement, returned with its logical ID. */
function roleWith(stack: Stack, id: string, statement: iam.PolicyStatementProps): string {
  const role = new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
  role.addToPolicy(new iam.PolicyStatement({ resources: ['*'], ...statement }));
  return logicalIdOf(stack, role);
}

describe('findVmAccessGrants on a compliant stack', () => {
  test('finds nothing but the operator role, and nothing once it is allowed', () => {
    const { stack, access } = newOperatorStack();
    const roleId = logicalIdOf(stack, access.role);
    const unfiltered = VmAccessAudit.findGrantsInStack(stack, []);
    expect(unfiltered.map((g) => g.grantee)).toEqual([roleId, roleId]);
    expect(unfiltered[0]).toMatchObject({ policyType: 'AWS::IAM::Policy', actions: ['ssm:StartSession'], location: 'PolicyDocument.Statement[0]' });
    expect(VmAccessAudit.findGrantsInStack(stack, [roleId])).toEqual([]);
  });

  test('ignores actions that do not reach a machine and Deny statements', () => {
    const stack = newStack();
    roleWith(stack, 'Reader', { actions: ['ssm:GetParameter', 'ssm:Describe*', 'ssmmessages:*', 'ec2:Describe*', 'ec2messages:*'] });
    roleWith(stack, 'Denied', { effect: iam.Effect.DENY, actions: ['ssm:*', 'ec2-instance-connect:*'] });
    roleWith(stack, 'Narrow', { notActions: ['ssm:*', 'ec2-instance-connect:*', 'ec2:*'] });
    expect(VmAccessAudit.findGrantsInStack(stack, [])).toEqual([]);
  });
});

describe('findVmAccessGrants on a stack with violations', () => {
  let stack: Stack;
  const ids: { [name: string]: string } = {};
  let grants: VmAccessGrant[];

  beforeAll(() => {
    stack = newStack();
    ids.exact = roleWith(stack, 'Exact', { actions: ['ssm:StartSession'] });
    ids.sendCommand = roleWith(stack, 'RunCommand', { actions: ['ssm:SendCommand', 's3:GetObject'] });
    ids.automation = roleWith(stack, 'Automation', { actions: ['ssm:StartAutomationExecution'] });
    ids.ssmStar = roleWith(stack, 'SsmStar', { actions: ['ssm:*'] });
    ids.ssmStart = roleWith(stack, 'SsmStart', { actions: ['ssm:Start*'] });
    ids.everything = roleWith(stack, 'Everything', { actions: ['*'] });
    ids.lowerCase = roleWith(stack, 'LowerCase', { actions: ['SSM:startsession'] });
    ids.instanceConnect = roleWith(stack, 'InstanceConnect', { actions: ['ec2-instance-connect:SendSSHPublicKey'] });
    ids.instanceConnectStar = roleWith(stack, 'InstanceConnectStar', { actions: ['ec2-instance-connect:*'] });
    ids.serialConsole = roleWith(stack, 'SerialConsole', { actions: ['ec2:GetSerialConsoleAccessStatus'] });
    ids.ec2Star = roleWith(stack, 'Ec2Star', { actions: ['ec2:*'] });
    ids.notAction = roleWith(stack, 'NotAction', { notActions: ['iam:*'] });

    const user = new iam.User(stack, 'Alice');
    user.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'] }));
    ids.user = logicalIdOf(stack, user);

    const group = new iam.Group(stack, 'Admins');
    ids.group = logicalIdOf(stack, group);
    const managed = new iam.ManagedPolicy(stack, 'ManagedShell', {
      statements: [new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'] })],
      groups: [group],
    });
    ids.managed = logicalIdOf(stack, managed);
    new iam.ManagedPolicy(stack, 'Unattached', { statements: [new iam.PolicyStatement({ actions: ['ssm:Start*'], resources: ['*'] })] });
    const viaArn = new iam.ManagedPolicy(stack, 'ViaArn', { statements: [new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'] })] });
    const viaArnRole = new iam.Role(stack, 'ViaArnRole', { assumedBy: new iam.AccountRootPrincipal(), managedPolicies: [viaArn] });
    ids.viaArnRole = logicalIdOf(stack, viaArnRole);

    const awsManaged = new iam.Role(stack, 'AwsManaged', {
      assumedBy: new iam.AccountRootPrincipal(),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMFullAccess'), iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    });
    ids.awsManaged = logicalIdOf(stack, awsManaged);

    const inline = new iam.Role(stack, 'Inline', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { shell: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'] })] }) },
    });
    ids.inline = logicalIdOf(stack, inline);

    grants = VmAccessAudit.findGrantsInStack(stack, []);
  });

  test.each([
    ['exact', ['ssm:StartSession']],
    ['sendCommand', ['ssm:SendCommand']],
    ['automation', ['ssm:StartAutomationExecution']],
    ['ssmStar', ['ssm:*']],
    ['ssmStart', ['ssm:Start*']],
    ['everything', ['*']],
    ['lowerCase', ['SSM:startsession']],
    ['instanceConnect', ['ec2-instance-connect:SendSSHPublicKey']],
    ['instanceConnectStar', ['ec2-instance-connect:*']],
    ['serialConsole', ['ec2:GetSerialConsoleAccessStatus']],
    ['ec2Star', ['ec2:*']],
    ['notAction', ['NotAction: iam:*']],
    ['user', ['ssm:SendCommand']],
  ])('finds the grant to %s', (name, actions) => {
    expect(grants).toContainEqual(expect.objectContaining({ grantee: ids[name], actions }));
  });

  test('reports only the actions that reach a machine', () => {
    expect(grants.find((g) => g.grantee === ids.sendCommand)!.actions).toEqual(['ssm:SendCommand']);
  });

  test('finds a managed policy through the group it is attached to', () => {
    expect(grants).toContainEqual({
      policyLogicalId: ids.managed,
      policyType: 'AWS::IAM::ManagedPolicy',
      grantee: ids.group,
      actions: ['ssm:StartSession'],
      location: 'PolicyDocument.Statement[0]',
    });
  });

  test('finds a managed policy attached through a role\'s ManagedPolicyArns, and one attached to nothing', () => {
    expect(grants).toContainEqual(expect.objectContaining({ grantee: ids.viaArnRole, policyType: 'AWS::IAM::ManagedPolicy' }));
    expect(grants).toContainEqual(expect.objectContaining({ grantee: '(unattached)', actions: ['ssm:Start*'] }));
  });

  test('finds AWS managed policies known to grant access, and not the harmless ones', () => {
    const found = grants.filter((g) => g.grantee === ids.awsManaged);
    expect(found).toEqual([expect.objectContaining({ location: 'ManagedPolicyArns: AmazonSSMFullAccess', actions: ['ssm:*'] })]);
  });

  test('finds inline policies of a role', () => {
    expect(grants).toContainEqual(expect.objectContaining({
      grantee: ids.inline, policyType: 'AWS::IAM::Role', location: 'Policies[0].PolicyDocument.Statement[0]',
    }));
  });

  test('allowing a role removes only its findings', () => {
    const allowed = VmAccessAudit.findGrantsInStack(stack, [ids.exact, ids.ssmStar]);
    expect(allowed.length).toBe(grants.length - 2);
    expect(allowed.some((g) => g.grantee === ids.exact || g.grantee === ids.ssmStar)).toBe(false);
  });

  test('the template form and the jsii class give the same findings', () => {
    const template = Template.fromStack(stack).toJSON();
    expect(VmAccessAudit.findGrantsInTemplate(template, [])).toEqual(grants);
    expect(VmAccessAudit.findGrantsInTemplate(template, [])).toEqual(grants);
    expect(VmAccessAudit.findGrantsInStack(stack, [])).toEqual(grants);
  });
});

describe('findVmAccessGrants on raw templates', () => {
  test('reads policy documents given as JSON strings, NotAction lists and IAM Identity Center permission sets', () => {
    const template = {
      Resources: {
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'p',
            Roles: ['imported-role'],
            PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ssm:SendCommand', Resource: '*' }] }),
          },
        },
        Narrow: {
          Type: 'AWS::IAM::Policy',
          Properties: { Roles: [{ Ref: 'R' }], PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: ['ssm:*', 'ec2-instance-connect:*'], Resource: '*' }] } },
        },
        PermissionSet: {
          Type: 'AWS::SSO::PermissionSet',
          Properties: {
            InlinePolicy: { Statement: [{ Effect: 'Allow', Action: ['ssm:StartSession'], Resource: '*' }] },
            ManagedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
          },
        },
      },
    };
    const found = VmAccessAudit.findGrantsInTemplate(template, []);
    expect(found).toEqual([
      { policyLogicalId: 'Policy', policyType: 'AWS::IAM::Policy', grantee: 'imported-role', actions: ['ssm:SendCommand'], location: 'PolicyDocument.Statement[0]' },
      // ec2:*SerialConsole* is not excluded by this NotAction
      { policyLogicalId: 'Narrow', policyType: 'AWS::IAM::Policy', grantee: 'R', actions: ['NotAction: ssm:*, ec2-instance-connect:*'], location: 'PolicyDocument.Statement[0]' },
      expect.objectContaining({ grantee: 'permission set PermissionSet', location: 'InlinePolicy.Statement[0]' }),
      expect.objectContaining({ grantee: 'permission set PermissionSet', location: 'ManagedPolicies: AdministratorAccess', actions: ['*'] }),
    ]);
  });

  test('an empty template has no findings', () => {
    expect(VmAccessAudit.findGrantsInTemplate({}, [])).toEqual([]);
  });
});
