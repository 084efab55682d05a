/**
 * Key policy building blocks and the checks that keep ServiceKeys' policies least-privilege.
 * Not exported from the package.
 */

/**
 * What key administrators may do: manage the key, never use it. `kms:CreateAlias` is named rather
 * than `kms:Create*`, which would include `kms:CreateGrant`, a way to use the key.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** What a service may do with a key on behalf of a named caller (the aws/ebs pattern). */
export const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
];

/** What the account's root user may do with a key: read and replace its policy, the way back if every administrator is lost. */
export const BREAK_GLASS_ACTIONS = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'];

/** What the explicit Deny refuses every principal of the account that the key policy does not name. */
export const DENIED_TO_UNNAMED_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:CreateGrant',
];

/** What CloudWatch Logs needs, as AWS documents it for encrypted log groups. */
export const LOGS_SERVICE_ACTIONS = [
  'kms:Encrypt*',
  'kms:Decrypt*',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:Describe*',
];

/** Every operation that reads or produces data under a symmetric key. */
const CRYPTOGRAPHIC_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
];

function toList(value: unknown): unknown[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function actionPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Whether a resolved statement can allow any cryptographic operation (honours wildcards and NotAction). */
function allowsCryptography(statement: any): boolean {
  if (statement.NotAction !== undefined) {
    const excluded = toList(statement.NotAction).filter((a): a is string => typeof a === 'string').map(actionPattern);
    return CRYPTOGRAPHIC_ACTIONS.some((action) => !excluded.some((p) => p.test(action)));
  }
  const allowed = toList(statement.Action).filter((a): a is string => typeof a === 'string').map(actionPattern);
  return CRYPTOGRAPHIC_ACTIONS.some((action) => allowed.some((p) => p.test(action)));
}

function awsPrincipals(statement: any): unknown[] {
  const principal = statement.Principal;
  if (principal === '*') {
    return ['*'];
  }
  if (principal && typeof principal === 'object') {
    return toList(principal.AWS);
  }
  return [];
}

/** An account principal (`arn:...:iam::<account>:root` or a bare account id), literal or built with Fn::Join. */
function isAccountPrincipal(principal: unknown): boolean {
  if (typeof principal === 'string') {
    return /:root$/.test(principal) || /^\d{12}$/.test(principal);
  }
  return JSON.stringify(principal).includes(':root"');
}

function hasConditions(statement: any): boolean {
  return statement.Condition !== undefined && Object.keys(statement.Condition).length > 0;
}

/** Whether a resolved statement can allow `kms:PutKeyPolicy` (honours wildcards and NotAction). */
function allowsPolicyChange(statement: any): boolean {
  if (statement.NotAction !== undefined) {
    return !toList(statement.NotAction).some((a) => typeof a === 'string' && actionPattern(a).test('kms:PutKeyPolicy'));
  }
  return toList(statement.Action).some((a) => typeof a === 'string' && actionPattern(a).test('kms:PutKeyPolicy'));
}

/** Whether a statement holds only for the account's root user (`aws:PrincipalType` is `Account`). */
function onlyForRootUser(statement: any): boolean {
  const equals = statement.Condition?.StringEquals ?? {};
  return Object.entries(equals).some(([k, v]) => k.toLowerCase() === 'aws:principaltype' && toList(v).length === 1 && toList(v)[0] === 'Account');
}

function hasViaServiceCondition(statement: any): boolean {
  return Object.values(statement.Condition ?? {}).some(
    (block) => block !== null && typeof block === 'object' && Object.keys(block).some((k) => k.toLowerCase() === 'kms:viaservice'),
  );
}

/**
 * The ways a resolved key policy breaks ServiceKeys' guarantees, one message per problem: an Allow
 * for every principal (`*`) without a condition; an Allow that lets the account's IAM policies grant
 * cryptographic use without limiting it to a service with `kms:ViaService`; an Allow that lets them
 * change the key policy (anyone with `kms:*` in IAM could then give themselves the key).
 */
export function keyPolicyViolations(policy: any): string[] {
  const problems: string[] = [];
  toList(policy?.Statement).forEach((statement: any, index) => {
    if (statement?.Effect !== 'Allow') {
      return;
    }
    const name = statement.Sid ? `'${statement.Sid}'` : `#${index + 1}`;
    const principals = awsPrincipals(statement);
    if (principals.includes('*') && !hasConditions(statement)) {
      problems.push(
        `key policy statement ${name} allows every principal ('*') without a condition. ` +
        'Name the principal, or add conditions such as kms:CallerAccount and kms:ViaService.',
      );
    }
    if (principals.some(isAccountPrincipal) && allowsCryptography(statement) && !hasViaServiceCondition(statement)) {
      problems.push(
        `key policy statement ${name} lets an account principal use the key for cryptographic operations, ` +
        'which would let any IAM policy in that account grant use of the key and undo the separation of administration from use. ' +
        'Grant the role that needs the key (key.grantDecrypt(role) names it in the key policy), or limit the statement with a kms:ViaService condition.',
      );
    }
    if (principals.some(isAccountPrincipal) && allowsPolicyChange(statement) && !onlyForRootUser(statement)) {
      problems.push(
        `key policy statement ${name} lets an account principal change the key policy, so any IAM identity given kms:PutKeyPolicy ` +
        'could give itself the key. Name the administrators instead (ServiceKeysProps.administrators).',
      );
    }
  });
  return problems;
}
