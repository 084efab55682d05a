import { isAnywhere, templateCidr } from './cidr';
import { literalCidr } from './ingress';
import { RenderedResource, StackIndex } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable } from './rule';
import { asArray, describe, isIntrinsic, referencedLogicalId } from './values';

/** One way out of a security group, as far as the template shows it. */
export interface EgressEntry {
  /** Where the entry is written, for messages. */
  readonly where: string;
  /** A literal CIDR (or a VPC's literal CidrBlock) the group may send to. */
  readonly cidr?: string;
  /** The judgement of an entry that is not a literal CIDR (another group, a prefix list, a VPC, a token). */
  readonly outcome?: Outcome;
}

/** Egress of a security group of the stack: its inline rules and the AWS::EC2::SecurityGroupEgress resources that target it. */
export function egressOf(group: RenderedResource, index: StackIndex): EgressEntry[] {
  const entries: EgressEntry[] = [];
  const inline = group.properties.SecurityGroupEgress;
  if (inline === undefined) {
    entries.push({ where: `${group.logicalId} (no SecurityGroupEgress: CloudFormation keeps the allow-all rule)`, cidr: '0.0.0.0/0' });
  } else if (isIntrinsic(inline)) {
    entries.push({ where: group.logicalId, outcome: unverifiable(`the egress of ${group.logicalId} is only known at deploy time`) });
  } else {
    asArray(inline).forEach((rule, i) => entries.push(toEntry(rule, `${group.logicalId} SecurityGroupEgress/${i}`, index)));
  }
  for (const standalone of index.groupByReference('AWS::EC2::SecurityGroupEgress', 'GroupId').get(group.logicalId) ?? []) {
    entries.push(toEntry(standalone.properties, standalone.logicalId, index));
  }
  return entries;
}

function toEntry(rule: any, where: string, index: StackIndex): EgressEntry {
  if (isIntrinsic(rule) || rule === null || typeof rule !== 'object') {
    return { where, outcome: unverifiable(`egress rule ${where} is only known at deploy time`) };
  }
  if (rule.DestinationSecurityGroupId !== undefined) {
    return { where, outcome: COMPLIANT };
  }
  if (rule.DestinationPrefixListId !== undefined) {
    return { where, outcome: judgePrefixList(rule.DestinationPrefixListId, where, index) };
  }
  const destination = rule.CidrIp ?? rule.CidrIpv6;
  const cidr = literalCidr(destination, index);
  if (cidr !== undefined) {
    return templateCidr(cidr) ? { where, cidr } : { where, outcome: unverifiable(`egress rule ${where} sends to '${describe(cidr)}', which is not a CIDR`) };
  }
  if (index.target(destination)?.type === 'AWS::EC2::VPC') {
    return { where, outcome: COMPLIANT }; // an address block of a VPC of this stack
  }
  return { where, outcome: unverifiable(`egress rule ${where} sends to ${describe(destination)}, only known at deploy time`) };
}

/** A managed prefix list of the stack must not hold the whole address space; AWS-managed lists (S3, DynamoDB) name services. */
function judgePrefixList(value: unknown, where: string, index: StackIndex): Outcome {
  const id = referencedLogicalId(value);
  const list = id ? index.byLogicalId.get(id) : undefined;
  if (list?.type !== 'AWS::EC2::PrefixList') {
    return COMPLIANT;
  }
  if (isIntrinsic(list.properties.Entries)) {
    return unverifiable(`the entries of prefix list ${list.logicalId} (egress rule ${where}) are only known at deploy time`);
  }
  const open = asArray<any>(list.properties.Entries).find((e) => typeof e?.Cidr === 'string' && isAnywhere(e.Cidr));
  return open ? nonCompliant(`egress rule ${where} sends to prefix list ${list.logicalId}, which holds ${open.Cidr}`) : COMPLIANT;
}
