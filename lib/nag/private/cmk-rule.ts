import { judgeKey } from './kms';
import { NOT_APPLICABLE, RuleDefinition } from './rule';

/** A rule that judges one KMS key property of one resource type (absent = AWS-managed default). */
export function customerManagedKeyRule(spec: {
  name: string; type: string; property: string; info: string; explanation: string;
}): RuleDefinition {
  return {
    name: spec.name,
    guarantee: 'G1',
    info: spec.info,
    explanation: spec.explanation,
    resourceTypes: [spec.type],
    evaluate(r, { index }) {
      return r.type === spec.type ? judgeKey(r.properties[spec.property], index, spec.property) : NOT_APPLICABLE;
    },
  };
}
