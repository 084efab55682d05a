/**
 * Key policy building blocks and the checks that keep ServiceKeys' policies least-privilege.
 * Not exported from the package.
 */

/** What the account and key administrators may do: manage the key, never use it. */
export const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
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

/** What a service may do with a key on behalf of a caller in this account (the aws/ebs pattern). */
export const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
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

function hasViaServiceCondition(statement: any): boolean {
  return Object.values(statement.Condition ?? {}).some(
    (block) => block !== null && typeof block === 'object' && Object.keys(block).some((k) => k.toLowerCase() === 'kms:viaservice'),
  );
}

/**
 * The ways a resolved key policy breaks ServiceKeys' guarantees, one message per problem:
 * an Allow for every principal (`*`) without a condition, or an Allow that lets the account's
 * IAM policies grant cryptographic use without limiting it to a service with `kms:ViaService`.
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
  });
  return problems;
}
