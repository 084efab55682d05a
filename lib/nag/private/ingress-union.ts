import { coversPublicSpace } from './cidr';
import { IngressRule, ingressRules } from './ingress';
import { RenderedResource, StackIndex } from './rendered';
import { asArray, isIntrinsic, referencedLogicalId } from './values';

/** One ingress entry of a security group, with where it is written. */
interface Member {
  readonly resource: RenderedResource;
  readonly rule: IngressRule;
  /** `all`, or the protocol as CloudFormation names it (`tcp`, `udp`, `icmp`, a number). */
  readonly protocol: string;
}

/** Ingress CIDRs of one security group that together reach every public address on one protocol and port. */
export interface OpenUnion {
  readonly family: 4 | 6;
  readonly protocol: string;
  readonly port: number;
  readonly cidrs: string[];
  /** Logical ids of the resources that wrote the entries. */
  readonly members: Set<string>;
}

const PROTOCOLS: { [key: string]: string } = { '-1': 'all', 'all': 'all', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

function protocolOf(raw: any): string {
  const text = String(raw?.IpProtocol ?? '-1').toLowerCase();
  return PROTOCOLS[text] ?? text;
}

/**
 * The literal CIDRs of a managed prefix list of this stack; `unknown` when its entries are only known at
 * deploy time; undefined when the list is not defined in this stack (an AWS-managed service list, or one
 * shared from elsewhere).
 */
export function prefixListCidrs(value: unknown, index: StackIndex): string[] | 'unknown' | undefined {
  const list = index.target(value);
  if (list?.type !== 'AWS::EC2::PrefixList') {
    return undefined;
  }
  const entries = list.properties.Entries;
  if (isIntrinsic(entries) || asArray<any>(entries).some((e) => typeof e?.Cidr !== 'string')) {
    return 'unknown';
  }
  return asArray<any>(entries).map((e) => e.Cidr as string);
}

/** An entry whose source is a prefix list of this stack stands for one entry per CIDR of the list. */
function expand(member: Member, index: StackIndex): Member[] {
  if (member.rule.sourceKind !== 'prefix-list') {
    return [member];
  }
  const cidrs = prefixListCidrs(member.rule.unresolvedSource, index);
  return Array.isArray(cidrs) ? cidrs.map((cidr) => ({ ...member, rule: { ...member.rule, sourceKind: 'cidr', cidr } })) : [member];
}

/**
 * The security group an ingress resource adds to: the logical id of a group of this stack, or the
 * literal group id / name of one defined elsewhere. Undefined when only known at deploy time
 * (then the resource is judged on its own).
 */
function groupKey(r: RenderedResource): string | undefined {
  if (r.type === 'AWS::EC2::SecurityGroup') {
    return r.logicalId;
  }
  const { GroupId: id, GroupName: name } = r.properties;
  const ref = referencedLogicalId(id);
  if (ref !== undefined) {
    return ref;
  }
  return typeof id === 'string' ? `id:${id}` : typeof name === 'string' ? `name:${name}` : undefined;
}

function membersOf(r: RenderedResource, rules: IngressRule[], index: StackIndex): Member[] {
  const raws = r.type === 'AWS::EC2::SecurityGroup' ? asArray(r.properties.SecurityGroupIngress) : [r.properties];
  return rules.flatMap((rule, i) => expand({ resource: r, rule, protocol: protocolOf(raws[i]) }, index));
}

/** Ingress entries of every security group of the stack, inline and standalone (built once per index). */
function membersByGroup(index: StackIndex): Map<string, Member[]> {
  return index.memo('ingress-members-by-group', () => {
    const out = new Map<string, Member[]>();
    for (const r of [...index.byType('AWS::EC2::SecurityGroup'), ...index.byType('AWS::EC2::SecurityGroupIngress')]) {
      const key = groupKey(r);
      const rules = ingressRules(r, index);
      if (key === undefined || !rules) {
        continue;
      }
      const members = membersOf(r, rules, index);
      const list = out.get(key);
      list ? list.push(...members) : out.set(key, members);
    }
    return out;
  });
}

/**
 * The first protocol and port on which the group's literal CIDRs together reach every public
 * address, e.g. `0.0.0.0/1` and `128.0.0.0/1` on 5432. The set of entries that admit a port only
 * changes where an entry's range starts, so only those ports are tried: quadratic in the entries of
 * one group, linear in the groups of the stack.
 */
function findOpenUnion(members: Member[]): OpenUnion | undefined {
  const literal = members.filter((m) => m.rule.sourceKind === 'cidr' && !m.rule.portsUnresolved);
  const tried = new Set<string>();
  for (const candidate of literal) {
    const key = `${candidate.protocol}/${candidate.rule.fromPort}`;
    if (tried.has(key)) {
      continue;
    }
    tried.add(key);
    const port = candidate.rule.fromPort;
    const admitting = literal.filter((m) => (m.protocol === 'all' || m.protocol === candidate.protocol) &&
      (m.rule.allPorts || (m.rule.fromPort <= port && port <= m.rule.toPort)));
    const cidrs = admitting.map((m) => m.rule.cidr!);
    const family = coversPublicSpace(cidrs);
    if (family) {
      return {
        family,
        protocol: candidate.protocol,
        port,
        cidrs,
        members: new Set(admitting.map((m) => m.resource.logicalId)),
      };
    }
  }
  return undefined;
}

/**
 * The open union of the security group `r` belongs to (a group, or a standalone ingress of one),
 * if its CIDRs together reach every public address and `r` is the group or wrote one of them.
 */
export function openIngressUnion(r: RenderedResource, index: StackIndex): OpenUnion | undefined {
  const key = groupKey(r);
  let union: OpenUnion | undefined;
  if (key === undefined) {
    union = findOpenUnion((ingressRules(r, index) ?? []).flatMap((rule) => expand({ resource: r, rule, protocol: protocolOf(r.properties) }, index)));
  } else if (index.isAsWritten(r)) {
    union = index.memo(`open-ingress-union:${key}`, () => findOpenUnion(membersByGroup(index).get(key) ?? []));
  } else {
    // One way `r` can be deployed (an Fn::If branch, a parameter's value): its own entries as that
    // version writes them, with the group's other entries as written.
    const others = (membersByGroup(index).get(key) ?? []).filter((m) => m.resource.logicalId !== r.logicalId);
    union = findOpenUnion([...others, ...membersOf(r, ingressRules(r, index) ?? [], index)]);
  }
  if (!union) {
    return undefined;
  }
  return r.type === 'AWS::EC2::SecurityGroup' || union.members.has(r.logicalId) ? union : undefined;
}

/** `tcp port 5432`, `all traffic`, for messages. */
export function describeUnion(u: OpenUnion): string {
  const what = u.protocol === 'all' ? 'all traffic' : `${u.protocol} port ${u.port}`;
  return `${u.cidrs.join(' + ')} together admit every public IPv${u.family} address on ${what}`;
}
