import { conditionValues, grantsAction } from '../../private/iam';
import { IAM_POLICY_TYPES, policySources } from '../../private/policies';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

/** StartSession grants force the logging session document (`ssm:SessionDocumentAccessCheck`). */
export const StartSessionRequiresLoggingDocument: RuleDefinition = {
  name: 'StartSessionRequiresLoggingDocument',
  guarantee: 'G6',
  info: 'An IAM policy grants ssm:StartSession without the ssm:SessionDocumentAccessCheck condition.',
  explanation: 'Operator accesses are audit logged: without (Bool or BoolIfExists) ssm:SessionDocumentAccessCheck "true" a caller may ' +
    'start a session with the default document and skip session logging. Grant StartSession on the logging ' +
    'session document with that condition.',
  resourceTypes: IAM_POLICY_TYPES,
  evaluate(r, { index }) {
    const sources = policySources(r, index);
    if (sources.length === 0) {
      return NOT_APPLICABLE;
    }
    let granted = false;
    for (const source of sources) {
      if (source.unresolved) {
        return unverifiable(`${source.where} is only known at deploy time`);
      }
      for (const s of source.statements) {
        if (!grantsAction(s, 'ssm:StartSession')) {
          continue;
        }
        granted = true;
        const check = conditionValues(s, ['Bool', 'BoolIfExists'], 'ssm:SessionDocumentAccessCheck');
        if (!(check.length > 0 && check.every((v) => v === true || v === 'true'))) {
          return nonCompliant(`${source.where} grants ssm:StartSession${s.Sid ? ` (statement ${s.Sid})` : ''} without ssm:SessionDocumentAccessCheck`);
        }
      }
    }
    return granted ? COMPLIANT : NOT_APPLICABLE;
  },
};
