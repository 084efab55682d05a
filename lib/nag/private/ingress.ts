import { RenderedResource, StackIndex } from './rendered';
import { asArray, referencedAttribute, referencedLogicalId } from './values';

export interface IngressRule {
  /** Literal CIDR, or undefined when the source is a security group / prefix list / unresolved. */
  readonly cidr?: string;
  /** The raw source value when it could not be resolved to a literal CIDR. */
  readonly unresolvedSource?: unknown;
  /** Source is another security group or a prefix list (not a CIDR). */
  readonly sourceKind: 'cidr' | 'group' | 'prefix-list' | 'unresolved';
  readonly fromPort: number;
  readonly toPort: number;
  readonly allPorts: boolean;
  readonly portsUnresolved: boolean;
}

/** Inline `SecurityGroupIngress` of a group, or the standalone `AWS::EC2::SecurityGroupIngress`. */
export function ingressRules(resource: RenderedResource, index: StackIndex): IngressRule[] | undefined {
  if (resource.type === 'AWS::EC2::SecurityGroup') {
    return asArray(resource.properties.SecurityGroupIngress).map((r) => toRule(r, index));
  }
  if (resource.type === 'AWS::EC2::SecurityGroupIngress') {
    return [toRule(resource.properties, index)];
  }
  return undefined;
}

function toRule(raw: any, index: StackIndex): IngressRule {
  const protocol = String(raw.IpProtocol ?? '-1');
  const allPorts = protocol === '-1' || protocol === 'all';
  const from = raw.FromPort;
  const to = raw.ToPort;
  const portsUnresolved = !allPorts && (typeof from !== 'number' || typeof to !== 'number');
  const ports = {
    fromPort: allPorts || typeof from !== 'number' || from < 0 ? 0 : from,
    toPort: allPorts || typeof to !== 'number' || to < 0 ? 65535 : to,
    allPorts,
    portsUnresolved,
  };
  if (raw.SourceSecurityGroupId !== undefined || raw.SourceSecurityGroupName !== undefined) {
    return { sourceKind: 'group', ...ports };
  }
  if (raw.SourcePrefixListId !== undefined) {
    return { sourceKind: 'prefix-list', unresolvedSource: raw.SourcePrefixListId, ...ports };
  }
  const source = raw.CidrIp ?? raw.CidrIpv6;
  const cidr = literalCidr(source, index);
  return cidr !== undefined ? { sourceKind: 'cidr', cidr, ...ports } : { sourceKind: 'unresolved', unresolvedSource: source, ...ports };
}

/** A literal CIDR, or the literal `CidrBlock` of a VPC of the same stack (`Fn::GetAtt Vpc.CidrBlock`). */
export function literalCidr(value: unknown, index: StackIndex): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  const id = referencedLogicalId(value);
  const target = id ? index.byLogicalId.get(id) : undefined;
  if (target?.type === 'AWS::EC2::VPC' && referencedAttribute(value) === 'CidrBlock' && typeof target.properties.CidrBlock === 'string') {
    return target.properties.CidrBlock;
  }
  return undefined;
}

export function coversPort(rule: IngressRule, port: number): boolean {
  return rule.allPorts || (rule.fromPort <= port && port <= rule.toPort);
}
