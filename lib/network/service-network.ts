import { Annotations, Aws, Fn, Lazy, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { assertNoOverlap, Ipv4Range, overlaps, parseIpv4Cidr } from './private/cidr';
import { ALLOW_RULE_PRIORITY, allowedDomain, ASSOCIATION_PRIORITY, awsServiceDomains, BLOCK_RULE_PRIORITY } from './private/dns-firewall';
import { providerLogGroup } from './private/peering-dns';
import { resolvedKey, uniqueByResolved } from './private/tokens';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { assertInRange } from '../private/validation';

/**
 * Properties of a `ServiceNetwork`.
 */
export interface ServiceNetworkProps {
  /**
   * The customer-managed KMS key that encrypts the VPC flow log group.
   *
   * Its key policy must let `logs.<region>.amazonaws.com` use it (the `ServiceKeys.logsKey` does).
   */
  readonly logsKey: kms.IKey;

  /**
   * An existing VPC to use instead of creating one.
   *
   * The construct then adds the endpoints, flow logs and checks to it. Subnets chosen with
   * `databaseSubnets` must not be public: a subnet of type PUBLIC is refused, and for a VPC defined in
   * the same CDK app a subnet whose route table has a route to an internet gateway is refused at synth.
   * For an imported VPC (`Vpc.fromVpcAttributes`, `Vpc.fromLookup`) the routes are not in the app, so
   * only the subnet type can be checked: make sure the route tables of the chosen subnets have no
   * internet gateway route.
   *
   * @default - a new VPC with isolated database subnets only
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets that hold the database hosts, the interface endpoints and the peering routes.
   *
   * @default - the PRIVATE_ISOLATED subnets of `vpc` (or the database subnets of the new VPC)
   */
  readonly databaseSubnets?: ec2.SubnetSelection;

  /**
   * The IPv4 CIDR block of the new VPC. Customer VPCs peered with the service must not overlap it.
   *
   * Only used when the construct creates the VPC.
   *
   * @default '10.80.0.0/16'
   */
  readonly cidr?: string;

  /**
   * How many Availability Zones the new VPC spans (one database subnet in each).
   *
   * Only used when the construct creates the VPC.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * Give the database subnets outbound internet access through a NAT gateway.
   *
   * The service needs no internet access: AWS APIs are reached through VPC endpoints and Amazon Linux
   * packages through the S3 gateway endpoint. Enable this only if the hosts must fetch software from
   * elsewhere. It adds public subnets (which never map public IPs) holding one NAT gateway and an
   * internet gateway; the database subnets stay private (no public addresses, no inbound path from the
   * internet) but gain a default route to the NAT gateway. A warning is added to the construct.
   *
   * Only used when the construct creates the VPC.
   *
   * @default false
   */
  readonly egress?: boolean;

  /**
   * How long VPC flow log records are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Interface endpoints to add besides the ones the hosts need (SSM, SSM messages, EC2 messages, KMS,
   * Secrets Manager, CloudWatch Logs, STS, CloudFormation). They get the same security group, private
   * DNS and account-scoped endpoint policy.
   *
   * @default - none
   */
  readonly additionalInterfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];

  /**
   * Filter the DNS queries of the VPC with Route 53 Resolver DNS Firewall: names the service uses are
   * answered, every other name gets an empty answer (NODATA).
   *
   * A network without an internet route can still send data out in DNS queries for names under a
   * domain someone else's name server answers. The firewall allows only the private DNS names of the
   * interface endpoints (`<service>.<region>.amazonaws.com`), Amazon S3's names in the Region (virtual-hosted,
   * dual-stack and the legacy forms CloudFormation presigns), EC2's internal host names
   * (`<region>.compute.internal`, `ec2.internal`), and `allowedDomains`. The rule group is
   * `dnsFirewallRuleGroup`. Turning the firewall off adds a warning.
   *
   * @default true
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html
   */
  readonly dnsFirewall?: boolean;

  /**
   * Domains the DNS firewall answers besides the AWS names the network uses: the service's own name
   * if the hosts resolve it, or the private DNS name of an additional endpoint that is not of the form
   * `<service>.<region>.amazonaws.com`.
   *
   * `db.example.com` allows that name only; `*.example.com` allows every name under `example.com` but
   * not `example.com` itself. Letters, digits, hyphens and dots, at most 255 characters, `*.` only at
   * the start; case and a trailing dot are ignored. `*` alone is refused: it would allow every name.
   *
   * @default - none
   */
  readonly allowedDomains?: string[];
}

