import * as kms from 'aws-cdk-lib/aws-kms';
import { assertCustomerManagedKey, isAwsManagedKey } from './customer-managed';

/**
 * Tells customer-managed KMS keys from AWS-managed ones (`alias/aws/...`): the guarantees need keys
 * whose policy, rotation and deletion the service owner controls.
 */
export class CustomerManagedKey {
  /**
   * Whether `key` is known at synth time to be an AWS-managed key (`alias/aws/...`).
   * Keys whose identity is an unresolved token cannot be judged here and return false.
   */
  public static isAwsManaged(key: kms.IKey): boolean {
    return isAwsManagedKey(key);
  }

  /**
   * Throws when `key` is an AWS-managed key, with a message that names `what`, the key and the fix.
   *
   * @param key the key to check
   * @param what the property being validated, for the error message (e.g. `ServiceKeysProps.dataKey`)
   */
  public static validate(key: kms.IKey, what: string): void {
    assertCustomerManagedKey(key, what);
  }

  private constructor() {}
}
