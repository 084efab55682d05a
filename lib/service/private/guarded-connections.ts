import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
 * `securityGroup.addIngressRule`, through another `Connections` that `allowTo`s the service, and
 * through peers added after the fact. Rules from security groups pass; CIDR blocks must be private,
 * or listed in `allowed` (TimescaleServiceProps.allowedNetworks, admitted with a warning); prefix
 * lists are refused. The rule packs judge the deployed template as well.
 */
export function validatePrivateIngress(scope: IConstruct, what: string, securityGroup: ec2.ISecurityGroup, allowed: readonly string[]): void {
  scope.node.addValidation({
    validate: () => ingressRulesOf(securityGroup)
      .map((rule) => publicSource(what, rule, allowed))
      .filter((problem): problem is string => problem !== undefined)
      .map((problem) => `${what}: the security group ${securityGroup.node.path} has an ingress rule ${problem}`),
  });
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
      rules.push({ cidrIp: child.cidrIp, cidrIpv6: child.cidrIpv6, sourcePrefixListId: child.sourcePrefixListId });
    }
  }
  return rules;
}

function asList(value: unknown): IngressSource[] {
  return Array.isArray(value) ? value.filter((v) => v !== null && typeof v === 'object') : [];
}
