import { judgeHolder } from '../../private/held-grants';
import { grantsAction } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray } from '../../private/values';

/** People may pass only named roles. */
export const OperatorPassRoleScoped: RuleDefinition = {
  name: 'OperatorPassRoleScoped',
  guarantee: 'G8',
  info: 'A role people assume (or a user, group or permission set) may pass any role (iam:PassRole on "*").',
  explanation: 'With iam:PassRole on every role, an operator can hand the database host\'s role (or any other) to an ' +
    'instance or function of their own and read what only that role may read: the superuser secret, the keys. Grant ' +
    'iam:PassRole on the ARNs of the roles an operator must pass, never on "*" or through NotResource (also not through ' +
    'iam:*, *, or AdministratorAccess). Roles only AWS services assume are not judged here.',
  resourceTypes: [...IAM_POLICY_TYPES],
  evaluate(r, { index }) {
    return judgeHolder(r, index, (policies, holder) => {
      let found: string | undefined;
      let unresolved: string | undefined;
      for (const policy of policies) {
        unresolved ??= policy.unresolved ? `${policy.where} is only known at deploy time` : undefined;
        for (const s of policy.statements) {
          if (!found && grantsAction(s, 'iam:PassRole') && (s.NotResource !== undefined || asArray(s.Resource).includes('*'))) {
            found = `${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''}`;
          }
        }
      }
      if (holder.people === 'no') {
        return NOT_APPLICABLE;
      }
      if (found) {
        return holder.people === 'yes' ? nonCompliant(`${found} lets ${holder.name} pass every role`)
          : unverifiable(`${found} lets ${holder.name} pass every role, and whether people hold it is not known in this stack`);
      }
      if (unresolved && holder.people === 'yes') {
        return unverifiable(unresolved);
      }
      return COMPLIANT;
    });
  },
};