/** One customer's registered CIDR block, for overlap checks across the customers of one network. */
interface RegisteredCidr {
  readonly customerName: string;
  readonly range: Ipv4Range;
}

/**
 * The private network of the database service.
 *
 * By default a new VPC with only isolated database subnets: no internet gateway, no NAT, no public IPs.
 * The hosts reach AWS APIs through interface endpoints (private DNS on, reachable on 443 only from the
 * VPC, endpoint policies limited to principals of this account) and Amazon S3 through a gateway
 * endpoint (principals of this account to buckets of this account, unsigned reads of named AWS-owned
 * buckets, replies to CloudFormation's response bucket). A Route 53 Resolver DNS Firewall answers only
 * the names the service uses. All traffic is recorded by VPC flow logs in a KMS-encrypted, retained log
 * group, and the VPC's default security group is emptied.
 *
 * Customers reach the service only through `CustomerPeering` connections to this network.
 */
export class ServiceNetwork extends Construct {
  /** The CIDR block of a new service VPC when none is given. */
  public static readonly DEFAULT_CIDR = '10.80.0.0/16';

  /** The interface endpoints every service network gets: the AWS APIs the database hosts call. */
  public static readonly REQUIRED_INTERFACE_ENDPOINTS: ec2.InterfaceVpcEndpointAwsService[] = [
    ec2.InterfaceVpcEndpointAwsService.SSM,
    ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
    ec2.InterfaceVpcEndpointAwsService.KMS,
    ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    // The hosts' CloudWatch agent publishes the data and WAL volumes' free space.
    ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    ec2.InterfaceVpcEndpointAwsService.STS,
    // cfn-init reads the host's metadata and cfn-signal reports boot success through this API.
    ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION,
  ];

  /**
   * CloudFormation's bucket for custom resource responses in a Region is this prefix followed by the
   * Region's name without dashes (`...-euwest1`).
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/vpc-interface-endpoints.html
   */
  public static readonly CUSTOM_RESOURCE_RESPONSE_BUCKET_PREFIX = 'cloudformation-custom-resource-response-';

  /** The service VPC. */
  public readonly vpc: ec2.IVpc;

  /** The database subnets: hosts, interface endpoints and peering routes live here. */
  public readonly databaseSubnets: ec2.SelectedSubnets;

  /**
   * The primary IPv4 CIDR block of the VPC: a literal when it is known at synth (a new VPC, or one
   * defined in the same app), otherwise a token.
   */
  public readonly vpcCidrBlock: string;

  /** The route table ids of the database subnets (deduplicated). */
  public readonly databaseRouteTableIds: string[];

  /** The security group of the interface endpoints: HTTPS from the VPC CIDR only. */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;

  /** The interface endpoints, in the order of `REQUIRED_INTERFACE_ENDPOINTS` then the additional ones. */
  public readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[];

  /** The S3 gateway endpoint on the database subnets' route tables. */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;

  /**
   * The DNS firewall rule group associated with the VPC; undefined when `dnsFirewall` is false.
   *
   * Its rule of priority 100 allows the names the network uses and those given to `allowedDomains` or
   * `allowDomains()`; its rule of priority 200 blocks every other name with NODATA. To add a rule, set
   * `firewallRules` to the existing rules plus yours: with a priority below 100 it acts before the allow
   * list (to block or alert on an allowed name), between 100 and 200 on names the allow list does not hold.
   */
  public readonly dnsFirewallRuleGroup?: route53resolver.CfnFirewallRuleGroup;

