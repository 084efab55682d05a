import { judgeCopy, regionOfArn } from '../../private/regions';
import { NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

/** AWS Backup copies recovery points only to vaults in the allowed Regions. */
export const BackupCopyRegionAllowed: RuleDefinition = {
  name: 'BackupCopyRegionAllowed',
  guarantee: 'G8',
  info: 'A backup plan copies recovery points to a vault outside the allowed regions.',
  explanation: 'GDPR data residency: backups are customer data. Copy only to vaults in allowedRegions (a vault of the ' +
    'same stack, or an ARN naming an allowed Region); a copy to a vault whose ARN is only known at deploy time cannot be verified.',
  resourceTypes: ['AWS::Backup::BackupPlan'],
  evaluate(r, { index, options }) {
    const rules = r.properties.BackupPlan?.BackupPlanRule;
    if (isIntrinsic(r.properties.BackupPlan) || isIntrinsic(rules)) {
      return unverifiable(`the plan's rules are ${describe(rules ?? r.properties.BackupPlan)}, only known at deploy time`);
    }
    const outcomes: Outcome[] = [];
    asArray<any>(rules).forEach((rule, i) => {
      const actions = rule?.CopyActions;
      if (isIntrinsic(actions)) {
        outcomes.push(unverifiable(`the copy actions of rule ${rule?.RuleName ?? i} are only known at deploy time`));
        return;
      }
      for (const action of asArray<any>(actions)) {
        const vault = action?.DestinationBackupVaultArn;
        outcomes.push(judgeCopy(regionOfArn(vault, index), `rule ${rule?.RuleName ?? i} copies to ${describe(vault)}`, options.allowedRegions ?? []));
      }
    });
    return outcomes.length === 0 ? NOT_APPLICABLE : worst(outcomes);
  },
};
