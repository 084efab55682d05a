import { INTERACTIVE_ACTIONS } from './InteractiveAccessRequiresMfa';
import { grantsAction } from '../../private/iam';
import { accountOf, Assumers, assumersOf, customerAccounts, startSessionEverywhere } from '../../private/instance-access';
import { IAM_POLICY_TYPES, PERMISSION_SET_TYPE } from '../../private/policies';
import { attachedToNothing, HeldPolicy, holdersOf, judgeHeldVersions, PRINCIPAL_TYPES, policiesOf } from '../../private/principals';
import { StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { UNRESOLVED } from '../../private/values';

interface Grants {
  /** where StartSession reaches every instance */
  everywhere?: string;
  /** where SendCommand is granted */
  sendCommand?: string;
  /** where any instance access is granted */
  access?: string;
  unresolved?: string;
}

function grantsOf(policies: HeldPolicy[], index: StackIndex): Grants {
  const out: { -readonly [K in keyof Grants]: Grants[K] } = {};
  for (const policy of policies) {
    if (policy.unresolved) {
      out.unresolved ??= `${policy.where} is only known at deploy time`;
      continue;
    }
    for (const s of policy.statements) {
      const where = `${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''}`;
      const everywhere = startSessionEverywhere(s, index);
      if (everywhere) {
        out.everywhere ??= `${where} grants ssm:StartSession on ${everywhere}`;
      }
      if (grantsAction(s, 'ssm:SendCommand')) {
        out.sendCommand ??= where;
      }
      const action = INTERACTIVE_ACTIONS.find((a) => grantsAction(s, a));
      if (action) {
        out.access ??= `${action} (${where})`;
      }
    }
  }
  return out;
}

/** Judges what a principal of the stack (or the unseen holders of a policy) may do on instances. */
function judge(grants: Grants, name: string, assumers: Assumers, index: StackIndex): Outcome {
  const outcomes: Outcome[] = [];
  if (grants.everywhere) {
    outcomes.push(nonCompliant(`${grants.everywhere}: ${name} may open a shell on every instance, not only the service's tagged hosts`));
  }
  if (grants.sendCommand) {
    if (assumers.humans || assumers.lambda) {
      outcomes.push(nonCompliant(`${grants.sendCommand} grants ssm:SendCommand to ${name}, which ${assumers.lambda ? 'a Lambda function' : 'people'} can assume`));
    } else if (assumers.unknown) {
      outcomes.push(unverifiable(`${grants.sendCommand} grants ssm:SendCommand to ${name}, whose trust policy is only known at deploy time`));
    }
  }
  if (grants.access && assumers.accounts.length > 0) {
    const customers = customerAccounts(index);
    for (const text of assumers.accounts) {
      const account = accountOf(text);
      if (account !== undefined && customers.ids.has(account)) {
        outcomes.push(nonCompliant(`${name} grants ${grants.access} and trusts ${text}, of customer account ${account}`));
      } else if (account !== undefined ? customers.unknown : text.includes(UNRESOLVED) && (customers.ids.size > 0 || customers.unknown)) {
        outcomes.push(unverifiable(`${name} grants ${grants.access} and trusts ${text}, which may be a customer's account`));
      }
    }
  }
  if (outcomes.length === 0 && grants.unresolved) {
    return unverifiable(grants.unresolved);
  }
  return outcomes.length > 0 ? worst(outcomes) : grants.access ? COMPLIANT : NOT_APPLICABLE;
}

/** Instance access is for the operator role only: scoped to tagged hosts, no Run Command for people or functions, no customer accounts. */
export const InstanceAccessOnlyForOperators: RuleDefinition = {
  name: 'InstanceAccessOnlyForOperators',
  guarantee: 'G7',
  info: 'A principal may start sessions on every instance, run commands as a person or a Lambda function, or reach instances from a customer account.',
  explanation: 'No customer access to the virtual machine level is provided, and operators reach only the service\'s hosts. ' +
    'Grant ssm:StartSession on instance ARNs with an ssm:resourceTag/timescale:service condition (never on "*", NotResource ' +
    'or instance/* without a tag condition: the document-access check does not narrow the instances). Keep ssm:SendCommand ' +
    'for roles only AWS services assume (a maintenance window role), never for a role people (accounts, users, roles, SAML or ' +
    'web identity) or Lambda functions assume, nor users, groups or permission sets. A role with instance access must not ' +
    'trust a customer account (the owner of a customer VPC peering). All of a principal\'s policies are judged together: inline, ' +
    'AWS::IAM::Policy / ManagedPolicy / RolePolicy / UserPolicy / GroupPolicy, and AWS managed AdministratorAccess, ' +
    'PowerUserAccess, AmazonSSMFullAccess.',
  resourceTypes: [...IAM_POLICY_TYPES],
  evaluate(r, { index }) {
    if (PRINCIPAL_TYPES.includes(r.type)) {
      const name = `${r.type.split('::')[2].toLowerCase()} ${r.logicalId}`;
      return judgeHeldVersions(r, policiesOf(r, index), index, (held) => judge(grantsOf(held, index), name, assumersOf(r), index));
    }
    // A policy held by principals of this stack is judged with the rest of their policies, on them.
    const holders = holdersOf(r, index);
    if (holders.external.length === 0 && (holders.principals.length > 0 || attachedToNothing(r, holders))) {
      return NOT_APPLICABLE;
    }
    const grants = grantsOf(policiesOf(r, index), index);
    if (!grants.access && !grants.unresolved) {
      return NOT_APPLICABLE;
    }
    // Permission sets are held by people; other holders are not in this stack, so their trust is not known.
    const people = r.type === PERMISSION_SET_TYPE;
    const assumers: Assumers = { humans: people, lambda: false, unknown: !people, accounts: [] };
    return judge(grants, holders.external.join(', ') || `the holders of ${r.logicalId}`, assumers, index);
  },
};
