import { parsePolicy, PolicyStatementJson, requiresMfa, statementsOf, trustedPrincipals } from './iam';
import { RenderedResource, StackIndex } from './rendered';
import { asArray, isIntrinsic, knownText } from './values';

export interface PolicySource {
  readonly where: string;
  readonly statements: PolicyStatementJson[];
  readonly unresolved: boolean;
  /**
   * True when every identity the policy is attached to is a role that no person can assume without
   * MFA: each trust statement either trusts AWS services only or requires MFA.
   */
  readonly mfaAtAssumption: boolean;
}

/** Policy resources attached to one named role, user or group (RoleName / UserName / GroupName). */
export const INLINE_POLICY_TYPES = ['AWS::IAM::RolePolicy', 'AWS::IAM::UserPolicy', 'AWS::IAM::GroupPolicy'];
/** IAM Identity Center permission sets: always held by people (users and groups of the identity store). */
export const PERMISSION_SET_TYPE = 'AWS::SSO::PermissionSet';

const POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', ...INLINE_POLICY_TYPES, 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', PERMISSION_SET_TYPE];
export const IAM_POLICY_TYPES = POLICY_TYPES;

/**
 * AWS managed policies that grant reading every secret, reaching instances or sharing data, as the
 * statements that matter here. Other AWS managed policies are not read (their documents are not in
 * the template); these are the broad ones a reviewer would expect to be caught.
 * AmazonSSMManagedInstanceCore is the instance's own policy (the agent's channel): it grants no
 * StartSession, SendCommand or secret read, so holding it is not instance access.
 */
export const AWS_MANAGED: { [name: string]: PolicyStatementJson[] } = {
  AdministratorAccess: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  PowerUserAccess: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }],
  SecretsManagerReadWrite: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
  AmazonSSMFullAccess: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }],
  IAMFullAccess: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:Describe*', 'organizations:List*'], Resource: '*' }],
  AmazonEC2FullAccess: [{ Effect: 'Allow', Action: ['ec2:*', 'elasticloadbalancing:*', 'cloudwatch:*', 'autoscaling:*'], Resource: '*' }],
  AmazonSSMManagedInstanceCore: [{
    Effect: 'Allow',
    Action: ['ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument',
      'ssm:GetManifest', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations',
      'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus',
      'ssm:UpdateInstanceAssociationStatus', 'ssm:UpdateInstanceInformation', 'ssmmessages:*', 'ec2messages:*'],
    Resource: '*',
  }],
};

/** The name of an AWS managed policy ARN (`arn:aws:iam::aws:policy/...`), undefined for any other value. */
export function awsManagedName(arn: unknown): string | undefined {
  const text = knownText(arn);
  const m = text === undefined ? null : /:iam::aws:policy\/(?:.*\/)?([\w+=,.@-]+)$/.exec(text);
  return m ? m[1] : undefined;
}

function assumedOnlyWithMfa(role: RenderedResource | undefined): boolean {
  if (!role || role.type !== 'AWS::IAM::Role' || isIntrinsic(role.properties.AssumeRolePolicyDocument)) {
    return false;
  }
  const statements = statementsOf(role.properties.AssumeRolePolicyDocument).filter((s) => s.Effect === 'Allow');
  return statements.length > 0 && statements.every((s) => {
    const principals = trustedPrincipals({ Statement: [s] });
    return (principals.length > 0 && principals.every((p) => p.startsWith('Service:'))) || requiresMfa(s);
  });
}

function roleByName(name: unknown, index: StackIndex): RenderedResource | undefined {
  const roles = index.memo('roles-by-name', () => new Map(index.byType('AWS::IAM::Role')
    .filter((role) => typeof role.properties.RoleName === 'string')
    .map((role) => [role.properties.RoleName as string, role])));
  return typeof name === 'string' ? roles.get(name) : undefined;
}

/** Identity policy documents carried by an IAM resource. */
export function policySources(r: RenderedResource, index: StackIndex): PolicySource[] {
  const doc = (document: unknown, where: string, mfaAtAssumption: boolean): PolicySource => {
    const statements = isIntrinsic(document) ? [] : statementsOf(document);
    return {
      where,
      statements,
      // A string here is policy text that is not JSON: its statements cannot be read. A statement that is
      // itself an intrinsic (an Fn::If the resource's versions did not resolve), or whose Effect is not a literal
      // Allow or Deny, cannot be read either.
      unresolved: isIntrinsic(document) || isIntrinsic((document as any)?.Statement) || typeof document === 'string' ||
        asArray<any>((document as any)?.Statement).some((statement) => isIntrinsic(statement) || (statement?.Effect !== 'Allow' && statement?.Effect !== 'Deny')),
      mfaAtAssumption,
    };
  };
  switch (r.type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy': {
      const roles = asArray(r.properties.Roles);
      const attachedToPeople = asArray(r.properties.Users).length > 0 || asArray(r.properties.Groups).length > 0;
      const onlyServices = !attachedToPeople && roles.length > 0 && roles.every((ref) => assumedOnlyWithMfa(index.target(ref)));
      return [doc(r.properties.PolicyDocument, 'PolicyDocument', onlyServices)];
    }
    case 'AWS::IAM::RolePolicy':
    case 'AWS::IAM::UserPolicy':
    case 'AWS::IAM::GroupPolicy': {
      const role = r.type === 'AWS::IAM::RolePolicy' ? index.target(r.properties.RoleName) ?? roleByName(r.properties.RoleName, index) : undefined;
      return [doc(parsePolicy(r.properties.PolicyDocument) ?? r.properties.PolicyDocument, 'PolicyDocument', assumedOnlyWithMfa(role))];
    }
    case PERMISSION_SET_TYPE: {
      const out = r.properties.InlinePolicy === undefined ? [] : [doc(parsePolicy(r.properties.InlinePolicy) ?? r.properties.InlinePolicy, 'InlinePolicy', false)];
      for (const arn of asArray(r.properties.ManagedPolicies)) {
        const name = awsManagedName(arn);
        if (name !== undefined && AWS_MANAGED[name]) {
          out.push({ where: `AWS managed policy ${name}`, statements: AWS_MANAGED[name], unresolved: false, mfaAtAssumption: false });
        } else if (name === undefined) {
          out.push({ where: `managed policy ${JSON.stringify(arn)}`, statements: [], unresolved: true, mfaAtAssumption: false });
        }
      }
      if (asArray(r.properties.CustomerManagedPolicyReferences).length > 0) {
        out.push({ where: 'CustomerManagedPolicyReferences (their documents are not in this stack)', statements: [], unresolved: true, mfaAtAssumption: false });
      }
      return out;
    }
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return asArray<any>(r.properties.Policies).map((p, i) =>
        doc(p?.PolicyDocument, `Policies/${typeof p?.PolicyName === 'string' ? p.PolicyName : i}`, assumedOnlyWithMfa(r)));
    default:
      return [];
  }
}
