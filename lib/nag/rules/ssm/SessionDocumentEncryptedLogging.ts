import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { sessionDocument, sessionInputs } from '../../private/ssm';
import { describe, isIntrinsic, isTrue } from '../../private/values';

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Session Manager session documents log every session, encrypted. */
export const SessionDocumentEncryptedLogging: RuleDefinition = {
  name: 'SessionDocumentEncryptedLogging',
  guarantee: 'G6',
  info: 'The Session Manager session document does not log sessions to encrypted CloudWatch Logs or S3 with a KMS key.',
  explanation: 'Operator accesses are audit logged. Set inputs.cloudWatchLogGroupName with cloudWatchEncryptionEnabled: ' +
    'true (or s3BucketName with s3EncryptionEnabled: true) and inputs.kmsKeyId for session data encryption. A destination ' +
    'that is configured is encrypted too: cloudWatchEncryptionEnabled or s3EncryptionEnabled false next to a log group or ' +
    'bucket is a finding even when the other destination is encrypted.',
  resourceTypes: ['AWS::SSM::Document'],
  evaluate(r) {
    if (r.type !== 'AWS::SSM::Document') {
      return NOT_APPLICABLE;
    }
    const docType = r.properties.DocumentType;
    if (isIntrinsic(docType)) {
      return unverifiable('DocumentType is only known at deploy time');
    }
    if (docType !== 'Session') {
      return NOT_APPLICABLE;
    }
    // Session Manager does not log port forwarding or SSH sessions at all: where such a document may be used
    // is judged by PortForwardingNotToDatabaseHosts, not here.
    if (sessionDocument(r.properties.Content)?.sessionType === 'Port') {
      return NOT_APPLICABLE;
    }
    const inputs = sessionInputs(r.properties.Content);
    if (!inputs) {
      return unverifiable('the document content is only known at deploy time, or cannot be read one way only');
    }
    // A destination that is configured must be encrypted, even when the other one is.
    if (present(inputs.cloudWatchLogGroupName) && !isTrue(inputs.cloudWatchEncryptionEnabled)) {
      return nonCompliant(`sessions are logged to CloudWatch Logs with cloudWatchEncryptionEnabled ${describe(inputs.cloudWatchEncryptionEnabled)}`);
    }
    if (present(inputs.s3BucketName) && !isTrue(inputs.s3EncryptionEnabled)) {
      return nonCompliant(`sessions are logged to S3 with s3EncryptionEnabled ${describe(inputs.s3EncryptionEnabled)}`);
    }
    const toCloudWatch = isTrue(inputs.cloudWatchEncryptionEnabled) && present(inputs.cloudWatchLogGroupName);
    const toS3 = isTrue(inputs.s3EncryptionEnabled) && present(inputs.s3BucketName);
    if (!toCloudWatch && !toS3) {
      return nonCompliant('neither encrypted CloudWatch Logs (cloudWatchEncryptionEnabled + cloudWatchLogGroupName) nor encrypted S3 logging is configured');
    }
    if (!present(inputs.kmsKeyId)) {
      return nonCompliant('inputs.kmsKeyId is not set, so session data is not encrypted with a customer-managed key');
    }
    return COMPLIANT;
  },
};
