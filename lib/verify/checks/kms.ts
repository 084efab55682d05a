import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { isEveryone, parsePolicy, statementsOf } from '../../nag/private/iam';
import { CheckOutcome, compliant, nonCompliant, ResourceCheck, unverifiable } from '../context';

/** KMS keys: enabled, customer-managed, symmetric AES-256; rotation on; no unconditioned wildcard in the policy. */
export const kmsKeyCheck: ResourceCheck = {
  resourceType: 'AWS::KMS::Key',
  rules: ['KmsKeyCustomerManagedAes256', 'KmsKeyRotation', 'KmsKeyPolicyNoUnconditionedWildcard'],
  async check(resource, context) {
    const { kms } = context.clients;
    const out: CheckOutcome[] = [];
    const key = (await context.send<any>(kms, new DescribeKeyCommand({ KeyId: resource.physicalId }))).KeyMetadata ?? {};
    const problems = [
      key.KeyManager !== 'CUSTOMER' && `KeyManager is ${key.KeyManager}`,
      key.KeyState !== 'Enabled' && `KeyState is ${key.KeyState}`,
      (key.KeySpec ?? key.CustomerMasterKeySpec) !== 'SYMMETRIC_DEFAULT' && `KeySpec is ${key.KeySpec ?? key.CustomerMasterKeySpec}`,
      key.KeyUsage !== 'ENCRYPT_DECRYPT' && `KeyUsage is ${key.KeyUsage}`,
    ].filter((p): p is string => !!p);
    out.push(problems.length === 0
      ? compliant('KmsKeyCustomerManagedAes256', 'enabled customer-managed SYMMETRIC_DEFAULT (AES-256-GCM) key')
      : nonCompliant('KmsKeyCustomerManagedAes256', problems.join('; ')));

    const rotation = await context.send<any>(kms, new GetKeyRotationStatusCommand({ KeyId: resource.physicalId }));
    out.push(rotation.KeyRotationEnabled === true
      ? compliant('KmsKeyRotation', 'automatic rotation on')
      : nonCompliant('KmsKeyRotation', 'automatic key rotation is off'));

    const policy = parsePolicy((await context.send<any>(kms, new GetKeyPolicyCommand({ KeyId: resource.physicalId, PolicyName: 'default' }))).Policy);
    if (policy === undefined) {
      out.push(unverifiable('KmsKeyPolicyNoUnconditionedWildcard', 'the key policy is not JSON'));
    } else {
      const open = statementsOf(policy).filter((s) => s.Effect === 'Allow' && isEveryone(s.Principal) && Object.keys(s.Condition ?? {}).length === 0);
      out.push(open.length === 0
        ? compliant('KmsKeyPolicyNoUnconditionedWildcard')
        : nonCompliant('KmsKeyPolicyNoUnconditionedWildcard', `statement ${open.map((s) => s.Sid ?? '(no Sid)').join(', ')} allows Principal "*" without a Condition`));
    }
    return out;
  },
};
