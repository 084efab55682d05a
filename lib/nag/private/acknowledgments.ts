import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Acknowledged ids on a construct (not its ancestors), `annotation::` prefix stripped, with reasons. */
export function ownAcknowledgments(construct: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of construct.node.metadata) {
    if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data && typeof entry.data === 'object') {
      for (const [id, reason] of Object.entries(entry.data as { [id: string]: string })) {
        out.set(id.replace(/^annotation::/i, ''), String(reason));
      }
    }
  }
  return out;
}

/** Where and why `ruleId` is acknowledged for `construct` (itself or an ancestor), as cdk-nag decides it. */
export function findAcknowledgment(construct: IConstruct, ruleId: string): { id: string; reason: string } | undefined {
  for (let current: IConstruct | undefined = construct; current; current = current.node.scope) {
    const reason = ownAcknowledgments(current).get(ruleId);
    if (reason !== undefined) {
      return { id: ruleId, reason };
    }
  }
  return undefined;
}
