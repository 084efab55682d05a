import { App, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CustomerManagedKey } from '../../lib/keys';
import { assertInRange } from '../../lib/private/validation';

describe('CustomerManagedKey.isAwsManaged and CustomerManagedKey.validate', () => {
  let stack: Stack;
  beforeEach(() => {
    stack = new Stack(new App(), 'TestStack');
  });

  test('recognises an AWS-managed key by alias name and by alias ARN in any partition', () => {
    expect(CustomerManagedKey.isAwsManaged(kms.Alias.fromAliasName(stack, 'A', 'alias/aws/ebs'))).toBe(true);
    expect(CustomerManagedKey.isAwsManaged(kms.Key.fromKeyArn(stack, 'B', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/backup'))).toBe(true);
    expect(CustomerManagedKey.isAwsManaged(kms.Key.fromKeyArn(stack, 'C', 'arn:aws-cn:kms:cn-north-1:111122223333:alias/aws/logs'))).toBe(true);
  });

  test('accepts customer-managed keys, customer aliases and keys known only at deployment', () => {
    expect(CustomerManagedKey.isAwsManaged(new kms.Key(stack, 'Key'))).toBe(false);
    expect(CustomerManagedKey.isAwsManaged(kms.Alias.fromAliasName(stack, 'A', 'alias/my-keys/aws/data'))).toBe(false);
    expect(CustomerManagedKey.isAwsManaged(kms.Key.fromKeyArn(stack, 'B', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'))).toBe(false);
    const arn = new CfnParameter(stack, 'KeyArn').valueAsString;
    expect(CustomerManagedKey.isAwsManaged(kms.Key.fromKeyArn(stack, 'C', arn))).toBe(false);
  });

  test('CustomerManagedKey.validate names the property, the key received and how to fix it', () => {
    expect(() => CustomerManagedKey.validate(kms.Alias.fromAliasName(stack, 'A', 'alias/aws/ebs'), 'SomeProps.key')).toThrow(
      /^SomeProps.key must be a customer-managed KMS key; got the AWS-managed key 'alias\/aws\/ebs'\..*Pass a kms.Key you create, or kms.Key.fromKeyArn\(\)/,
    );
    expect(() => CustomerManagedKey.validate(new kms.Key(stack, 'Key'), 'SomeProps.key')).not.toThrow();
  });
});

describe('assertInRange', () => {
  test('accepts the bounds and values between them', () => {
    expect(() => assertInRange('x', 90, 90, 2560)).not.toThrow();
    expect(() => assertInRange('x', 2560, 90, 2560)).not.toThrow();
    expect(() => assertInRange('x', 365, 90, 2560)).not.toThrow();
  });

  test('accepts undefined and unresolved tokens', () => {
    expect(() => assertInRange('x', undefined, 90, 2560)).not.toThrow();
    expect(() => assertInRange('x', Token.asNumber({ Ref: 'Days' }), 90, 2560)).not.toThrow();
  });

  test('refuses values outside the range and fractions, with the value and the range', () => {
    expect(() => assertInRange('Props.days', 89, 90, 2560, 'days')).toThrow('Props.days must be a whole number from 90 to 2560 days; got 89 days.');
    expect(() => assertInRange('Props.days', 2561, 90, 2560, 'days')).toThrow(/got 2561 days/);
    expect(() => assertInRange('Props.count', 1.5, 1, 3)).toThrow('Props.count must be a whole number from 1 to 3; got 1.5.');
  });
});
