import { assumersOf } from './instance-access';
import { PERMISSION_SET_TYPE } from './policies';
import { attachedToNothing, HeldPolicy, holdersOf, judgeHeldVersions, PRINCIPAL_TYPES, policiesOf } from './principals';
import { RenderedResource, StackIndex } from './rendered';
import { NOT_APPLICABLE, Outcome } from './rule';

/** Who holds the policies being judged, as far as the stack tells. */
export interface Holder {
  /** e.g. `role OperatorRole`, or the permission set's assignees */
  readonly name: string;
  /** `yes`: people can act with it (a role people assume, a user, a group, a permission set); `unknown`: not in this stack */
  readonly people: 'yes' | 'no' | 'unknown';
  /** The holders are not in this stack: what else they hold is not known. */
  readonly outside?: boolean;
}

/**
 * Runs `judge` on everything one holder can do: a principal of the stack with all the policies it holds,
 * or a policy resource whose holders are not in the stack on its own. A policy held by principals of this
 * stack is not applicable itself (it is judged on them, with the rest of their policies).
 */
export function judgeHolder(r: RenderedResource, index: StackIndex, judge: (policies: HeldPolicy[], holder: Holder) => Outcome): Outcome {
  if (PRINCIPAL_TYPES.includes(r.type)) {
    const assumers = assumersOf(r);
    const holder: Holder = {
      name: `${r.type.split('::')[2].toLowerCase()} ${r.logicalId}`,
      people: assumers.humans ? 'yes' : assumers.unknown ? 'unknown' : 'no',
    };
    return judgeHeldVersions(r, policiesOf(r, index), index, (held) => judge(held, holder));
  }
  // A policy held by principals of this stack is judged with the rest of their policies, on them; holders
  // it names that are not in the stack (a role by a name of another stack) are judged here, on it alone.
  const holders = holdersOf(r, index);
  if (holders.external.length === 0 && (holders.principals.length > 0 || attachedToNothing(r, holders))) {
    return NOT_APPLICABLE;
  }
  return judge(policiesOf(r, index), {
    name: holders.external.join(', ') || `the holders of ${r.logicalId}, which are not in this stack`,
    people: r.type === PERMISSION_SET_TYPE ? 'yes' : 'unknown',
    outside: true,
  });
}
