import { Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { contains, Ipv4Range, parseIpv4Cidr, parsePeerCidr } from './private/cidr';
import { PeeringDnsResolution, PeeringSide } from './private/peering-dns';
import { ServiceNetwork } from './service-network';
import { assertInRange } from '../private/validation';

/**
 * The customer side of a peering: who the customer is and which of their networks reach the database.
 */
export interface CustomerPeeringOptions {
  /**
   * A short name for the customer, unique on the network. It names the peering connection and every
   * route and security group rule made for this customer.
   *
   * Letters, digits, spaces, '.', '_' and '-'; at most 64 characters.
   */
  readonly customerName: string;

  /** The id of the customer's VPC, e.g. 'vpc-0a1b2c3d4e5f67890'. */
  readonly peerVpcId: string;

  /**
   * The customer CIDR blocks that may reach the database: the customer VPC's primary and secondary
   * blocks, or smaller blocks within them (e.g. only the subnets of their application).
   *
   * Routes to exactly these blocks are added to the database subnets' route tables, and the database
   * security group admits the database port from exactly these blocks. Each must be /16 or smaller
   * (no VPC block is larger), must not overlap the service network, each other, or another customer's
   * blocks on the same network. Unresolved tokens are accepted but cannot be checked at synth.
   */
  readonly peerCidrs: string[];

  /**
   * The customer VPC's own CIDR blocks (primary and secondary), when known. Every entry of `peerCidrs`
   * must then lie within one of them, so a typo cannot route a range the customer VPC does not hold.
   *
   * @default - `peerCidrs` are only checked against the largest possible VPC block (/16)
   */
  readonly peerVpcCidrs?: string[];

  /**
   * The AWS account that owns the customer VPC.
   *
   * Set it only for a cross-account peering: a peering whose `peerOwnerId` differs from this stack's
   * account (or whose stack account is not known at synth) is treated as cross-account and needs
   * `peerRoleArn`.
   *
   * @default - the customer VPC is in this stack's account
   */
  readonly peerOwnerId?: string;

  /**
   * The Region of the customer VPC.
   *
   * @default - this stack's Region
   */
  readonly peerRegion?: string;

  /**
   * The role in the customer account that accepts the peering: the `CustomerPeeringAccepter`'s
   * `role.roleArn`, deployed by the customer first. Required for a cross-account peering, refused for a
   * same-account one. The customer's acceptance is what lets this service into their network.
   *
   * @default - none: same-account peerings are accepted by CloudFormation with the deployer's rights
   */
  readonly peerRoleArn?: string;

}

/**
 * Properties of a `CustomerPeering`.
 */
export interface CustomerPeeringProps extends CustomerPeeringOptions {
  /** The service network to peer from. */
  readonly network: ServiceNetwork;

  /** The security group of the database hosts. It gets one ingress rule per entry of `peerCidrs`. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;

  /**
   * The TCP port the database listens on.
   *
   * @default 5432
   */
  readonly databasePort?: number;
}

/**
 * A VPC peering connection from the service network to one customer VPC, in this or another account
 * and Region.
 *
 * - Routes to exactly the customer's CIDR blocks, only in the database subnets' route tables; never a
 *   default route. Peering is not transitive, and routes to one customer are never added towards
 *   another, so customers on one network cannot reach each other.
 * - One database security group ingress rule per customer CIDR block, on the database port only,
 *   described with the customer's name.
 * - `AllowDnsResolutionFromRemoteVpc` on the service (requester) side, through a custom resource
 *   calling `ModifyVpcPeeringConnectionOptions` with a grant scoped to this peering connection. For a
 *   cross-account or cross-Region peering the customer sets the accepter side with
 *   `CustomerPeeringAccepter`.
 * - Overlapping CIDR blocks (with the service network, within the customer's blocks, or with another
 *   customer on the same network) fail at synth, naming both blocks.
 */
export class CustomerPeering extends Construct {
  /** The peering connection. */
  public readonly peeringConnection: ec2.CfnVPCPeeringConnection;

  /** The id of the peering connection (`pcx-...`), to hand to the customer for their routes. */
  public readonly vpcPeeringConnectionId: string;

  /** The customer CIDR blocks routed and admitted. */
  public readonly peerCidrs: string[];

  /** The database port admitted from the customer. */
  public readonly databasePort: number;

  constructor(scope: Construct, id: string, props: CustomerPeeringProps) {
    super(scope, id);
    const name = validateCustomerName(props.customerName);
    const port = props.databasePort ?? 5432;
    assertInRange('CustomerPeeringProps.databasePort', port, 1, 65535);
    validatePeerIdentity(Stack.of(this), props);

    if (props.peerCidrs.length === 0) {
      throw new Error('CustomerPeeringProps.peerCidrs is empty. Pass the customer VPC\'s CIDR blocks (primary and any secondary).');
    }
    const ranges = props.peerCidrs
      .map((cidr, i) => parsePeerCidr(`CustomerPeeringProps.peerCidrs[${i}]`, cidr))
      .filter((r): r is Ipv4Range => r !== undefined);
    if (props.peerVpcCidrs) {
      assertWithinPeerVpc(name, ranges, props.peerVpcCidrs);
    }
    props.network._registerCustomerCidrs(name, ranges);

    this.peerCidrs = [...props.peerCidrs];
    this.databasePort = port;
    this.peeringConnection = new ec2.CfnVPCPeeringConnection(this, 'Resource', {
      vpcId: props.network.vpc.vpcId,
      peerVpcId: props.peerVpcId,
      peerOwnerId: props.peerOwnerId,
      peerRegion: props.peerRegion,
      peerRoleArn: props.peerRoleArn,
    });
    Tags.of(this.peeringConnection).add('Name', `timescale-${name}`);
    Tags.of(this.peeringConnection).add('timescale:customer', name);
    this.vpcPeeringConnectionId = this.peeringConnection.ref;

    // Only the database route tables learn the customer's blocks, and only these blocks.
    props.network.databaseRouteTableIds.forEach((routeTableId, t) => {
      props.peerCidrs.forEach((cidr, c) => {
        new ec2.CfnRoute(this, `Route${t}To${cidrLabel(cidr, c)}`, {
          routeTableId,
          destinationCidrBlock: cidr,
          vpcPeeringConnectionId: this.vpcPeeringConnectionId,
        });
      });
    });

    props.peerCidrs.forEach((cidr, c) => {
      new ec2.CfnSecurityGroupIngress(this, `DatabaseIngress${cidrLabel(cidr, c)}`, {
        groupId: props.databaseSecurityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrIp: cidr,
        description: `Customer ${name}: database port from peered CIDR ${Token.isUnresolved(cidr) ? c : cidr}`,
      });
    });

    new PeeringDnsResolution(this, 'DnsResolution', {
      vpcPeeringConnectionId: this.vpcPeeringConnectionId,
      side: PeeringSide.REQUESTER,
      localVpcArn: Stack.of(this).formatArn({ service: 'ec2', resource: 'vpc', resourceName: props.network.vpc.vpcId }),
      logsKey: props.network.logsKey,
    });
  }
}

const CUSTOMER_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

function validateCustomerName(name: string): string {
  if (Token.isUnresolved(name) || !CUSTOMER_NAME.test(name)) {
    throw new Error(
      `CustomerPeeringProps.customerName must be a literal of 1 to 64 letters, digits, spaces, '.', '_' or '-' starting with a letter or digit; got '${name}'. ` +
      'It names the customer in routes, tags and security group rule descriptions.',
    );
  }
  return name;
}

function validatePeerIdentity(stack: Stack, props: CustomerPeeringProps): void {
  const { peerOwnerId, peerRoleArn, peerVpcId, peerRegion } = props;
  if (!Token.isUnresolved(peerVpcId) && !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(peerVpcId)) {
    throw new Error(`CustomerPeeringProps.peerVpcId must be a VPC id such as 'vpc-0a1b2c3d4e5f67890'; got '${peerVpcId}'.`);
  }
  if (peerOwnerId !== undefined && !Token.isUnresolved(peerOwnerId) && !/^\d{12}$/.test(peerOwnerId)) {
    throw new Error(`CustomerPeeringProps.peerOwnerId must be a 12-digit AWS account id; got '${peerOwnerId}'.`);
  }
  if (peerRegion !== undefined && !Token.isUnresolved(peerRegion) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(peerRegion)) {
    throw new Error(`CustomerPeeringProps.peerRegion must be an AWS Region name such as 'eu-west-1'; got '${peerRegion}'.`);
  }
  const crossAccount = peerOwnerId !== undefined && peerOwnerId !== stack.account;
  if (!crossAccount && peerRoleArn !== undefined) {
    throw new Error(
      `CustomerPeeringProps.peerRoleArn was given ('${peerRoleArn}') for a same-account peering ` +
      `(peerOwnerId ${peerOwnerId === undefined ? 'not set' : `'${peerOwnerId}' is this stack's account`}). ` +
      'A peer role is only used to accept a peering in another account: remove peerRoleArn, or set peerOwnerId to the customer\'s account.',
    );
  }
  if (crossAccount && peerRoleArn === undefined) {
    throw new Error(
      `CustomerPeeringProps.peerRoleArn is required for a cross-account peering (peerOwnerId '${peerOwnerId}'). ` +
      'The customer deploys CustomerPeeringAccepter in their account and gives you its role ARN; pass it as peerRoleArn.',
    );
  }
  if (peerRoleArn !== undefined && !Token.isUnresolved(peerRoleArn)) {
    const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/.+$/.exec(peerRoleArn);
    if (!match) {
      throw new Error(`CustomerPeeringProps.peerRoleArn must be an IAM role ARN such as 'arn:aws:iam::111122223333:role/name'; got '${peerRoleArn}'.`);
    }
    if (!Token.isUnresolved(peerOwnerId!) && match[1] !== peerOwnerId) {
      throw new Error(
        `CustomerPeeringProps.peerRoleArn '${peerRoleArn}' is in account ${match[1]}, but peerOwnerId is '${peerOwnerId}'. ` +
        'The accepter role must be in the account that owns the customer VPC.',
      );
    }
  }
}

function assertWithinPeerVpc(customerName: string, ranges: Ipv4Range[], peerVpcCidrs: string[]): void {
  const vpcRanges = peerVpcCidrs
    .map((cidr, i) => parseIpv4Cidr(`CustomerPeeringProps.peerVpcCidrs[${i}]`, cidr))
    .filter((r): r is Ipv4Range => r !== undefined);
  if (vpcRanges.length < peerVpcCidrs.length) {
    return; // a token among the VPC blocks: containment cannot be judged at synth
  }
  for (const range of ranges) {
    if (!vpcRanges.some((vpcRange) => contains(vpcRange, range))) {
      throw new Error(
        `CustomerPeering '${customerName}': peer CIDR '${range.cidr}' is larger than or outside the customer VPC (${peerVpcCidrs.join(', ')}). ` +
        'Route only blocks the customer VPC holds: use its CIDR blocks or subnets within them.',
      );
    }
  }
}

/** A construct-id fragment naming a CIDR block ('10.1.0.0/16' -> '10-1-0-0-16'); tokens fall back to their index. */
function cidrLabel(cidr: string, index: number): string {
  return Token.isUnresolved(cidr) ? `Cidr${index}` : cidr.replace(/[./]/g, '-');
}
