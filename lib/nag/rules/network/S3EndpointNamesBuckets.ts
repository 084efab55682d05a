import { conditionValues, coversAction, isEveryone, parsePolicy, PolicyStatementJson, statementsOf } from '../../private/iam';
import { StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, pseudoText, UNRESOLVED } from '../../private/values';

const ACCOUNT_KEYS = ['s3:ResourceAccount', 'aws:ResourceAccount'];
const S3_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject'];

/** Whether the value names a bucket of this stack (`Ref` / `Fn::GetAtt` of an AWS::S3::Bucket, alone or joined). */
function namesStackBucket(value: unknown, index: StackIndex): boolean {
  if (isIntrinsic(value) && index.target(value)?.type === 'AWS::S3::Bucket') {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some((v) => namesStackBucket(v, index));
  }
  return value !== null && typeof value === 'object' && Object.values(value).some((v) => namesStackBucket(v, index));
}

/** What a statement's Resource entry admits: buckets named by wildcard, named buckets, something else, or unknown. */
function bucketsOf(value: unknown, index: StackIndex): { kind: 'wildcard' | 'named' | 'other' | 'unknown'; text: string } {
  if (namesStackBucket(value, index)) {
    return { kind: 'named', text: describe(value) };
  }
  const text = pseudoText(value);
  if (text === undefined || text.includes(UNRESOLVED)) {
    return { kind: 'unknown', text: describe(value) };
  }
  if (text === '*') {
    return { kind: 'wildcard', text };
  }
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return { kind: 'other', text };
  }
  if (!/^(s3|[*?]+)$/.test(parts[2]) && !/[*?]/.test(parts[2])) {
    return { kind: 'other', text };
  }
  const bucket = parts.slice(5).join(':').split('/')[0];
  return { kind: /[*?]/.test(bucket) || /[*?]/.test(parts[2]) ? 'wildcard' : 'named', text };
}

/** An account condition that pins the buckets to named accounts (no `*` among its values). */
function limitsAccounts(s: PolicyStatementJson, operators: string[]): boolean {
  return ACCOUNT_KEYS.some((key) => {
    const values = conditionValues(s, operators, key);
    return values.length > 0 && values.every((v) => pseudoText(v) !== '*');
  });
}

/** A Deny to everyone of S3 on buckets outside named accounts limits every Allow of the policy. */
function deniesOtherAccounts(s: PolicyStatementJson): boolean {
  if (s.Effect !== 'Deny' || (s.Principal !== undefined && !isEveryone(s.Principal)) || s.NotResource !== undefined) {
    return false;
  }
  if (!S3_ACTIONS.every((a) => coversAction(s, a)) || !asArray(s.Resource).includes('*')) {
    return false;
  }
  const keys = Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block ?? {}));
  return keys.length === 1 && limitsAccounts(s, ['StringNotEquals', 'StringNotEqualsIfExists']);
}

/**
 * The S3 endpoint of the service network admits named buckets only, or buckets of named accounts.
 *
 * A network without an internet gateway still reaches every bucket of every account through its S3
 * gateway endpoint unless the endpoint policy says otherwise. A bucket name with a wildcard
 * (`arn:aws:s3:::*`, `prefix-*`) admits buckets anyone can create under that name, so it is an
 * exfiltration path unless `s3:ResourceAccount` / `aws:ResourceAccount` pins the owning account.
 */
export const S3EndpointNamesBuckets: RuleDefinition = {
  name: 'S3EndpointNamesBuckets',
  guarantee: 'G4',
  info: 'The S3 VPC endpoint admits buckets named by wildcard without pinning the accounts that own them.',
  explanation: 'Anyone can create a bucket whose name matches a wildcard, and write what the VPC sends there. Give the ' +
    'S3 endpoint a PolicyDocument (none means full access) whose Allow statements name exact buckets (this stack\'s ' +
    'buckets, or AWS-owned buckets by their exact names), or add s3:ResourceAccount / aws:ResourceAccount (StringEquals) ' +
    'to a statement that names buckets by wildcard, or Deny S3 on buckets outside the named accounts.',
  resourceTypes: ['AWS::EC2::VPCEndpoint'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::EC2::VPCEndpoint') {
      return NOT_APPLICABLE;
    }
    const service = pseudoText(r.properties.ServiceName);
    const last = service?.split('.').pop();
    if (last === undefined || last.includes(UNRESOLVED)) {
      return unverifiable(`ServiceName ${describe(r.properties.ServiceName)} is only known at deploy time, so the endpoint may be S3's`);
    }
    if (last !== 's3') {
      return NOT_APPLICABLE;
    }
    const raw = r.properties.PolicyDocument;
    if (raw === undefined) {
      return nonCompliant('the endpoint has no PolicyDocument, so it admits every bucket of every account');
    }
    if (isIntrinsic(raw) || isIntrinsic((raw as any)?.Statement)) {
      return unverifiable('PolicyDocument is only known at deploy time');
    }
    const policy = parsePolicy(raw);
    if (policy === undefined) {
      return unverifiable('PolicyDocument is a string that is not JSON');
    }
    const statements = statementsOf(policy);
    if (statements.some(deniesOtherAccounts)) {
      return COMPLIANT;
    }
    const outcomes: Outcome[] = [];
    for (const [i, s] of statements.entries()) {
      if (s.Effect !== 'Allow') {
        continue;
      }
      const name = `statement ${s.Sid ?? i}`;
      if (isIntrinsic(s.Action) || isIntrinsic(s.NotAction) || isIntrinsic(s.Condition)) {
        outcomes.push(unverifiable(`${name} is only known at deploy time`));
        continue;
      }
      if (!S3_ACTIONS.some((a) => coversAction(s, a)) || limitsAccounts(s, ['StringEquals', 'StringLike'])) {
        outcomes.push(COMPLIANT);
        continue;
      }
      if (s.NotResource !== undefined) {
        outcomes.push(nonCompliant(`${name} admits every bucket but those in NotResource, without s3:ResourceAccount or aws:ResourceAccount`));
        continue;
      }
      for (const value of asArray(s.Resource)) {
        const buckets = bucketsOf(value, index);
        if (buckets.kind === 'wildcard') {
          outcomes.push(nonCompliant(`${name} admits buckets named by wildcard (${buckets.text}) without s3:ResourceAccount or aws:ResourceAccount`));
        } else if (buckets.kind === 'unknown') {
          outcomes.push(unverifiable(`${name} admits ${buckets.text}, a bucket name only known at deploy time`));
        } else {
          outcomes.push(COMPLIANT);
        }
      }
    }
    return worst(outcomes.length ? outcomes : [COMPLIANT]);
  },
};
