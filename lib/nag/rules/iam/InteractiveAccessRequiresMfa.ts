import { grantsAction, requiresMfa } from '../../private/iam';
import { IAM_POLICY_TYPES, policySources } from '../../private/policies';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

/** Actions that open a shell, run commands, or attach a console on an instance. */
export const INTERACTIVE_ACTIONS = [
  'ssm:StartSession',
  'ssm:SendCommand',
  'ssm:StartAutomationExecution',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2-instance-connect:OpenTunnel',
  'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
  'ec2:EnableSerialConsoleAccess',
];

/** Grants of instance access (Session Manager, Run Command, Instance Connect, serial console) require MFA. */
export const InteractiveAccessRequiresMfa: RuleDefinition = {
  name: 'InteractiveAccessRequiresMfa',
  guarantee: 'G7',
  info: 'An IAM policy grants instance access (StartSession, SendCommand, Instance Connect, serial console) without MFA.',
  explanation: 'Only the operator role may reach the machines, and only with MFA. Add a Bool aws:MultiFactorAuthPresent ' +
    '"true" condition (or bound aws:MultiFactorAuthAge) to the grant or to the trust policy of the role that holds it, ' +
    'or do not grant these actions (including via ssm:*, ssm:Start*, *). Roles that only AWS services can assume ' +
    '(e.g. a maintenance window role) need no MFA.',
  resourceTypes: IAM_POLICY_TYPES,
  evaluate(r, { index }) {
    const sources = policySources(r, index);
    if (sources.length === 0) {
      return NOT_APPLICABLE;
    }
    for (const source of sources) {
      if (source.unresolved) {
        return unverifiable(`${source.where} is only known at deploy time`);
      }
      if (source.mfaAtAssumption) {
        continue;
      }
      for (const s of source.statements) {
        const action = INTERACTIVE_ACTIONS.find((a) => grantsAction(s, a));
        if (action && !requiresMfa(s)) {
          return nonCompliant(`${source.where} grants ${action}${s.Sid ? ` (statement ${s.Sid})` : ''} without an MFA condition`);
        }
      }
    }
    return COMPLIANT;
  },
};
