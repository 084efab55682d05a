import { StackIndex } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable } from './rule';
import { describe, isIntrinsic, knownText, referencedLogicalId } from './values';

const AWS_MANAGED = /(^|[:/])alias\/aws\//;
const KEY_ID = /(^|:key\/)(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const CUSTOMER_ALIAS = /(^|:)alias\/(?!aws\/)[\w/_-]+$/;

/**
 * Judges a KMS key reference (`KmsKeyId`, `KMSMasterKeyID`, `EncryptionKeyArn`, ...):
 * - a key or alias resource of the same stack is customer-managed;
 * - `alias/aws/...` (name or ARN) is AWS-managed;
 * - a literal key id / key ARN / other alias is customer-managed (AWS-managed keys are only
 *   reachable by their `alias/aws/...` name in templates);
 * - anything else (parameters, imports, other stacks) cannot be verified at synth.
 */
export function judgeKey(value: unknown, index: StackIndex, what: string): Outcome {
  if (value === undefined || value === null || value === '') {
    return nonCompliant(`${what} is not set, so an AWS-owned or AWS-managed key is used`);
  }
  const target = referencedLogicalId(value) !== undefined ? index.target(value) : undefined;
  if (target) {
    if (target.type === 'AWS::KMS::Key' || target.type === 'AWS::KMS::ReplicaKey') {
      return COMPLIANT;
    }
    if (target.type === 'AWS::KMS::Alias') {
      const name = target.properties.AliasName;
      if (typeof name === 'string' && AWS_MANAGED.test(name)) {
        return nonCompliant(`${what} is the AWS-managed alias ${name}`);
      }
      return COMPLIANT;
    }
    return unverifiable(`${what} refers to ${target.type} ${target.logicalId}, not a KMS key`);
  }
  const text = knownText(value);
  if (text !== undefined) {
    if (AWS_MANAGED.test(text)) {
      return nonCompliant(`${what} is the AWS-managed key ${describe(text)}`);
    }
    if (KEY_ID.test(text) || CUSTOMER_ALIAS.test(text)) {
      return COMPLIANT;
    }
  }
  if (typeof value === 'string') {
    return unverifiable(`${what} '${describe(value)}' is neither a key id, key ARN nor alias`);
  }
  const id = referencedLogicalId(value);
  const source = id && index.parameters.has(id) ? `the parameter ${id}` : isIntrinsic(value) ? describe(value) : 'a value';
  return unverifiable(`${what} comes from ${source}, which is only known at deploy time`);
}