  /**
   * The association of the DNS firewall with the VPC; undefined when `dnsFirewall` is false. Hosts
   * should depend on it, so that they never resolve a name before the firewall is in place.
   */
  public readonly dnsFirewallAssociation?: route53resolver.CfnFirewallRuleGroupAssociation;

  /** The log group receiving the VPC flow logs. */
  public readonly flowLogGroup: logs.ILogGroup;

  /** The customer-managed key of the network's log groups (also used by `CustomerPeering`'s custom resource logs). */
  public readonly logsKey: kms.IKey;

  private readonly vpcRange?: Ipv4Range;
  private readonly endpointsByService = new Map<string, ec2.InterfaceVpcEndpoint>();
  private readonly registeredCidrs: RegisteredCidr[] = [];
  private s3PrefixListLookup?: cr.AwsCustomResource;
  private readonly firewallDomains = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceNetworkProps) {
    super(scope, id);
    assertCustomerManagedKey(props.logsKey, 'ServiceNetworkProps.logsKey');
    this.logsKey = props.logsKey;

    if (props.vpc) {
      const given = (['cidr', 'maxAzs', 'egress'] as const).filter((name) => props[name] !== undefined);
      if (given.length > 0) {
        throw new Error(
          `ServiceNetworkProps.${given.join(', ')} only apply to a VPC the construct creates, but an existing vpc was also given. ` +
          'Remove them, or remove vpc to let ServiceNetwork create the VPC.',
        );
      }
      this.vpc = props.vpc;
      this.databaseSubnets = this.selectDatabaseSubnets(props);
      this.vpcCidrBlock = knownCidrOf(props.vpc);
    } else {
      const cidr = props.cidr ?? ServiceNetwork.DEFAULT_CIDR;
      const range = parseIpv4Cidr('ServiceNetworkProps.cidr', cidr);
      if (range && (range.prefix < 16 || range.prefix > 24)) {
        throw new Error(
          `ServiceNetworkProps.cidr must be a /16 to /24 block (a VPC is at most /16, and each Availability Zone needs a /27 or larger subnet); got '${cidr}'.`,
        );
      }
      const maxAzs = props.maxAzs ?? 2;
      assertInRange('ServiceNetworkProps.maxAzs', maxAzs, 1, 6, 'Availability Zones');
      this.vpc = this.createVpc(cidr, maxAzs, props.egress ?? false);
      this.vpcCidrBlock = cidr;
      this.databaseSubnets = this.selectDatabaseSubnets(props);
    }
    this.vpcRange = parseIpv4Cidr('ServiceNetwork VPC CIDR', this.vpcCidrBlock);
    this.databaseRouteTableIds = uniqueByResolved(this, this.databaseSubnets.subnets.map((s) => s.routeTable.routeTableId));

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'VPC interface endpoints: HTTPS from inside the service VPC only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS from the service VPC');

    // An additional endpoint that is also required is created once (CloudWatch monitoring became required later).
    const required = new Set(ServiceNetwork.REQUIRED_INTERFACE_ENDPOINTS.map((service) => service.shortName));
    const services = [
      ...ServiceNetwork.REQUIRED_INTERFACE_ENDPOINTS,
      ...(props.additionalInterfaceEndpoints ?? []).filter((service) => !required.has(service.shortName)),
    ];
    this.interfaceEndpoints = services.map((service) => {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, endpointId(service), {
        vpc: this.vpc,
        service,
        privateDnsEnabled: true,
        subnets: { subnets: this.databaseSubnets.subnets, onePerAz: true },
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
      endpoint.addToPolicy(accountPrincipalsOnly());
      this.endpointsByService.set(service.shortName, endpoint);
      return endpoint;
    });

    this.s3Endpoint = new ec2.GatewayVpcEndpoint(this, 'S3Endpoint', {
      vpc: this.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnets: this.databaseSubnets.subnets }],
    });
    // Principals of this account reach buckets of this account only: a bucket in another account
    // (which anyone can own) is no way out of the VPC, whatever the principal's IAM allows.
    this.s3Endpoint.addToPolicy(new iam.PolicyStatement({
      sid: 'AllowThisAccountToItsOwnBuckets',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [`arn:${Aws.PARTITION}:s3:::*`, `arn:${Aws.PARTITION}:s3:::*/*`],
      conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID, 'aws:ResourceAccount': Aws.ACCOUNT_ID } },
    }));
    // dnf (Amazon Linux repositories) and the SSM Agent (agent updates, patching) read AWS-owned
    // buckets with unsigned requests, which carry no principal account. AWS does not publish the
    // accounts that own these buckets, so there is no s3:ResourceAccount condition to add: the exact
    // names are the whole control, and none of them holds a wildcard.
    this.s3Endpoint.addToPolicy(new iam.PolicyStatement({
      sid: 'AllowReadsOfNamedAwsOwnedBuckets',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject'],
      resources: AWS_OWNED_READ_BUCKETS.map((bucket) => `arn:${Aws.PARTITION}:s3:::${bucket}/*`),
    }));
    // A custom resource in these subnets (the certificate issuer) replies to CloudFormation with an S3
    // URL that CloudFormation presigned: the request carries CloudFormation's account, not ours, so it
    // is admitted by bucket name alone. The name is exact (the Region without dashes, nothing after
    // it), so a look-alike bucket that anyone could create is not a way out of the VPC. AWS does not
    // publish the bucket's account either.
    this.s3Endpoint.addToPolicy(new iam.PolicyStatement({
      sid: 'AllowCustomResourceResponsesToCloudFormation',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::${ServiceNetwork.CUSTOM_RESOURCE_RESPONSE_BUCKET_PREFIX}${regionWithoutDashes()}/*`],
    }));

    if (props.dnsFirewall ?? true) {
      [this.dnsFirewallRuleGroup, this.dnsFirewallAssociation] = this.createDnsFirewall();
      this.addFirewallDomains('AWS service domains', awsServiceDomains(services));
      this.addFirewallDomains('ServiceNetworkProps.allowedDomains', props.allowedDomains ?? []);
    } else {
      if (props.allowedDomains !== undefined) {
        throw new Error(
          'ServiceNetworkProps.allowedDomains only applies to the DNS firewall, but dnsFirewall is false. ' +
          'Remove allowedDomains, or remove dnsFirewall: false to keep the firewall.',
        );
      }
      Annotations.of(this).addWarningV2('cdk-timescale-security:NoDnsFirewall',
        'ServiceNetworkProps.dnsFirewall is false: anything in the VPC can resolve any name, and so send data out in DNS ' +
        'queries to a name server someone else runs, although the VPC has no internet route.');
    }

    const retention = props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR;
    if (retention < logs.RetentionDays.ONE_YEAR) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:ShortFlowLogRetention',
        `VPC flow logs are kept ${retention} days, less than the one-year default; network evidence older than that is lost.`);
    }
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: props.logsKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.flowLogGroup = flowLogGroup;
    // Only this account's flow logs may use the role (confused-deputy protection); its one policy
    // is a managed policy so that the role's rights are reviewable in one place.
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Delivers the service VPC flow logs to their log group',
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [flowLogRole],
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [flowLogGroup.logGroupArn],
      })],
    });
    new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // Routes can be added after this construct, so the internet-gateway check runs at synth.
    this.node.addValidation({ validate: () => this.findPublicDatabaseSubnets() });
  }

  /**
   * The ID of the Region's Amazon S3 managed prefix list (`com.amazonaws.<region>.s3`), looked up at
   * deploy time, so that hosts can limit HTTPS egress to S3 (reached through the gateway endpoint)
   * instead of every address. CloudFormation has no function for it, so a custom resource calls
   * `ec2:DescribeManagedPrefixLists` (outside the VPC, in CDK's shared AwsCustomResource function).
   */
  public get s3PrefixListId(): string {
    if (!this.s3PrefixListLookup) {
      const call: cr.AwsSdkCall = {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Aws.REGION}.s3`] }] },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('PrefixLists.0.PrefixListId'),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      };
      this.s3PrefixListLookup = new cr.AwsCustomResource(this, 'S3PrefixList', {
        resourceType: 'Custom::S3PrefixListLookup',
        onCreate: call,
        onUpdate: call,
        installLatestAwsSdk: false,
        logGroup: providerLogGroup(this, this.logsKey),
        // DescribeManagedPrefixLists has no resource-level permissions.
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
        ]),
      });
    }
    return this.s3PrefixListLookup.getResponseField('PrefixLists.0.PrefixListId');
  }

  /**
   * The interface endpoint of an AWS service in this network, for resources that must not be created
   * before they can reach that service (`node.addDependency(...)`).
   *
   * @returns the endpoint, or undefined when the network has none for the service
   */
  public interfaceEndpointFor(service: ec2.InterfaceVpcEndpointAwsService): ec2.InterfaceVpcEndpoint | undefined {
    return this.endpointsByService.get(service.shortName);
  }

  /**
   * Lets the VPC's DNS firewall answer more names: for example the service's own name, when the hosts
   * resolve it. `db.example.com` allows that name only, `*.example.com` every name under example.com.
   * Does nothing when the network has no DNS firewall (`dnsFirewall: false`).
   *
   * @param domains the domain names, as in `ServiceNetworkProps.allowedDomains`
   */
  public allowDomains(domains: string[]): void {
    this.addFirewallDomains('ServiceNetwork.allowDomains() domains', domains);
  }

  /**
   * Records a customer's CIDR blocks and throws if one overlaps the service VPC or another customer's
   * blocks on this network: overlapping ranges cannot be routed unambiguously and would let one
   * customer's traffic reach another's routes.
   *
   * @internal
   */
  public _registerCustomerCidrs(customerName: string, ranges: Ipv4Range[]): void {
    if (this.registeredCidrs.some((r) => r.customerName === customerName)) {
      throw new Error(
        `CustomerPeeringProps.customerName '${customerName}' is already peered with this ServiceNetwork. ` +
        'Each customer needs a unique name; put all of one customer\'s CIDR blocks in one CustomerPeering.',
      );
    }
    for (const range of ranges) {
      if (this.vpcRange && overlaps(range, this.vpcRange)) {
        throw new Error(
          `CustomerPeering '${customerName}': peer CIDR '${range.cidr}' overlaps the service network CIDR '${this.vpcRange.cidr}'. ` +
          'Peered VPCs must not share addresses; the customer VPC needs a range outside the service VPC (or choose another ServiceNetworkProps.cidr).',
        );
      }
      for (const other of this.registeredCidrs) {
        if (overlaps(range, other.range)) {
          throw new Error(
            `CustomerPeering '${customerName}': peer CIDR '${range.cidr}' overlaps '${other.range.cidr}' of customer '${other.customerName}' on the same ServiceNetwork. ` +
            'Two customers cannot share addresses on one service network: routes would be ambiguous and could reach the wrong customer. ' +
            'Use a separate ServiceNetwork for one of them, or ask the customer to peer from a non-overlapping VPC.',
          );
        }
      }
    }
    assertNoOverlap(`CustomerPeering '${customerName}' peerCidrs`, ranges);
    ranges.forEach((range) => this.registeredCidrs.push({ customerName, range }));
  }

  /**
   * A rule group that answers the names of `firewallDomains` and blocks every other name, associated
   * with the VPC. Resolver fails closed by default (FirewallFailOpen DISABLED): a query DNS Firewall
   * cannot evaluate gets SERVFAIL, never an answer. CloudFormation has no resource for that setting,
   * so this stack leaves it at the default.
   *
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-vpc-configuration.html
   */
  private createDnsFirewall(): [route53resolver.CfnFirewallRuleGroup, route53resolver.CfnFirewallRuleGroupAssociation] {
    const allowList = new route53resolver.CfnFirewallDomainList(this, 'DnsFirewallAllowList', {
      domains: Lazy.list({ produce: () => [...this.firewallDomains] }),
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'DnsFirewallEverything', { domains: ['*'] });
    const ruleGroup = new route53resolver.CfnFirewallRuleGroup(this, 'DnsFirewall', {
      firewallRules: [
        { priority: ALLOW_RULE_PRIORITY, action: 'ALLOW', firewallDomainListId: allowList.attrId },
        // NODATA: the query succeeds with an empty answer, so clients give up at once instead of retrying.
        { priority: BLOCK_RULE_PRIORITY, action: 'BLOCK', blockResponse: 'NODATA', firewallDomainListId: everything.attrId },
      ],
    });
    const association = new route53resolver.CfnFirewallRuleGroupAssociation(this, 'DnsFirewallAssociation', {
      firewallRuleGroupId: ruleGroup.attrId,
      vpcId: this.vpc.vpcId,
      priority: ASSOCIATION_PRIORITY,
    });
    return [ruleGroup, association];
  }

  private addFirewallDomains(what: string, domains: string[]): void {
    if (this.dnsFirewallRuleGroup) {
      domains.forEach((domain, index) => this.firewallDomains.add(allowedDomain(`${what}[${index}]`, domain)));
    }
  }

  private createVpc(cidr: string, maxAzs: number, egress: boolean): ec2.Vpc {
    const subnetConfiguration: ec2.SubnetConfiguration[] = [{
      name: 'Database',
      subnetType: egress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
      cidrMask: 24,
      // CDK only accepts mapPublicIpOnLaunch on public subnets; private ones never map public IPs.
    }];
    if (egress) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:NetworkEgress',
        'ServiceNetworkProps.egress is on: the VPC gets an internet gateway and a NAT gateway, and the database subnets a default ' +
        'route to it. Hosts keep private addresses only, but can now send data to the internet. Prefer VPC endpoints.');
      // NAT gateways use Elastic IPs; the public subnets themselves never hand out public addresses.
      subnetConfiguration.unshift({ name: 'Egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 28, mapPublicIpOnLaunch: false });
    }
    return new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs,
      subnetConfiguration,
      natGateways: egress ? 1 : 0,
      createInternetGateway: egress,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: true,
    });
  }

  private selectDatabaseSubnets(props: ServiceNetworkProps): ec2.SelectedSubnets {
    const selection = props.databaseSubnets ?? (props.vpc ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : { subnetGroupName: 'Database' });
    if (selection.subnetType === ec2.SubnetType.PUBLIC) {
      throw new Error(
        'ServiceNetworkProps.databaseSubnets selects subnetType PUBLIC. Database subnets must have no route to an internet gateway. ' +
        'Select PRIVATE_ISOLATED subnets (or PRIVATE_WITH_EGRESS behind a NAT gateway).',
      );
    }
    const selected = this.vpc.selectSubnets(selection);
    const publicIds = new Set(this.vpc.publicSubnets.map((s) => s.subnetId));
    const publicOnes = selected.subnets.filter((s) => this.vpc.publicSubnets.includes(s) || publicIds.has(s.subnetId));
    if (publicOnes.length > 0) {
      throw new Error(
        `ServiceNetworkProps.databaseSubnets selects public subnets (${publicOnes.map((s) => describeSubnet(s)).join(', ')}). ` +
        'Database subnets must have no route to an internet gateway. Select PRIVATE_ISOLATED subnets instead.',
      );
    }
    return selected;
  }

  /** Errors for database subnets that map public IPs or route to an internet gateway defined in this app. */
  private findPublicDatabaseSubnets(): string[] {
    const errors: string[] = [];
    const gateways = new Set<string>();
    const routes: ec2.CfnRoute[] = [];
    for (const child of this.node.root.node.findAll()) {
      if (child instanceof ec2.CfnInternetGateway) {
        gateways.add(resolvedKey(child, child.ref));
      } else if (child instanceof ec2.CfnRoute) {
        routes.push(child);
      }
    }
    const igwRouteTables = new Map<string, string>();
    for (const route of routes) {
      const gatewayId = route.gatewayId;
      if (gatewayId === undefined) {
        continue;
      }
      const isIgw = Token.isUnresolved(gatewayId) ? gateways.has(resolvedKey(route, gatewayId)) : gatewayId.startsWith('igw-');
      if (isIgw) {
        igwRouteTables.set(resolvedKey(route, route.routeTableId), `${route.destinationCidrBlock ?? route.destinationIpv6CidrBlock ?? '?'} (${route.node.path})`);
      }
    }
    for (const subnet of this.databaseSubnets.subnets) {
      const route = igwRouteTables.get(resolvedKey(subnet, subnet.routeTable.routeTableId));
      if (route) {
        errors.push(
          `ServiceNetwork database subnet ${describeSubnet(subnet)} routes ${route} to an internet gateway. ` +
          'Database subnets must have no internet route; select isolated subnets (ServiceNetworkProps.databaseSubnets) or remove the route.',
        );
      }
      const cfnSubnet = subnet.node.defaultChild;
      if (cfnSubnet instanceof ec2.CfnSubnet && cfnSubnet.mapPublicIpOnLaunch === true) {
        errors.push(
          `ServiceNetwork database subnet ${describeSubnet(subnet)} maps public IPs on launch. ` +
          'Set mapPublicIpOnLaunch to false on the subnet, or select other subnets.',
        );
      }
    }
    return errors;
  }
}

/**
 * The AWS-owned buckets whose objects anyone in the VPC may read through the S3 endpoint, by exact
 * name. The SSM Agent's list leaves out its Windows-only (`aws-windows-downloads-<region>`) and
 * macOS-only (`aws-patchmanager-macos-<region>`) buckets. In a few Regions AWS names the patch
 * baseline snapshot bucket with a suffix (`patch-baseline-snapshot-af-south-1-tbxdb5b9`, ...): there
 * Patch Manager cannot read it through this endpoint.
 *
 * @see https://docs.aws.amazon.com/linux/al2023/ug/live-patching.html (al2023-repos-<region>-de612dc2)
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/ssm-agent-minimum-s3-permissions.html
 */
const AWS_OWNED_READ_BUCKETS = [
  `al2023-repos-${Aws.REGION}-de612dc2`,
  `amazonlinux-2-repos-${Aws.REGION}`,
  `amazon-ssm-${Aws.REGION}`,
  `amazon-ssm-packages-${Aws.REGION}`,
  `${Aws.REGION}-birdwatcher-prod`,
  `aws-ssm-distributor-file-${Aws.REGION}`,
  `aws-ssm-document-attachments-${Aws.REGION}`,
  `patch-baseline-snapshot-${Aws.REGION}`,
  `aws-ssm-${Aws.REGION}`,
];

/** The deployment Region without its dashes (`eu-west-1` -> `euwest1`), computed by CloudFormation. */
function regionWithoutDashes(): string {
  return Fn.join('', Fn.split('-', Aws.REGION));
}

function accountPrincipalsOnly(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowPrincipalsOfThisAccountOnly',
    principals: [new iam.AnyPrincipal()],
    actions: ['*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
  });
}

function endpointId(service: ec2.InterfaceVpcEndpointAwsService): string {
  // 'com.amazonaws.us-east-1.ssmmessages' -> 'SsmmessagesEndpoint'; region tokens make the name unusable.
  const name = service.shortName.replace(/[^A-Za-z0-9]/g, '');
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}Endpoint`;
}

function describeSubnet(subnet: ec2.ISubnet): string {
  return Token.isUnresolved(subnet.subnetId) ? subnet.node.path : subnet.subnetId;
}

/** The VPC's CIDR as a literal when the VPC is defined in this app, otherwise whatever the VPC reports. */
function knownCidrOf(vpc: ec2.IVpc): string {
  const cfnVpc = vpc.node.defaultChild;
  if (cfnVpc instanceof ec2.CfnVPC && cfnVpc.cidrBlock !== undefined && !Token.isUnresolved(cfnVpc.cidrBlock)) {
    return cfnVpc.cidrBlock;
  }
  try {
    return vpc.vpcCidrBlock;
  } catch {
    throw new Error(
      `ServiceNetworkProps.vpc '${vpc.node.path}' does not know its CIDR block, which the endpoint security group and the ` +
      'peering overlap checks need. Pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes().',
    );
  }
}
