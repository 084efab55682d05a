import { Stack, Stage, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { parseAllowedNetwork } from '../../tls/private/names';

const FIX = 'Admit a security group (for example the client\'s), or a private CIDR block of a peered network; ' +
  'a public range can only be listed explicitly, with a warning, in TimescaleServiceProps.allowedNetworks.';

/**
 * Connections to a database that is reachable only from private networks (G4): `allowFrom` and the methods
 * built on it (`allowDefaultPortFrom`, `allowFromAnyIpv4`, ...) admit security groups and private CIDR blocks,
 * and refuse `0.0.0.0/0`, `::/0`, public ranges and prefix lists (whose entries cannot be checked at synth).
 * A CIDR that is a token is admitted, as `TimescaleServiceProps.allowedNetworks` admits it; the rules judge the
 * deployed value. Public ranges can still be admitted explicitly, with a warning, through `allowedNetworks`.
 * Refusing here names the call that is wrong; {@link validatePrivateIngress} catches what reaches the group
 * another way.
 */
export class GuardedConnections extends ec2.Connections {
  constructor(private readonly what: string, props: ec2.ConnectionsProps) {
    super(props);
  }

  public allowFrom(other: ec2.IConnectable, portRange: ec2.Port, description?: string): void {
    assertPrivatePeer(this.what, other);
    super.allowFrom(other, portRange, description);
  }
}

function assertPrivatePeer(what: string, other: ec2.IConnectable): void {
  const peer = other as Partial<ec2.IPeer>;
  if (typeof peer.toIngressRuleConfig !== 'function') {
    return; // a construct with security groups: its groups are the sources
  }
  const problem = publicSource(what, peer.toIngressRuleConfig(), []);
  if (problem) {
    throw new Error(`${what}: ${problem}`);
  }
}

/** The source of an ingress rule, as a peer, an inline rule or an ingress resource writes it. */
interface IngressSource {
  readonly cidrIp?: unknown;
  readonly cidrIpv6?: unknown;
  readonly sourcePrefixListId?: unknown;
}

/** What is wrong with one ingress rule's source, or undefined when it is a security group, a private range or allowed. */
function publicSource(what: string, rule: IngressSource, allowed: readonly string[]): string | undefined {
  if (rule.sourcePrefixListId !== undefined) {
    return `refusing the prefix list ${String(rule.sourcePrefixListId)}: its entries cannot be checked at synth, and the ` +
      `database admits private networks only. ${FIX}`;
  }
  const cidr: unknown = rule.cidrIp ?? rule.cidrIpv6;
  if (typeof cidr !== 'string' || Token.isUnresolved(cidr) || allowed.includes(cidr)) {
    return undefined;
  }
  let isPrivate: boolean;
  try {
    isPrivate = parseAllowedNetwork(what, cidr).isPrivate;
  } catch (e) {
    return `refusing '${cidr}': ${(e as Error).message}`;
  }
  if (!isPrivate) {
    return `refusing '${cidr}', which is not a private address range: the database is reachable only from ` +
      `private, peered networks. ${FIX}`;
  }
  return undefined;
}

/**
 * Checks, when the app is synthesized, every ingress rule the endpoint's security group ends up with:
 * `GuardedConnections` refuses public sources as they are added, but rules also reach the group through
 * `securityGroup.addIngressRule`, through another `Connections` that `allowTo`s the service, through peers
 * added after the fact, and through the group imported again by its id. Rules from security groups pass;
 * CIDR blocks must be private, or listed in `allowed` (TimescaleServiceProps.allowedNetworks, admitted with
 * a warning); prefix lists are refused. With `loadBalancer`, the load balancer must keep the endpoint's
 * group as its only one. The rule packs judge the deployed template as well.
 */
export function validatePrivateIngress(
  scope: IConstruct, what: string, securityGroup: ec2.ISecurityGroup, allowed: readonly string[], loadBalancer?: IConstruct,
): void {
  const guard: Guard = { what, securityGroup, allowed };
  scope.node.addValidation({
    validate: () => [
      ...ingressRulesOf(securityGroup).flatMap((rule) => problemsOf(guard, rule)),
      ...(loadBalancer ? otherLoadBalancerGroups(loadBalancer, securityGroup).map((group) =>
        `${what}: the load balancer ${loadBalancer.node.path} has the security group ${group} besides the endpoint's: its ` +
        'ingress is not checked. Admit clients through TimescaleService.connections, which keeps the endpoint\'s group the only one.') : []),
    ],
  });
  // Ingress resources elsewhere that name the group by its id (the group imported again): one walk of
  // the tree for every guarded group of the stage.
  const stage = Stage.of(scope) ?? scope.node.root;
  let guards = GUARDS.get(stage);
  if (!guards) {
    const all: Guard[] = [];
    guards = all;
    GUARDS.set(stage, all);
    stage.node.addValidation({ validate: () => ingressElsewhere(stage, all) });
  }
  guards.push(guard);
}

interface Guard {
  readonly what: string;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly allowed: readonly string[];
}

const GUARDS = new WeakMap<IConstruct, Guard[]>();

function problemsOf(guard: Guard, rule: IngressSource): string[] {
  const problem = publicSource(guard.what, rule, guard.allowed);
  return problem ? [`${guard.what}: the security group ${guard.securityGroup.node.path} has an ingress rule ${problem}`] : [];
}

/** Ingress resources outside the guarded groups' own trees whose GroupId is one of them. */
function ingressElsewhere(stage: IConstruct, guards: readonly Guard[]): string[] {
  const problems: string[] = [];
  for (const child of stage.node.findAll()) {
    if (!(child instanceof ec2.CfnSecurityGroupIngress)) {
      continue;
    }
    for (const guard of guards) {
      const group = guard.securityGroup;
      if (child.node.path.startsWith(`${group.node.path}/`) || !sameGroup(child, group)) {
        continue; // its own ingress resources are read by ingressRulesOf
      }
      problems.push(...problemsOf(guard, resolvedSource(child)).map((p) => `${p} (${child.node.path})`));
    }
  }
  return problems;
}

/** Whether an ingress resource's GroupId is the group: the same value, or the same reference once resolved in its stack. */
function sameGroup(ingress: ec2.CfnSecurityGroupIngress, group: ec2.ISecurityGroup): boolean {
  if (ingress.groupId === undefined) {
    return false;
  }
  if (ingress.groupId === group.securityGroupId) {
    return true;
  }
  const stack = Stack.of(ingress);
  return stack === Stack.of(group) && JSON.stringify(stack.resolve(ingress.groupId)) === JSON.stringify(stack.resolve(group.securityGroupId));
}

function resolvedSource(ingress: ec2.CfnSecurityGroupIngress): IngressSource {
  const stack = Stack.of(ingress);
  return {
    cidrIp: stack.resolve(ingress.cidrIp),
    cidrIpv6: stack.resolve(ingress.cidrIpv6),
    sourcePrefixListId: stack.resolve(ingress.sourcePrefixListId),
  };
}

/** Security groups of the load balancer other than the endpoint's. */
function otherLoadBalancerGroups(loadBalancer: IConstruct, securityGroup: ec2.ISecurityGroup): string[] {
  const cfn = loadBalancer.node.defaultChild;
  if (!(cfn instanceof elbv2.CfnLoadBalancer)) {
    return [];
  }
  const stack = Stack.of(loadBalancer);
  const own = JSON.stringify(stack.resolve(securityGroup.securityGroupId));
  const groups: unknown = stack.resolve(cfn.securityGroups);
  return (Array.isArray(groups) ? groups : []).map((g) => JSON.stringify(g)).filter((g) => g !== own);
}

/** The group's inline rules and the separate ingress resources made for it (an imported group's, or a disableInlineRules group's). */
function ingressRulesOf(securityGroup: ec2.ISecurityGroup): IngressSource[] {
  const stack = Stack.of(securityGroup);
  const rules: IngressSource[] = [];
  const group = securityGroup.node.defaultChild;
  if (group instanceof ec2.CfnSecurityGroup) {
    rules.push(...asList(stack.resolve(group.securityGroupIngress)));
  }
  for (const child of securityGroup.node.findAll()) {
    if (child instanceof ec2.CfnSecurityGroupIngress) {
      rules.push(resolvedSource(child));
    }
  }
  return rules;
}

function asList(value: unknown): IngressSource[] {
  return Array.isArray(value) ? value.filter((v) => v !== null && typeof v === 'object') : [];
}
