import { customerManagedKeyRule } from '../../private/cmk-rule';

/** Secrets are encrypted with a customer-managed key. */
export const SecretCustomerManagedKey = customerManagedKeyRule({
  name: 'SecretCustomerManagedKey',
  type: 'AWS::SecretsManager::Secret',
  property: 'KmsKeyId',
  info: 'The Secrets Manager secret is not encrypted with a customer-managed KMS key.',
  explanation: 'Keys are never stored in plaintext; secrets (passwords, TLS private keys) are encrypted under a key ' +
    'the service owner controls. Set KmsKeyId (secretsmanager.Secret encryptionKey); aws/secretsmanager is AWS-managed.',
});
