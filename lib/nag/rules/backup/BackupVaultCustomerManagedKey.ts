import { customerManagedKeyRule } from '../../private/cmk-rule';

/** Backup vaults are encrypted with a customer-managed key. */
export const BackupVaultCustomerManagedKey = customerManagedKeyRule({
  name: 'BackupVaultCustomerManagedKey',
  type: 'AWS::Backup::BackupVault',
  property: 'EncryptionKeyArn',
  info: 'The AWS Backup vault is not encrypted with a customer-managed KMS key.',
  explanation: 'Both active databases and backups are encrypted. Set EncryptionKeyArn (backup.BackupVault ' +
    'encryptionKey) to a customer-managed key; without it the vault uses the AWS-managed aws/backup key.',
});
