import { customerManagedKeyRule } from '../../private/cmk-rule';

/** CloudWatch Logs log groups are encrypted with a customer-managed key. */
export const LogGroupCustomerManagedKey = customerManagedKeyRule({
  name: 'LogGroupCustomerManagedKey',
  type: 'AWS::Logs::LogGroup',
  property: 'KmsKeyId',
  info: 'The CloudWatch Logs log group is not encrypted with a customer-managed KMS key.',
  explanation: 'Database, session, audit and flow logs can hold customer data and who did what. Set KmsKeyId ' +
    '(logs.LogGroup encryptionKey) to a customer-managed key whose policy admits CloudWatch Logs for this account.',
});
