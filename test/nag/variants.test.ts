import { CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { C, NC, UNV } from './cases/types';
import { customerKey, judge, plain } from './helpers';
import { MAX_VARIANTS } from '../../lib/nag/private/variants';

const RULE = 'VolumeCustomerManagedKey';

/** An EBS volume whose encryption is chosen by `encrypted` (a literal, an Fn::If or a parameter). */
function volume(stack: Stack, encrypted: unknown, kmsKeyId: unknown = customerKey(stack).keyArn) {
  return plain(stack, 'AWS::EC2::Volume', { AvailabilityZone: 'eu-west-1a', Size: 10, Encrypted: encrypted, KmsKeyId: kmsKeyId });
}

function condition(stack: Stack, id = 'IsProduction'): CfnCondition {
  const stage = new CfnParameter(stack, `${id}Stage`, { type: 'String' });
  return new CfnCondition(stack, id, { expression: Fn.conditionEquals(stage.valueAsString, 'prod') });
}

describe('a resource that chooses with Fn::If is judged on every branch', () => {
  test('an insecure branch is a finding, naming the condition that takes it', () => {
    const result = judge(RULE, (stack) => volume(stack, Fn.conditionIf(condition(stack).logicalId, true, false)));
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/Encrypted is not true \(when IsProduction is false\)/);
  });

  test('secure on both branches is compliant, where the Fn::If alone was unverifiable', () => {
    expect(judge(RULE, (stack) => volume(stack, Fn.conditionIf(condition(stack).logicalId, true, true))).status).toBe(C);
  });

  test('a branch that leaves the property out (AWS::NoValue) is judged as absent', () => {
    const result = judge(RULE, (stack) => volume(stack, Fn.conditionIf(condition(stack).logicalId, true, Fn.ref('AWS::NoValue'))));
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is false/);
  });

  test('one condition takes one value everywhere it appears: no mixed combination is judged', () => {
    // The AWS-managed key sits where IsProduction would have to be false and true at once: unreachable.
    const result = judge(RULE, (stack) => {
      const isProduction = condition(stack).logicalId;
      const unreachable = Fn.conditionIf(isProduction, 'alias/aws/ebs', customerKey(stack, 'Other').keyArn);
      return volume(stack, true, Fn.conditionIf(isProduction, customerKey(stack).keyArn, unreachable));
    });
    expect(result.status).toBe(C);
  });
});

describe('a resource that takes a parameter is judged on its default and allowed values', () => {
  test('allowed values that are all secure are compliant', () => {
    const result = judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'String', allowedValues: ['true'], default: 'true' }).valueAsString));
    expect(result.status).toBe(C);
  });

  test('an allowed value that is insecure is a finding, naming it', () => {
    const result = judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'String', allowedValues: ['true', 'false'] }).valueAsString));
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when Encrypt = "false"/);
  });

  test('an insecure default is a finding; a secure default without allowed values stays unverifiable', () => {
    expect(judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'String', default: 'false' }).valueAsString)).status).toBe(NC);
    const secureDefault = judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'String', default: 'true' }).valueAsString));
    expect(secureDefault.status).toBe(UNV);
    expect(secureDefault.detail).toMatch(/when Encrypt is given at deployment/);
  });

  test('an SSM-typed parameter is not judged by its default, which names an SSM parameter, not a value', () => {
    const result = judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'AWS::SSM::Parameter::Value<String>', default: '/db/encrypt' }).valueAsString));
    expect(result.status).toBe(UNV);
    expect(result.detail).not.toMatch(/when/);
  });

  test('a parameter without default or allowed values is unverifiable as before', () => {
    expect(judge(RULE, (stack) => volume(stack, new CfnParameter(stack, 'Encrypt', { type: 'String' }).valueAsString)).status).toBe(UNV);
  });
});

test(`more than ${MAX_VARIANTS} combinations are judged as written`, () => {
  const result = judge(RULE, (stack) => {
    const conditions = Array.from({ length: 5 }, (_, i) => condition(stack, `C${i}`).logicalId);
    // 2^5 = 32 combinations: too many, so the Fn::If is left and the rule cannot see the value.
    const encrypted = conditions.reduce<unknown>((value, c) => Fn.conditionIf(c, value, true), true);
    return volume(stack, encrypted);
  });
  expect(result.status).toBe(UNV);
});

