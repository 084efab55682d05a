import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';

// The library's own checks import these functions; users reach them as `CustomerManagedKey`'s statics.

const AWS_MANAGED_ALIAS = /(^|[:/])alias\/aws\//;

/**
 * Whether `key` is known at synth time to be an AWS-managed key (`alias/aws/...`).
 * Keys whose identity is an unresolved token cannot be judged here and return false.
 */
export function isAwsManagedKey(key: kms.IKey): boolean {
  const names = [key.keyArn, key.keyId, (key as Partial<kms.IAlias>).aliasName];
  return names.some((name) => typeof name === 'string' && !Token.isUnresolved(name) && AWS_MANAGED_ALIAS.test(name));
}

/**
 * Throws when `key` is an AWS-managed key: the guarantees need customer-managed keys, whose
 * policy, rotation and deletion the service owner controls.
 *
 * @param what the property being validated, for the error message (e.g. `ServiceKeysProps.dataKey`)
 */
export function assertCustomerManagedKey(key: kms.IKey | undefined, what: string): void {
  if (key && isAwsManagedKey(key)) {
    const name = (key as Partial<kms.IAlias>).aliasName ?? key.keyArn;
    throw new Error(
      `${what} must be a customer-managed KMS key; got the AWS-managed key '${name}'. ` +
      'AWS-managed keys (alias/aws/...) cannot have their key policy, rotation or deletion controlled by you. ' +
      'Pass a kms.Key you create, or kms.Key.fromKeyArn() for an existing customer-managed key.',
    );
  }
}
