import { PolicyStatementJson, requiresMfa, statementsOf, trustedPrincipals } from './iam';
import { RenderedResource, StackIndex } from './rendered';
import { asArray, isIntrinsic } from './values';

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

const POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];
export const IAM_POLICY_TYPES = POLICY_TYPES;

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

/** Identity policy documents carried by an IAM resource. */
export function policySources(r: RenderedResource, index: StackIndex): PolicySource[] {
  const doc = (document: unknown, where: string, mfaAtAssumption: boolean): PolicySource => ({
    where,
    statements: isIntrinsic(document) ? [] : statementsOf(document),
    unresolved: isIntrinsic(document) || isIntrinsic((document as any)?.Statement),
    mfaAtAssumption,
  });
  switch (r.type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy': {
      const roles = asArray(r.properties.Roles);
      const attachedToPeople = asArray(r.properties.Users).length > 0 || asArray(r.properties.Groups).length > 0;
      const onlyServices = !attachedToPeople && roles.length > 0 && roles.every((ref) => assumedOnlyWithMfa(index.target(ref)));
      return [doc(r.properties.PolicyDocument, 'PolicyDocument', onlyServices)];
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