describe('a principal judged on every way it can be deployed still holds its policies', () => {
  /** A role people assume, whose Description (or anything else) is chosen by Fn::If, carrying `statements` inline. */
  const role = (stack: Stack, ...statements: object[]) => plain(stack, 'AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] },
    Description: Fn.conditionIf(condition(stack).logicalId, 'production operators', 'staging operators'),
    Policies: [{ PolicyName: 'operate', PolicyDocument: { Statement: statements.map((st) => ({ Effect: 'Allow', Resource: '*', ...st })) } }],
  }, 'Operator');

  test.each([
    ['OperatorPassRoleScoped', { Action: 'iam:PassRole' }, /pass every role/],
    ['KmsCreateGrantForAwsResourceOnly', { Action: 'kms:CreateGrant' }, /kms:GrantIsForAWSResource/],
    ['InstanceAccessOnlyForOperators', { Action: 'ssm:StartSession' }, /.+/],
  ])('%s finds what the role carries inline', (rule, statement, detail) => {
    const result = judge(rule, (stack) => role(stack, statement));
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(detail);
  });

  test('a policy of the stack that names the role is still held by each version of it', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack);
      plain(stack, 'AWS::IAM::Policy', {
        PolicyName: 'pass',
        Roles: [{ Ref: operator.logicalId }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] },
      }, 'Pass');
      return operator;
    });
    expect(result.status).toBe(NC);
  });
});

describe('a policy attached to a principal that chooses with Fn::If is held as each of its versions', () => {
  /** A role people assume, with no choices of its own. */
  const role = (stack: Stack) => plain(stack, 'AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] },
  }, 'Operator');
  const policy = (stack: Stack, properties: object) => plain(stack, 'AWS::IAM::Policy', { PolicyName: 'ops', ...properties }, 'Ops');
  const passRole = { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
  const readLogs = { Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' };

  test.each([
    ['an action', (c: string) => ({ Statement: [{ ...passRole, Action: Fn.conditionIf(c, 'iam:PassRole', 'logs:GetLogEvents') }] })],
    ['a statement', (c: string) => ({ Statement: [Fn.conditionIf(c, passRole, readLogs)] })],
    ['the statement list', (c: string) => ({ Statement: Fn.conditionIf(c, [passRole], [readLogs]) })],
    ['a resource', (c: string) => ({ Statement: [{ ...passRole, Resource: Fn.conditionIf(c, '*', 'arn:aws:iam::111122223333:role/app') }] })],
  ])('PassRole on every role chosen through %s is a finding on the role, naming the condition', (_what, document) => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack);
      policy(stack, { Roles: [{ Ref: operator.logicalId }], PolicyDocument: document(condition(stack).logicalId) });
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is true/);
  });

  test('ssm:StartSession on every instance chosen by a statement of an attached policy is a finding on the role', () => {
    const result = judge('InstanceAccessOnlyForOperators', (stack) => {
      const operator = role(stack);
      const startEverywhere = { Effect: 'Allow', Action: 'ssm:StartSession', Resource: '*' };
      const statement = Fn.conditionIf(condition(stack).logicalId, startEverywhere, readLogs);
      policy(stack, { Roles: [{ Ref: operator.logicalId }], PolicyDocument: { Statement: [statement] } });
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is true/);
  });

  test('a policy that is harmless on both branches leaves the role compliant', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack);
      const c = condition(stack).logicalId;
      policy(stack, { Roles: [{ Ref: operator.logicalId }], PolicyDocument: { Statement: [Fn.conditionIf(c, readLogs, { ...readLogs, Action: 'logs:FilterLogEvents' })] } });
      return operator;
    });
    expect(result.status).toBe(C);
  });

  test('a policy attached to the role only under a condition is held when it is attached', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack);
      const c = condition(stack).logicalId;
      policy(stack, { Roles: [Fn.conditionIf(c, { Ref: operator.logicalId }, Fn.ref('AWS::NoValue'))], PolicyDocument: { Statement: [passRole] } });
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is true/);
  });

  test('the same condition takes one value in the role and in its policy', () => {
    // PassRole on every role is granted only when IsProduction is true, and then only EC2 assumes the role.
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const c = condition(stack).logicalId;
      const operator = plain(stack, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{ Effect: 'Allow', Principal: Fn.conditionIf(c, { Service: 'ec2.amazonaws.com' }, { AWS: 'arn:aws:iam::111122223333:root' }), Action: 'sts:AssumeRole' }],
        },
      }, 'Operator');
      policy(stack, { Roles: [{ Ref: operator.logicalId }], PolicyDocument: { Statement: [Fn.conditionIf(c, passRole, readLogs)] } });
      return operator;
    });
    expect(result.status).toBe(C);
  });

  test('a policy whose versions cannot all be combined is unverifiable, not compliant', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack);
      // Five conditions, each in its own policy: 32 combinations.
      for (let i = 0; i < 5; i++) {
        const c = condition(stack, `C${i}`).logicalId;
        const document = { Statement: [Fn.conditionIf(c, readLogs, passRole)] };
        plain(stack, 'AWS::IAM::Policy', { PolicyName: `p${i}`, Roles: [{ Ref: operator.logicalId }], PolicyDocument: document }, `P${i}`);
      }
      return operator;
    });
    expect(result.status).toBe(UNV);
    expect(result.detail).toMatch(/more than 16 combinations/);
  });
});

