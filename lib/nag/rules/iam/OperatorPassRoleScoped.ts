import { judgeHolder } from '../../private/held-grants';
import { globToRegExp, grantsAction } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, knownText, referencedLogicalId, UNRESOLVED } from '../../private/values';

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
          if (found || !grantsAction(s, 'iam:PassRole')) {
            continue;
          }
          const every = s.NotResource !== undefined ? true : asArray(s.Resource).map((resource) => passesEveryRole(resource, index)).reduce<boolean | 'unknown'>(
            (a, b) => (a === true || b === true ? true : a === 'unknown' || b === 'unknown' ? 'unknown' : false), false);
          if (every === true) {
            found = `${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''}`;
          } else if (every === 'unknown') {
            unresolved ??= `${policy.where}: the roles iam:PassRole may pass are only known at deploy time`;
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

/**
 * Whether a Resource of an iam:PassRole grant covers every role of an account (`*`, `arn:aws:iam::*:*`,
 * `arn:aws:iam::111122223333:role/*`), rather than named roles or a prefix of names.
 */
function passesEveryRole(resource: unknown, index: StackIndex): boolean | 'unknown' {
  const id = referencedLogicalId(resource);
  if (id !== undefined) {
    // The ARN of one role (or other resource) of the stack; a parameter can be anything, "*" included.
    return index.parameters.has(id) ? 'unknown' : false;
  }
  const text = typeof resource === 'string' ? resource : knownText(resource);
  if (text === undefined || text.includes(UNRESOLVED)) {
    return 'unknown';
  }
  const arn = /^arn:[^:]*:iam::[^:]*:(.*)$/.exec(text);
  const name = globToRegExp(arn ? arn[1] : text);
  return arn ? name.test('role/timescale-probe') && name.test('role/service-role/timescale-probe')
    : name.test('arn:aws:iam::111122223333:role/timescale-probe');
}
