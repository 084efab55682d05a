import { coversPublicSpace, isAnywhere } from '../../private/cidr';
import { canBeDatabaseHost } from '../../private/database-hosts';
import { egressOf } from '../../private/egress';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, Verdict, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

/** The security groups of an instance: its own, its network interfaces', else its launch template's. */
function groupsOf(instance: RenderedResource, index: StackIndex): { groups: unknown[]; unknown?: string } {
  const p = instance.properties;
  const lists: unknown[] = [p.SecurityGroupIds, p.SecurityGroups];
  for (const nic of asArray<any>(p.NetworkInterfaces)) {
    lists.push(nic?.GroupSet);
    const eni = index.target(nic?.NetworkInterfaceId);
    if (eni?.type === 'AWS::EC2::NetworkInterface') {
      lists.push(eni.properties.GroupSet);
    }
  }
  if (lists.every((l) => l === undefined) && p.LaunchTemplate !== undefined) {
    const template = index.target(p.LaunchTemplate?.LaunchTemplateId ?? p.LaunchTemplate?.LaunchTemplateName);
    if (template?.type !== 'AWS::EC2::LaunchTemplate') {
      return { groups: [], unknown: `the launch template ${describe(p.LaunchTemplate)} is not in this stack` };
    }
    const data = template.properties.LaunchTemplateData ?? {};
    lists.push(data.SecurityGroupIds, data.SecurityGroups, ...asArray<any>(data.NetworkInterfaces).map((n) => n?.Groups));
  }
  if (lists.some((l) => isIntrinsic(l))) {
    return { groups: [], unknown: 'the security groups are only known at deploy time' };
  }
  return { groups: lists.flatMap((l) => asArray(l)) };
}

/**
 * A database host sends traffic only to named destinations: its security groups have no egress to
 * 0.0.0.0/0 or ::/0, on any protocol or port.
 *
 * A network without an internet gateway is no barrier when a host may send HTTPS anywhere: a NAT,
 * a proxy or an endpoint added later becomes an exfiltration path. The host needs only the VPC
 * (interface endpoints) and the S3 prefix list. A group without SecurityGroupEgress keeps
 * CloudFormation's allow-all rule, and egress split into several CIDRs or standalone
 * AWS::EC2::SecurityGroupEgress resources is judged together.
 */
export const DatabaseHostEgressRestricted: RuleDefinition = {
  name: 'DatabaseHostEgressRestricted',
  guarantee: 'G4',
  info: 'A security group of the database host allows egress to anywhere (0.0.0.0/0 or ::/0).',
  explanation: 'The database host may reach the VPC\'s interface endpoints and the S3 gateway endpoint only. Give each ' +
    'of its security groups explicit SecurityGroupEgress (CloudFormation adds allow-all egress when there is none) to ' +
    'the VPC CIDR, private CIDRs, other security groups or a prefix list (DestinationPrefixListId, e.g. the S3 prefix ' +
    'list), and never to 0.0.0.0/0, ::/0 or CIDRs that together cover every public address.',
  resourceTypes: ['AWS::EC2::Instance'],
  evaluate(r, { index }) {
    const host = canBeDatabaseHost(r);
    if (host === 'no') {
      return NOT_APPLICABLE;
    }
    const judged = judgeHost(r, index);
    if (host === 'unknown' && judged.verdict === Verdict.NON_COMPLIANT) {
      return unverifiable(`the instance may be a database host (its tags are only known at deploy time): ${judged.detail}`);
    }
    return judged;
  },
};

function judgeHost(r: RenderedResource, index: StackIndex): Outcome {
  const { groups, unknown } = groupsOf(r, index);
  if (unknown) {
    return unverifiable(unknown);
  }
  if (groups.length === 0) {
    return unverifiable('the host has no security group of its own, so it uses the VPC\'s default group, whose egress is not in the template');
  }
  const outcomes: Outcome[] = [];
  const cidrs: string[] = [];
  for (const value of groups) {
    const group = index.target(value);
    if (group?.type !== 'AWS::EC2::SecurityGroup') {
      outcomes.push(unverifiable(`security group ${describe(value)} is not in this stack, so its egress is not known`));
      continue;
    }
    for (const entry of egressOf(group, index)) {
      if (entry.outcome) {
        outcomes.push(entry.outcome);
      } else if (entry.cidr !== undefined) {
        cidrs.push(entry.cidr);
        outcomes.push(isAnywhere(entry.cidr) ? nonCompliant(`${entry.where} allows egress to ${entry.cidr}`) : COMPLIANT);
      }
    }
  }
  const family = coversPublicSpace(cidrs.filter((c) => !isAnywhere(c)));
  if (family) {
    outcomes.push(nonCompliant(`the egress CIDRs ${cidrs.join(', ')} together reach every public IPv${family} address`));
  }
  return worst(outcomes.length ? outcomes : [COMPLIANT]);
}
