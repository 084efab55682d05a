import { judgeKey } from '../../private/kms';
import { RenderedResource } from '../../private/rendered';
import { nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, containsIntrinsic, isIntrinsic, isTrue } from '../../private/values';

/**
 * Whether the trail records every management event, read and write: GetSecretValue and Decrypt are
 * read events, StopLogging and PutEventSelectors write events, so a trail that drops either half
 * misses what the audit exists for. Undefined when it does.
 */
function managementEventsDropped(r: RenderedResource): Outcome | undefined {
  const { EventSelectors: basic, AdvancedEventSelectors: advanced } = r.properties;
  if (containsIntrinsic(basic) || containsIntrinsic(advanced)) {
    return unverifiable('the event selectors are only known at deploy time');
  }
  if (asArray(advanced).length > 0) {
    // Advanced selectors are ORed: together they must take every management event, read and write.
    const covered = new Set<string>();
    for (const sel of asArray<any>(advanced)) {
      const fields = asArray<any>(sel?.FieldSelectors);
      const category = fields.find((f) => f?.Field === 'eventCategory');
      if (!asArray(category?.Equals).includes('Management')) {
        continue;
      }
      const others = fields.filter((f) => f !== category);
      if (others.length === 0) {
        covered.add('true').add('false');
      } else if (others.length === 1 && others[0]?.Field === 'readOnly' && Object.keys(others[0]).every((k) => k === 'Field' || k === 'Equals')) {
        asArray(others[0].Equals).forEach((v) => covered.add(String(v).toLowerCase()));
      }
    }
    return covered.has('true') && covered.has('false') ? undefined
      : nonCompliant('the advanced event selectors do not record every management event, read and write (eventCategory = Management, ' +
        'with no filter but readOnly, and both readOnly values)');
  }
  if (basic === undefined || asArray(basic).length === 0) {
    return undefined; // the default: every management event, read and write
  }
  const all = asArray<any>(basic).some((sel) => (sel?.IncludeManagementEvents === undefined || isTrue(sel.IncludeManagementEvents)) &&
    (sel?.ReadWriteType === undefined || sel.ReadWriteType === 'All') && asArray(sel?.ExcludeManagementEventSources).length === 0);
  return all ? undefined : nonCompliant('no event selector records every management event (IncludeManagementEvents true, ReadWriteType All, no excluded sources): ' +
    'a WriteOnly trail misses GetSecretValue and Decrypt, a ReadOnly one misses StopLogging');
}

/** CloudTrail trails validate their log files and encrypt them with a customer-managed key. */
export const CloudTrailValidatedAndEncrypted: RuleDefinition = {
  name: 'CloudTrailValidatedAndEncrypted',
  guarantee: 'G6',
  info: 'The CloudTrail trail is not logging, drops management events, or lacks log file validation or customer-managed KMS encryption.',
  explanation: 'Operator accesses are audit logged; the audit trail must record every management event (read and write: ' +
    'GetSecretValue is a read event, StopLogging a write event) and be tamper-evident and encrypted. Set IsLogging: true, ' +
    'leave the event selectors at their default or keep one that records all management events (ReadWriteType All, ' +
    'IncludeManagementEvents true; an advanced selector with eventCategory = Management alone), and set ' +
    'EnableLogFileValidation: true and KMSKeyId to a customer-managed key (cloudtrail.Trail enableFileValidation, encryptionKey).',
  resourceTypes: ['AWS::CloudTrail::Trail'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::CloudTrail::Trail') {
      return NOT_APPLICABLE;
    }
    const logging = r.properties.IsLogging;
    if (isIntrinsic(logging)) {
      return unverifiable('IsLogging is only known at deploy time');
    }
    if (!isTrue(logging)) {
      return nonCompliant('IsLogging is not true, so the trail records nothing');
    }
    const dropped = managementEventsDropped(r);
    if (dropped) {
      return dropped;
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
