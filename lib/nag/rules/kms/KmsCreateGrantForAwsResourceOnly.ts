import { conditionValues, grantsAction, parsePolicy, PolicyStatementJson, statementsOf } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { PRINCIPAL_TYPES, policiesOf } from '../../private/principals';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, isIntrinsic, pseudoText } from '../../private/values';

const CREATE_GRANT = 'kms:CreateGrant';

function forAwsResourceOnly(s: PolicyStatementJson): boolean {
  const values = conditionValues(s, ['Bool', 'BoolIfExists'], 'kms:GrantIsForAWSResource');
  return values.length > 0 && values.every((v) => v === true || v === 'true');
}

/** The account itself (`root`, an account id, `Ref AWS::AccountId`): a key policy delegating to IAM, judged on the IAM policies. */
function isAccount(principal: unknown): boolean {
  const text = pseudoText(principal);
  return text !== undefined && (/^\d{12}$/.test(text) || text === '{AccountId}' || /^arn:[^:]+:iam::[^:]+:root$/.test(text));
}

function judgeStatements(statements: PolicyStatementJson[], where: string, keyPolicy: boolean): Outcome | undefined {
  for (const s of statements) {
    if (!grantsAction(s, CREATE_GRANT) || forAwsResourceOnly(s)) {
      continue;
    }
    if (keyPolicy && s.Principal !== '*' && s.Principal && typeof s.Principal === 'object' &&
      Object.entries(s.Principal).every(([kind, v]) => kind === 'AWS' && asArray(v).every(isAccount))) {
      continue;
    }
    return nonCompliant(`${where}${s.Sid ? ` statement ${s.Sid}` : ''} allows kms:CreateGrant without kms:GrantIsForAWSResource`);
  }
  return undefined;
}

/** kms:CreateGrant only for AWS services acting for the caller (`kms:GrantIsForAWSResource`). */
export const KmsCreateGrantForAwsResourceOnly: RuleDefinition = {
  name: 'KmsCreateGrantForAwsResourceOnly',
  guarantee: 'G8',
  info: 'An IAM or key policy allows kms:CreateGrant without the kms:GrantIsForAWSResource condition.',
  explanation: 'A grant is a second, invisible key policy: whoever may create grants can give any principal, of any ' +
    'account, the use of the key and so read the data it encrypts, and the grant outlives the policy that allowed it. ' +
    'Allow kms:CreateGrant (also through kms:*, kms:Create*, * or AdministratorAccess) only with Bool ' +
    'kms:GrantIsForAWSResource "true", so only AWS services (EBS, AWS Backup, Secrets Manager) create grants for the ' +
    'resources they encrypt. Key policy statements that delegate to the account (its root) are judged on the IAM policies.',
  resourceTypes: [...IAM_POLICY_TYPES, 'AWS::KMS::Key'],
  evaluate(r, { index }) {
    if (r.type === 'AWS::KMS::Key') {
      const policy = r.properties.KeyPolicy;
      if (policy === undefined) {
        return COMPLIANT; // the default key policy delegates to the account
      }
      const doc = parsePolicy(policy);
      if (isIntrinsic(doc) || isIntrinsic((doc as any)?.Statement) || doc === undefined) {
        return unverifiable('KeyPolicy is only known at deploy time');
      }
      return judgeStatements(statementsOf(doc), 'KeyPolicy', true) ?? COMPLIANT;
    }
    // Principals are judged on what they carry themselves; attached policy resources on themselves.
    const own = policiesOf(r, index).filter((p) => !PRINCIPAL_TYPES.includes(r.type) || p.carrier === r);
    let granted = false;
    for (const policy of own) {
      if (policy.unresolved) {
        return unverifiable(`${policy.where} is only known at deploy time`);
      }
      const found = judgeStatements(policy.statements, policy.where, false);
      if (found) {
        return found;
      }
      granted ||= policy.statements.some((s) => grantsAction(s, CREATE_GRANT));
    }
    return granted ? COMPLIANT : NOT_APPLICABLE;
  },
};
