import { customerManagedKeyRule } from '../../private/cmk-rule';

/** SNS topics are encrypted with a customer-managed key. */
export const TopicCustomerManagedKey = customerManagedKeyRule({
  name: 'TopicCustomerManagedKey',
  type: 'AWS::SNS::Topic',
  property: 'KmsMasterKeyId',
  info: 'The SNS topic is not encrypted with a customer-managed KMS key.',
  explanation: 'Alert topics carry session and audit events. Set KmsMasterKeyId (sns.Topic masterKey) to a ' +
    'customer-managed key; alias/aws/sns cannot be used by EventBridge or CloudWatch alarms anyway.',
});
