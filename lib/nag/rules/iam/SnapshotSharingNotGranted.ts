import { judgeHolder } from '../../private/held-grants';
import { coversAction, grantsAction } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { HeldPolicy } from '../../private/principals';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray } from '../../private/values';

const CREATE = ['ec2:CreateSnapshot', 'ec2:CreateSnapshots'];
const SHARE = 'ec2:ModifySnapshotAttribute';

/** Where the policies allow `actions` and no unconditioned Deny on every resource takes it back. */
function granted(policies: HeldPolicy[], actions: string[]): string | undefined {
  const denied = (action: string) => policies.some((p) => p.statements.some((s) => s.Effect === 'Deny' && coversAction(s, action) &&
    !s.Condition && asArray(s.Resource).includes('*')));
  for (const policy of policies) {
    for (const s of policy.statements) {
      const action = actions.find((a) => grantsAction(s, a) && !denied(a));
      if (action) {
        return `${action} (${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''})`;
      }
    }
  }
  return undefined;
}

/** No principal may both snapshot volumes and share snapshots. */
export const SnapshotSharingNotGranted: RuleDefinition = {
  name: 'SnapshotSharingNotGranted',
  guarantee: 'G8',
  info: 'A principal may create EBS snapshots and change their permissions (share them with another account).',
  explanation: 'A snapshot of a database volume is every customer\'s data; with ec2:ModifySnapshotAttribute its holder ' +
    'can make it public or share it with any account, outside every database control. No principal may hold both ' +
    'ec2:CreateSnapshot(s) and ec2:ModifySnapshotAttribute (also through ec2:*, *, AmazonEC2FullAccess, PowerUserAccess or ' +
    'AdministratorAccess); all of a principal\'s policies are judged together. Let AWS Backup take and copy snapshots, ' +
    'and keep sharing out of every role.',
  resourceTypes: [...IAM_POLICY_TYPES],
  evaluate(r, { index }) {
    return judgeHolder(r, index, (policies, holder) => {
      const unresolved = policies.find((p) => p.unresolved);
      const create = granted(policies, CREATE);
      const share = granted(policies, [SHARE]);
      if (create && share) {
        return nonCompliant(`${holder.name} may create snapshots, ${create}, and share them, ${share}`);
      }
      if (unresolved && (create || share)) {
        return unverifiable(`${holder.name} holds ${create ?? share}, and ${unresolved.where} is only known at deploy time`);
      }
      if (holder.outside && (create || share)) {
        return unverifiable(`${holder.name} holds ${create ?? share}; whether they also hold the other half is not known in this stack`);
      }
      return create || share ? COMPLIANT : NOT_APPLICABLE;
    });
  },
};
