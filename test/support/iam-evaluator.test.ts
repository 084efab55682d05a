import { evaluatePolicy, evaluateRequest, PolicyDocument, Principal, Request } from './iam-evaluator';

/**
 * The evaluator against AWS's documented evaluation logic. Each case cites the page that decides
 * it, and each would fail if the evaluator got that rule wrong.
 *
 * - Evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *   (and its pages policy-eval-denyallow, policy-eval-basics, cross-account)
 * - Condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * - Multivalued keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * - NotPrincipal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 * - Key policies: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html and
 *   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */

const OURS = '111111111111';
const THEIRS = '444455556666';
const APP: Principal = { type: 'role', arn: `arn:aws:iam::${OURS}:role/app` };
const OTHER_ROLE: Principal = { type: 'role', arn: `arn:aws:iam::${OURS}:role/other` };
const FOREIGN: Principal = { type: 'role', arn: `arn:aws:iam::${THEIRS}:role/app` };
const KEY = `arn:aws:kms:eu-west-1:${OURS}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OBJECT = 'arn:aws:s3:::bucket/a/b.txt';

const policy = (...Statement: any[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const allow = (extra: any = {}) => ({ Effect: 'Allow', Action: '*', Resource: '*', ...extra });
const deny = (extra: any = {}) => ({ Effect: 'Deny', Action: '*', Resource: '*', ...extra });
const s3Put = (principal: Principal, context: Request['context'] = { 'aws:ResourceAccount': OURS }): Request =>
  ({ principal, action: 's3:PutObject', resource: OBJECT, context });

describe('explicit deny, allow, implicit deny (evaluation logic: policy-eval-denyallow)', () => {
  test('an explicit Deny in any policy overrides every Allow', () => {
    const request = s3Put(APP);
    expect(evaluateRequest(request, { identity: [policy(allow())] }).decision).toBe('Allow');
    expect(evaluateRequest(request, { identity: [policy(allow())], resource: policy(deny({ Sid: 'No', Principal: '*' })) }))
      .toEqual({ decision: 'ExplicitDeny', statements: ['resource policy/No'], reason: expect.any(String) });
    expect(evaluateRequest(request, { identity: [policy(allow()), policy(deny({ Sid: 'Mine' }))] }).statements).toEqual(['identity policy 2/Mine']);
  });

  test('without any Allow the request is implicitly denied', () => {
    expect(evaluateRequest(s3Put(APP), { identity: [policy(allow({ Action: 's3:GetObject' }))] }).decision).toBe('ImplicitDeny');
  });

  test('names the deciding statements by the policy Id and Sid, or their position', () => {
    const result = evaluateRequest(s3Put(APP), { identity: [{ ...policy(allow({ Action: 's3:Get*' }), allow()), Id: 'AppPolicy' }] });
    expect(result.statements).toEqual(['AppPolicy/statement 2']);
  });
});

describe('identity and resource policies (policy-eval-basics, cross-account)', () => {
  test('within one account, either the identity or the resource policy is enough', () => {
    const bucketPolicy = policy(allow({ Principal: { AWS: APP.arn } }));
    expect(evaluateRequest(s3Put(APP), { resource: bucketPolicy }).decision).toBe('Allow');
    expect(evaluateRequest(s3Put(APP), { identity: [policy(allow())] }).decision).toBe('Allow');
    expect(evaluateRequest(s3Put(OTHER_ROLE), { resource: bucketPolicy }).decision).toBe('ImplicitDeny');
  });

  test('an account principal in a resource policy delegates to IAM: it grants nothing by itself', () => {
    const bucketPolicy = policy(allow({ Principal: { AWS: `arn:aws:iam::${OURS}:root` } }));
    expect(evaluateRequest(s3Put(APP), { resource: bucketPolicy }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(s3Put(APP), { resource: bucketPolicy, identity: [policy(allow())] }).decision).toBe('Allow');
  });

  test('across accounts both the identity policy and the resource policy must allow', () => {
    const foreignPut = s3Put(FOREIGN, { 'aws:ResourceAccount': OURS });
    const bucketPolicy = policy(allow({ Principal: { AWS: THEIRS } }));
    expect(evaluateRequest(foreignPut, { identity: [policy(allow())] }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(foreignPut, { resource: bucketPolicy }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(foreignPut, { identity: [policy(allow())], resource: bucketPolicy }).decision).toBe('Allow');
  });

  test('the root user needs no identity policy in its own account, but an explicit Deny still applies', () => {
    const root: Principal = { type: 'root', account: OURS };
    expect(evaluateRequest(s3Put(root), {}).decision).toBe('Allow');
    expect(evaluateRequest(s3Put(root), { resource: policy(deny({ Principal: { AWS: OURS } })) }).decision).toBe('ExplicitDeny');
  });

  test('an anonymous caller or a service is allowed only by a resource policy that names it', () => {
    const anonymous = s3Put({ type: 'anonymous' });
    expect(evaluateRequest(anonymous, { resource: policy(allow({ Principal: '*' })) }).decision).toBe('Allow');
    expect(evaluateRequest(anonymous, { resource: policy(allow({ Principal: { AWS: OURS } })) }).decision).toBe('ImplicitDeny');
    const logs = s3Put({ type: 'service', service: 'logging.s3.amazonaws.com' });
    expect(evaluateRequest(logs, { resource: policy(allow({ Principal: { Service: 'logging.s3.amazonaws.com' } })) }).decision).toBe('Allow');
    expect(evaluateRequest(logs, { resource: policy(allow({ Principal: { Service: 'cloudtrail.amazonaws.com' } })) }).decision).toBe('ImplicitDeny');
  });

  test('a VPC endpoint policy can only take away: it must allow too, and grants nothing alone', () => {
    const endpoint = policy(allow({ Principal: '*', Condition: { StringEquals: { 'aws:ResourceAccount': OURS } } }));
    expect(evaluateRequest(s3Put(APP), { identity: [policy(allow())], endpoint }).decision).toBe('Allow');
    expect(evaluateRequest(s3Put(APP), { endpoint }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(s3Put(APP, { 'aws:ResourceAccount': THEIRS }), { identity: [policy(allow())], endpoint, resource: policy(allow({ Principal: '*' })) }))
      .toMatchObject({ decision: 'ImplicitDeny', reason: expect.stringMatching(/endpoint/) });
  });
});

describe('KMS key policies are authoritative (key-policies, key-policy-default)', () => {
  const decrypt = (principal: Principal, extra: Partial<Request> = {}): Request => ({ principal, action: 'kms:Decrypt', resource: KEY, ...extra });
  const enableIam = allow({ Sid: 'EnableIam', Principal: { AWS: `arn:aws:iam::${OURS}:root` } });

  test('without a statement for the account, IAM policies have no effect, even kms:* on *', () => {
    const keyPolicy = policy(allow({ Principal: { AWS: OTHER_ROLE.arn } }));
    expect(evaluateRequest(decrypt(APP), { keyPolicy, identity: [policy(allow({ Action: 'kms:*' }))] }))
      .toMatchObject({ decision: 'ImplicitDeny', reason: expect.stringMatching(/IAM policies have no effect/) });
    expect(evaluateRequest(decrypt(OTHER_ROLE), { keyPolicy }).decision).toBe('Allow');
  });

  test('the default statement for the account (root ARN or bare id) enables IAM policies, which must then allow', () => {
    expect(evaluateRequest(decrypt(APP), { keyPolicy: policy(enableIam) }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(decrypt(APP), { keyPolicy: policy(enableIam), identity: [policy(allow({ Action: 'kms:*' }))] }).decision).toBe('Allow');
    expect(evaluateRequest(decrypt(APP), { keyPolicy: policy(allow({ Principal: { AWS: OURS } })), identity: [policy(allow())] }).decision).toBe('Allow');
  });

  test('with no IAM policy allowing, the account principal leaves the root user in (it has all permissions)', () => {
    expect(evaluateRequest(decrypt({ type: 'root', account: OURS }), { keyPolicy: policy(enableIam) }).decision).toBe('Allow');
  });

  test('a Deny in the key policy overrides an IAM allow with kms:*', () => {
    const keyPolicy = policy(enableIam, deny({
      Sid: 'OnlyApp',
      Principal: '*',
      Action: ['kms:Decrypt', 'kms:CreateGrant'],
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': APP.arn } },
    }));
    const identity = [policy(allow({ Action: 'kms:*' }))];
    expect(evaluateRequest(decrypt(OTHER_ROLE), { keyPolicy, identity }))
      .toMatchObject({ decision: 'ExplicitDeny', statements: ['key policy/OnlyApp'] });
    expect(evaluateRequest(decrypt(APP), { keyPolicy, identity }).decision).toBe('Allow');
  });

  test('another account needs the key policy and its own IAM policy, even when the key policy names its role', () => {
    const keyPolicy = policy(allow({ Principal: { AWS: FOREIGN.arn } }));
    expect(evaluateRequest(decrypt(FOREIGN), { keyPolicy }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(decrypt(FOREIGN), { keyPolicy, identity: [policy(allow())] }).decision).toBe('Allow');
  });

  test('kms:ViaService and kms:CallerAccount come from the request', () => {
    const keyPolicy = policy(allow({
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:CallerAccount': OURS } },
    }));
    expect(evaluateRequest(decrypt(APP, { viaService: 'secretsmanager.eu-west-1.amazonaws.com' }), { keyPolicy }).decision).toBe('Allow');
    expect(evaluateRequest(decrypt(APP, { viaService: 'ec2.eu-west-1.amazonaws.com' }), { keyPolicy }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest(decrypt(APP), { keyPolicy }).decision).toBe('ImplicitDeny');
    // The caller's account is the principal's, not the key's.
    expect(evaluateRequest(decrypt(FOREIGN, { viaService: 'secretsmanager.eu-west-1.amazonaws.com' }), { keyPolicy, identity: [policy(allow())] }).decision)
      .toBe('ImplicitDeny');
  });
});

describe('principals (reference_policies_elements_principal)', () => {
  const put = (principal: Principal) => evaluatePolicy(policy(allow({ Principal: { AWS: APP.arn } })), s3Put(principal)).decision;
  test('"*" and {AWS: "*"} match everyone; a role ARN matches that role\'s sessions only', () => {
    expect(evaluatePolicy(policy(allow({ Principal: '*' })), s3Put({ type: 'anonymous' })).decision).toBe('Allow');
    expect(evaluatePolicy(policy(allow({ Principal: { AWS: '*' } })), s3Put(FOREIGN)).decision).toBe('Allow');
    expect(put(APP)).toBe('Allow');
    expect(put(OTHER_ROLE)).toBe('ImplicitDeny');
    expect(put({ type: 'user', arn: `arn:aws:iam::${OURS}:user/app` })).toBe('ImplicitDeny');
  });

  test('an account principal matches every principal of that account and no other', () => {
    const byAccount = policy(deny({ Principal: { AWS: [`arn:aws:iam::${OURS}:root`] } }));
    expect(evaluatePolicy(byAccount, s3Put({ type: 'user', arn: `arn:aws:iam::${OURS}:user/u` })).decision).toBe('ExplicitDeny');
    expect(evaluatePolicy(byAccount, s3Put({ type: 'root', account: OURS })).decision).toBe('ExplicitDeny');
    expect(evaluatePolicy(byAccount, s3Put(FOREIGN, { 'aws:ResourceAccount': OURS })).decision).toBe('ImplicitDeny');
  });

  test('NotPrincipal with Deny denies everyone not listed; a role is exempt only with its account listed too', () => {
    const except = (...arns: string[]) => policy(deny({ NotPrincipal: { AWS: arns } }), allow({ Principal: '*' }));
    expect(evaluatePolicy(except(APP.arn!, `arn:aws:iam::${OURS}:root`), s3Put(APP)).decision).toBe('Allow');
    expect(evaluatePolicy(except(APP.arn!, `arn:aws:iam::${OURS}:root`), s3Put(OTHER_ROLE)).decision).toBe('ExplicitDeny');
    // "you must also specify the account ARN of the not-denied principal" (NotPrincipal page)
    expect(evaluatePolicy(except(APP.arn!), s3Put(APP)).decision).toBe('ExplicitDeny');
    expect(() => evaluatePolicy(policy(allow({ NotPrincipal: { AWS: APP.arn } })), s3Put(APP))).toThrow(/NotPrincipal with Allow/);
  });
});

describe('actions and resources', () => {
  const request = (action: string, resource = OBJECT) => ({ principal: APP, action, resource, context: { 'aws:ResourceAccount': OURS } });
  test('Action wildcards match case-insensitively; NotAction matches every other action', () => {
    expect(evaluatePolicy(policy(allow({ Principal: '*', Action: 'S3:put*' })), request('s3:PutObject')).decision).toBe('Allow');
    expect(evaluatePolicy(policy(allow({ Principal: '*', Action: 's3:Get?bject' })), request('s3:GetObject')).decision).toBe('Allow');
    expect(evaluatePolicy(policy(allow({ Principal: '*', Action: 's3:Get?bject' })), request('s3:GetObjectAcl')).decision).toBe('ImplicitDeny');
    const powerUser = policy(allow({ Principal: '*', Action: undefined, NotAction: ['iam:*', 'organizations:*'] }));
    expect(evaluatePolicy(powerUser, request('kms:CreateGrant', KEY)).decision).toBe('Allow');
    expect(evaluatePolicy(powerUser, request('IAM:CreateRole', `arn:aws:iam::${OURS}:role/x`)).decision).toBe('ImplicitDeny');
  });

  test('Resource wildcards are case-sensitive and span "/" and ":"; NotResource matches every other resource', () => {
    const on = (Resource: any, resource = OBJECT) => evaluatePolicy(policy(allow({ Principal: '*', Resource })), request('s3:PutObject', resource)).decision;
    expect(on('arn:aws:s3:::bucket/*')).toBe('Allow');
    expect(on('arn:aws:s3:::Bucket/*')).toBe('ImplicitDeny');
    expect(on('arn:aws:s3:::bucket')).toBe('ImplicitDeny');
    expect(on('arn:aws:s3:::b?cket/a/*.txt')).toBe('Allow');
    expect(evaluatePolicy(policy(allow({ Principal: '*', Resource: undefined, NotResource: 'arn:aws:s3:::bucket/a/*' })), request('s3:PutObject')).decision)
      .toBe('ImplicitDeny');
    expect(evaluatePolicy(policy(allow({ Principal: '*', Resource: undefined, NotResource: 'arn:aws:s3:::other/*' })), request('s3:PutObject')).decision)
      .toBe('Allow');
  });

  test('policy variables stand for the request\'s values, literally', () => {
    const own = policy(allow({ Resource: 'arn:aws:s3:::bucket/${aws:PrincipalAccount}/*' }));
    const mine = { principal: APP, action: 's3:GetObject', resource: `arn:aws:s3:::bucket/${OURS}/x`, context: { 'aws:ResourceAccount': OURS } };
    expect(evaluateRequest(mine, { identity: [own] }).decision).toBe('Allow');
    expect(evaluateRequest({ ...mine, resource: `arn:aws:s3:::bucket/${THEIRS}/x` }, { identity: [own] }).decision).toBe('ImplicitDeny');
    // Before the 2012-10-17 language, ${...} is plain text.
    expect(evaluateRequest(mine, { identity: [{ ...own, Version: '2008-10-17' }] }).decision).toBe('ImplicitDeny');
  });
});

describe('conditions (condition operators, multivalued keys)', () => {
  const holds = (Condition: any, context: Request['context'] = {}) =>
    evaluatePolicy(policy(allow({ Principal: '*', Condition })), { principal: APP, action: 's3:GetObject', resource: OBJECT, context }).decision === 'Allow';

  test('condition keys are case-insensitive; values are case-sensitive except for the IgnoreCase operators', () => {
    expect(holds({ StringEquals: { 'AWS:principalaccount': OURS } })).toBe(true);
    expect(holds({ StringEquals: { 's3:prefix': 'Logs/' } }, { 's3:prefix': 'logs/' })).toBe(false);
    expect(holds({ StringEqualsIgnoreCase: { 's3:prefix': 'Logs/' } }, { 's3:prefix': 'logs/' })).toBe(true);
    expect(holds({ StringNotEqualsIgnoreCase: { 's3:prefix': 'Logs/' } }, { 's3:prefix': 'logs/' })).toBe(false);
  });

  test('several values of one key are ORed, for a negated operator NORed; keys and operators are ANDed', () => {
    expect(holds({ StringEquals: { 's3:prefix': ['a', 'b'] } }, { 's3:prefix': 'b' })).toBe(true);
    expect(holds({ StringNotEquals: { 's3:prefix': ['a', 'b'] } }, { 's3:prefix': 'b' })).toBe(false);
    expect(holds({ StringNotEquals: { 's3:prefix': ['a', 'b'] } }, { 's3:prefix': 'c' })).toBe(true);
    expect(holds({ StringEquals: { 's3:prefix': 'b' }, StringLike: { 'aws:PrincipalArn': '*:role/other' } }, { 's3:prefix': 'b' })).toBe(false);
  });

  test('a missing key fails positive operators and satisfies negated ones', () => {
    expect(holds({ StringEquals: { 'aws:SourceVpce': 'vpce-1' } })).toBe(false);
    expect(holds({ StringLike: { 'aws:SourceVpce': '*' } })).toBe(false);
    expect(holds({ ArnLike: { 'aws:SourceArn': '*' } })).toBe(false);
    expect(holds({ Bool: { 'aws:SecureTransport': 'false' } })).toBe(false);
    expect(holds({ NumericLessThan: { 's3:TlsVersion': 1.2 } })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } })).toBe(true);
    expect(holds({ StringNotLike: { 'aws:SourceVpce': 'vpce-*' } })).toBe(true);
    expect(holds({ ArnNotEquals: { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:111111111111:t' } })).toBe(true);
  });

  test('IfExists holds for a missing key, and tests a present one', () => {
    expect(holds({ StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } })).toBe(true);
    expect(holds({ StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } }, { 'aws:SourceVpce': 'vpce-2' })).toBe(false);
    expect(holds({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }, { 'aws:MultiFactorAuthPresent': false })).toBe(false);
  });

  test('Null tests whether the key is missing', () => {
    expect(holds({ Null: { 's3:if-none-match': 'true' } })).toBe(true);
    expect(holds({ Null: { 's3:if-none-match': 'true' } }, { 's3:if-none-match': '*' })).toBe(false);
    expect(holds({ Null: { 's3:if-none-match': 'false' } }, { 's3:if-none-match': '*' })).toBe(true);
  });

  test('ForAllValues holds for a missing or empty key; ForAnyValue does not', () => {
    expect(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } })).toBe(true);
    expect(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': [] })).toBe(true);
    expect(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['a', 'c'] })).toBe(false);
    expect(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['b', 'a'] })).toBe(true);
    expect(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } })).toBe(false);
    expect(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, { 'aws:TagKeys': [] })).toBe(false);
    expect(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, { 'aws:TagKeys': ['c', 'a'] })).toBe(true);
    // A negated operator under a set operator applies to each value.
    expect(holds({ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }, { 'aws:TagKeys': ['key2:audit'] })).toBe(true);
    expect(holds({ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }, { 'aws:TagKeys': ['key1:hr', 'key2'] })).toBe(false);
  });

  test('ARN operators match each of the six parts on its own', () => {
    const context = { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:111111111111:log-group:a:b' };
    expect(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:logs:eu-west-1:111111111111:log-group:*' } }, context)).toBe(true);
    expect(holds({ ArnEquals: { 'aws:SourceArn': 'arn:aws:logs:*:111111111111:log-group:*' } }, context)).toBe(true);
    // A "*" in the Region part does not reach into the account part.
    expect(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:logs:eu-*:log-group:*' } }, context)).toBe(false);
    expect(holds({ StringLike: { 'aws:SourceArn': 'arn:aws:logs:eu-*:log-group:*' } }, context)).toBe(true);
    expect(holds({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:logs:*:444455556666:*' } }, context)).toBe(true);
  });

  test('numeric operators compare numbers, not text', () => {
    expect(holds({ NumericLessThan: { 's3:TlsVersion': 1.2 } }, { 's3:TlsVersion': '1.10' })).toBe(true);
    expect(holds({ NumericGreaterThanEquals: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': 600 })).toBe(false);
  });
});

describe('refuses what it does not model', () => {
  const attempt = (statement: any, context = {}) => () =>
    evaluatePolicy(policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', ...statement }), { principal: APP, action: 's3:GetObject', resource: OBJECT, context });
  test.each([
    ['an IP condition', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }],
    ['a date condition', { Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }],
    ['a federated principal', { Principal: { Federated: 'cognito-identity.amazonaws.com' } }],
    ['a session principal', { Principal: { AWS: 'arn:aws:sts::111111111111:assumed-role/app/s' } }],
    ['an unresolved intrinsic', { Resource: { 'Fn::GetAtt': ['Bucket', 'Arn'] } }],
    ['a single-valued operator on a multivalued key', { Condition: { StringEquals: { 'aws:TagKeys': 'a' } } }, { 'aws:TagKeys': ['a', 'b'] }],
    ['a policy variable without a value', { Resource: 'arn:aws:s3:::bucket/${aws:username}/*' }],
  ])('%s', (_what, statement, context = {}) => {
    expect(attempt(statement, context)).toThrow(/not modelled|not a string|needs ForAnyValue|no value/);
  });

  test('an identity policy that names a principal, or an S3 request with no owner to compare', () => {
    expect(() => evaluateRequest(s3Put(APP), { identity: [policy(allow({ Principal: '*' }))] })).toThrow(/names no Principal/);
    expect(() => evaluateRequest(s3Put(APP, {}), { identity: [policy(allow())] })).toThrow(/aws:ResourceAccount/);
  });
});