test('a policy statement chosen with Fn::If among more conditions than are judged is unverifiable, not compliant', () => {
  const result = judge('OperatorPassRoleScoped', (stack) => {
    const operator = plain(stack, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] },
    }, 'Operator');
    const conditions = ['A', 'B', 'C', 'D', 'E'].map((id) => condition(stack, id).logicalId);
    const statement = conditions.reduce<unknown>((value, c) => Fn.conditionIf(c, value, { Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' }),
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' });
    plain(stack, 'AWS::IAM::Policy', { PolicyName: 'ops', Roles: [{ Ref: operator.logicalId }], PolicyDocument: { Statement: [statement] } }, 'Ops');
    return operator;
  });
  expect(result.status).toBe(UNV);
});

describe('who holds a policy, on every branch and through every group', () => {
  const trust = { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] };
  const passRole = { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
  const create = { Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: '*' };
  const share = { Effect: 'Allow', Action: 'ec2:ModifySnapshotAttribute', Resource: '*' };
  const denyShare = { Effect: 'Deny', Action: 'ec2:ModifySnapshotAttribute', Resource: '*' };
  const inline = (...statements: object[]) => [{ PolicyName: 'inline', PolicyDocument: { Statement: statements } }];
  const role = (stack: Stack, properties: object = {}) => plain(stack, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trust, ...properties }, 'Operator');

  test('a role named by a literal name on one branch of the policy\'s Roles holds it', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack, { RoleName: 'ops' });
      plain(stack, 'AWS::IAM::Policy', { PolicyName: 'p', Roles: [Fn.conditionIf(condition(stack).logicalId, 'ops', Fn.ref('AWS::NoValue'))], PolicyDocument: { Statement: [passRole] } }, 'Pass');
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is true/);
  });

  test('a role named through a parameter\'s allowed value holds the policy', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const operator = role(stack, { RoleName: 'ops' });
      const name = new CfnParameter(stack, 'OpsRoleName', { type: 'String', allowedValues: ['ops'] });
      plain(stack, 'AWS::IAM::Policy', { PolicyName: 'p', Roles: [name.valueAsString], PolicyDocument: { Statement: [passRole] } }, 'Pass');
      return operator;
    });
    expect(result.status).toBe(NC);
  });

  test('a Deny attached through ManagedPolicyArns only when a condition holds is no Deny when it does not', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const deny = plain(stack, 'AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [denyShare] } }, 'DenyShare');
      return role(stack, { Policies: inline(create, share), ManagedPolicyArns: [Fn.conditionIf(condition(stack).logicalId, deny.ref, Fn.ref('AWS::NoValue'))] });
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is false/);
  });

  test('a Deny policy created only under a Condition is no Deny when the condition is false', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const operator = role(stack, { Policies: inline(create, share) });
      const deny = plain(stack, 'AWS::IAM::Policy', { PolicyName: 'deny', Roles: [operator.ref], PolicyDocument: { Statement: [denyShare] } }, 'DenyShare');
      deny.cfnOptions.condition = condition(stack);
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is false/);
  });

  test('a Deny policy that chooses in more ways than are judged earns no credit', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const operator = role(stack, { Policies: inline(create, share) });
      const name = ['A', 'B', 'C', 'D', 'E'].map((id) => condition(stack, id).logicalId).reduce<unknown>((v, c) => Fn.conditionIf(c, v, 'other'), 'deny');
      plain(stack, 'AWS::IAM::Policy', { PolicyName: name, Roles: [operator.ref], PolicyDocument: { Statement: [denyShare] } }, 'DenyShare');
      return operator;
    });
    expect(result.status).toBe(UNV);
  });

  test('a user in a group chosen by Fn::If holds the group\'s policies where it is in the group', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const group = plain(stack, 'AWS::IAM::Group', { Policies: inline(share) }, 'Sharers');
      return plain(stack, 'AWS::IAM::User', { Policies: inline(create), Groups: [Fn.conditionIf(condition(stack).logicalId, group.ref, Fn.ref('AWS::NoValue'))] }, 'Alice');
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/group Sharers.*when IsProduction is true/);
  });

  test('a user added to a group by AWS::IAM::UserToGroupAddition holds the group\'s policies', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const group = plain(stack, 'AWS::IAM::Group', { Policies: inline(share) }, 'Sharers');
      const user = plain(stack, 'AWS::IAM::User', { Policies: inline(create) }, 'Alice');
      plain(stack, 'AWS::IAM::UserToGroupAddition', { GroupName: group.ref, Users: [user.ref] }, 'Membership');
      return user;
    });
    expect(result.status).toBe(NC);
  });

  test('a group\'s own Fn::If is combined with its member\'s policies', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const effect = Fn.conditionIf(condition(stack).logicalId, 'Allow', 'Deny');
      const group = plain(stack, 'AWS::IAM::Group', { Policies: inline({ ...share, Effect: effect }) }, 'Sharers');
      return plain(stack, 'AWS::IAM::User', { Policies: inline(create), Groups: [group.ref] }, 'Alice');
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is true/);
  });

  test('a group whose managed policies are harmless on both branches leaves its member compliant', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const group = plain(stack, 'AWS::IAM::Group', {
        ManagedPolicyArns: [Fn.conditionIf(condition(stack).logicalId, 'arn:aws:iam::aws:policy/ReadOnlyAccess', Fn.ref('AWS::NoValue'))],
      }, 'Readers');
      return plain(stack, 'AWS::IAM::User', { Policies: inline(create), Groups: [group.ref] }, 'Alice');
    });
    expect(result.status).toBe(C);
  });

  test('a statement whose Effect is an intrinsic is unverifiable, not left out', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => role(stack, { Policies: inline({ ...passRole, Effect: { 'Fn::Sub': 'Allow' } }) }));
    expect(result.status).toBe(UNV);
  });

  test('iam:PassRole on a role ARN given as a parameter is unverifiable: the parameter can be "*"', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const arn = new CfnParameter(stack, 'PassableRole', { type: 'String' });
      return role(stack, { Policies: inline({ ...passRole, Resource: arn.valueAsString }) });
    });
    expect(result.status).toBe(UNV);
  });

  test('IAMFullAccess lets its holder pass every role', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => role(stack, { ManagedPolicyArns: ['arn:aws:iam::aws:policy/IAMFullAccess'] }));
    expect(result.status).toBe(NC);
  });

  test('a policy held by a role of the stack and by a role it names from elsewhere is judged for the other role', () => {
    const result = judge('OperatorPassRoleScoped', (stack) => {
      const ec2Only = plain(stack, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      }, 'Host');
      return plain(stack, 'AWS::IAM::Policy', { PolicyName: 'p', Roles: [ec2Only.ref, 'human-ops-role'], PolicyDocument: { Statement: [passRole] } }, 'Pass');
    });
    expect(result.status).toBe(UNV);
    expect(result.detail).toMatch(/role human-ops-role/);
  });

  test('a membership created only under a Condition gives its group\'s Deny only when the condition is true', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const group = plain(stack, 'AWS::IAM::Group', { Policies: inline(denyShare) }, 'NoSharing');
      const user = plain(stack, 'AWS::IAM::User', { Policies: inline(create, share) }, 'Alice');
      const membership = plain(stack, 'AWS::IAM::UserToGroupAddition', { GroupName: group.ref, Users: [user.ref] }, 'Membership');
      membership.cfnOptions.condition = condition(stack);
      return user;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is false/);
  });

  test('a membership whose user is chosen by a parameter gives the Deny only for the user it names', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const group = plain(stack, 'AWS::IAM::Group', { Policies: inline(denyShare) }, 'NoSharing');
      const user = plain(stack, 'AWS::IAM::User', { UserName: 'alice', Policies: inline(create, share) }, 'Alice');
      const who = new CfnParameter(stack, 'Who', { type: 'String', allowedValues: ['alice', 'bob'] });
      plain(stack, 'AWS::IAM::UserToGroupAddition', { GroupName: group.ref, Users: [who.valueAsString] }, 'Membership');
      return user;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when Who = "bob"/);
  });

  test('a Deny attached through a parameter\'s default is no Deny when another value is given', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const operator = role(stack, { RoleName: 'ops', Policies: inline(create, share) });
      const target = new CfnParameter(stack, 'DenyRole', { type: 'String', default: 'ops' });
      plain(stack, 'AWS::IAM::Policy', { PolicyName: 'deny', Roles: [target.valueAsString], PolicyDocument: { Statement: [denyShare] } }, 'DenyShare');
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when DenyRole is given at deployment/);
  });

  test('a Condition set by a raw override is a Condition all the same', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const operator = role(stack, { Policies: inline(create, share) });
      const deny = plain(stack, 'AWS::IAM::Policy', { PolicyName: 'deny', Roles: [operator.ref], PolicyDocument: { Statement: [denyShare] } }, 'DenyShare');
      deny.addOverride('Condition', condition(stack).logicalId);
      return operator;
    });
    expect(result.status).toBe(NC);
    expect(result.detail).toMatch(/when IsProduction is false/);
  });

  test.each([
    ['a parameter with a default', (stack: Stack) => new CfnParameter(stack, 'OpsName', { type: 'String', default: 'ops' }).valueAsString, 'ops'],
    ['the same Fn::Sub', () => Fn.sub('ops-${AWS::Region}'), Fn.sub('ops-${AWS::Region}')],
  ])('a role named by %s holds the policy that names it the same way', (_how, roleName, policyName) => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const operator = role(stack, { RoleName: roleName(stack), Policies: inline(create) });
      plain(stack, 'AWS::IAM::Policy', { PolicyName: 'p', Roles: [policyName], PolicyDocument: { Statement: [share] } }, 'Share');
      return operator;
    });
    expect(result.status).toBe(NC);
  });

  test('a user in a group named by a parameter\'s default holds the group\'s policies', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => {
      const name = new CfnParameter(stack, 'GroupName', { type: 'String', default: 'sharers' });
      plain(stack, 'AWS::IAM::Group', { GroupName: name.valueAsString, Policies: inline(share) }, 'Sharers');
      return plain(stack, 'AWS::IAM::User', { Groups: ['sharers'], Policies: inline(create) }, 'Alice');
    });
    expect(result.status).toBe(NC);
  });

  test('a null statement makes the document unverifiable, without an error', () => {
    const result = judge('SnapshotSharingNotGranted', (stack) => role(stack, { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [create, null] } }] }));
    expect(result.status).toBe(UNV);
    expect(result.detail).not.toMatch(/Cannot read properties/);
  });

  test('a policy of holders outside the stack that grants one half of a pair is unverifiable: they may hold the other', () => {
    const snapshots = judge('SnapshotSharingNotGranted', (stack) =>
      plain(stack, 'AWS::IAM::Policy', { PolicyName: 'p', Roles: ['ops-from-elsewhere'], PolicyDocument: { Statement: [share] } }, 'Share'));
    expect(snapshots.status).toBe(UNV);
    expect(snapshots.detail).toMatch(/role ops-from-elsewhere holds ec2:ModifySnapshotAttribute/);
    const sessions = judge('PortForwardingNotToDatabaseHosts', (stack) => plain(stack, 'AWS::IAM::Policy', {
      PolicyName: 'p',
      Roles: ['ops-from-elsewhere'],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: 'arn:aws:ssm:*:*:document/AWS-StartPortForwardingSession' }] },
    }, 'Forward'));
    expect(sessions.status).toBe(UNV);
    expect(sessions.detail).toMatch(/whether they may also reach a database host is not known/);
  });
});

test('a role that chooses in more ways than are judged, with both halves of a pair behind Fn::If, is unverifiable', () => {
  const result = judge('SnapshotSharingNotGranted', (stack) => {
    const conditions = ['A', 'B', 'C', 'D', 'E'].map((id) => condition(stack, id).logicalId);
    const chosen = (action: string) => conditions.reduce<unknown>((v, c) => Fn.conditionIf(c, v, { Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' }),
      { Effect: 'Allow', Action: action, Resource: '*' });
    return plain(stack, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] },
      Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [chosen('ec2:CreateSnapshot'), chosen('ec2:ModifySnapshotAttribute')] } }],
    }, 'Operator');
  });
  expect(result.status).toBe(UNV);
});
