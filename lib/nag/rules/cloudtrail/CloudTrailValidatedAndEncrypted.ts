import { judgeKey } from '../../private/kms';
import { nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { isIntrinsic, isTrue } from '../../private/values';

/** CloudTrail trails validate their log files and encrypt them with a customer-managed key. */
export const CloudTrailValidatedAndEncrypted: RuleDefinition = {
  name: 'CloudTrailValidatedAndEncrypted',
  guarantee: 'G6',
  info: 'The CloudTrail trail lacks log file validation or customer-managed KMS encryption.',
  explanation: 'Operator accesses are audit logged; the audit trail must be tamper-evident and encrypted. Set ' +
    'EnableLogFileValidation: true and KMSKeyId to a customer-managed key (cloudtrail.Trail enableFileValidation, encryptionKey).',
  resourceTypes: ['AWS::CloudTrail::Trail'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::CloudTrail::Trail') {
      return NOT_APPLICABLE;
    }
    const validation = r.properties.EnableLogFileValidation;
    if (isIntrinsic(validation)) {
      return unverifiable('EnableLogFileValidation is only known at deploy time');
    }
    if (!isTrue(validation)) {
      return nonCompliant('EnableLogFileValidation is not true');
    }
    return judgeKey(r.properties.KMSKeyId, index, 'KMSKeyId');
  },
};
