import { CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as globalaccelerator from 'aws-cdk-lib/aws-globalaccelerator';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { C, NA, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

const importedVpc = (s: Stack) => ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'] });

function groupWith(s: Stack, peer: ec2.IPeer, port: ec2.Port): ec2.SecurityGroup {
  const sg = new ec2.SecurityGroup(s, 'Group', { vpc: importedVpc(s) });
  sg.addIngressRule(peer, port);
  return sg;
}

const ingress = (s: Stack, props: { [key: string]: any }) =>
  plain(s, 'AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-1', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, ...props });

const listener = (s: Stack, props: { [key: string]: any }) =>
  plain(s, 'AWS::ElasticLoadBalancingV2::Listener', { LoadBalancerArn: 'arn:lb', Port: 443, DefaultActions: [], ...props });

/** VPC + subnet + route table (+ optional internet route) + a database host in the subnet. */
function databaseNetwork(s: Stack, opts: { internetRoute: boolean; tagged?: boolean }) {
  const vpc = new ec2.CfnVPC(s, 'Net', { cidrBlock: '10.0.0.0/16' });
  const subnet = new ec2.CfnSubnet(s, 'Subnet', { vpcId: vpc.ref, cidrBlock: '10.0.0.0/24' });
  const table = new ec2.CfnRouteTable(s, 'Table', { vpcId: vpc.ref });
  new ec2.CfnSubnetRouteTableAssociation(s, 'Assoc', { subnetId: subnet.ref, routeTableId: table.ref });
  if (opts.internetRoute) {
    const igw = new ec2.CfnInternetGateway(s, 'Igw');
    new ec2.CfnRoute(s, 'InternetRoute', { routeTableId: table.ref, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref });
  }
  return new ec2.CfnInstance(s, 'Db', {
    imageId: 'ami-1',
    subnetId: subnet.ref,
    tags: opts.tagged === false ? [] : [{ key: 'timescale:service', value: 'orders' }],
  });
}

const ALLOWED = { allowedDatabaseCidrs: ['10.20.0.0/16'] };

export const NETWORK_CASES: RuleCase[] = [
  // ListenerTlsPolicy
  {
    rule: 'ListenerTlsPolicy',
    form: 'plain',
    title: 'TLS listener with a TLS 1.3 policy',
    expect: C,
    build: (s) => listener(s, { Protocol: 'TLS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'plain',
    title: 'HTTPS listener with ELBSecurityPolicy-2016-08',
    expect: NC,
    detail: /2016-08/,
    build: (s) => listener(s, { Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-2016-08' }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'plain',
    title: 'TLS13-1-1 allows TLS 1.1',
    expect: NC,
    build: (s) => listener(s, { Protocol: 'TLS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-1-2021-06' }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'plain',
    title: 'HTTPS listener without a policy',
    expect: NC,
    detail: /not set/,
    build: (s) => listener(s, { Protocol: 'HTTPS' }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'plain',
    title: 'TCP pass-through is not judged',
    expect: NA,
    build: (s) => listener(s, { Protocol: 'TCP', Port: 5432 }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'l1',
    title: 'CfnListener with a FIPS TLS 1.2 policy',
    expect: C,
    build: (s) => new elbv2.CfnListener(s, 'Listener', { loadBalancerArn: 'arn:lb', defaultActions: [], protocol: 'TLS', port: 443, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04' }),
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'override',
    title: 'override to a TLS 1.0 policy',
    expect: NC,
    build: (s) => {
      const l = new elbv2.CfnListener(s, 'Listener', { loadBalancerArn: 'arn:lb', defaultActions: [], protocol: 'TLS', port: 443, sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS });
      l.addPropertyOverride('SslPolicy', 'ELBSecurityPolicy-TLS-1-0-2015-04');
      return l;
    },
  },
  {
    rule: 'ListenerTlsPolicy',
    form: 'token',
    title: 'policy from a parameter',
    expect: UNV,
    build: (s) => listener(s, { Protocol: 'TLS', SslPolicy: param(s) }),
  },

  // BucketDeniesInsecureTransport
  { rule: 'BucketDeniesInsecureTransport', form: 'l2', title: 'enforceSSL', expect: C, build: (s) => new s3.Bucket(s, 'Bucket', { enforceSSL: true }) },
  {
    rule: 'BucketDeniesInsecureTransport',
    form: 'l2',
    title: 'no bucket policy',
    expect: NC,
    detail: /no AWS::S3::BucketPolicy/,
    build: (s) => new s3.Bucket(s, 'Bucket'),
  },
  {
    rule: 'BucketDeniesInsecureTransport',
    form: 'plain',
    title: 'plain bucket and policy by literal name',
    expect: C,
    build: (s) => {
      const b = plain(s, 'AWS::S3::Bucket', { BucketName: 'audit-logs' });
      plain(s, 'AWS::S3::BucketPolicy', { Bucket: 'audit-logs', PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] } }, 'Policy');
      return b;
    },
  },
  {
    rule: 'BucketDeniesInsecureTransport',
    form: 'plain',
    title: 'policy without the TLS deny',
    expect: NC,
    build: (s) => {
      const b = plain(s, 'AWS::S3::Bucket', {});
      plain(s, 'AWS::S3::BucketPolicy', { Bucket: b.ref, PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: '*' }] } }, 'Policy');
      return b;
    },
  },
  {
    rule: 'BucketDeniesInsecureTransport',
    form: 'override',
    title: 'override flips the condition',
    expect: NC,
    build: (s) => {
      const b = new s3.Bucket(s, 'Bucket', { enforceSSL: true });
      (b.policy!.node.defaultChild as s3.CfnBucketPolicy).addPropertyOverride('PolicyDocument.Statement.0.Condition.Bool.aws:SecureTransport', 'true');
      return b;
    },
  },
  {
    rule: 'BucketDeniesInsecureTransport',
    form: 'token',
    title: 'policy statements only known at deploy time',
    expect: UNV,
    build: (s) => {
      const b = plain(s, 'AWS::S3::Bucket', {});
      plain(s, 'AWS::S3::BucketPolicy', { Bucket: b.ref, PolicyDocument: { Statement: { 'Fn::ImportValue': 'Statements' } } }, 'Policy');
      return b;
    },
  },

  // BucketBlocksPublicAccess
  {
    rule: 'BucketBlocksPublicAccess',
    form: 'l2',
    title: 'BLOCK_ALL',
    expect: C,
    build: (s) => new s3.Bucket(s, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL }),
  },
  {
    rule: 'BucketBlocksPublicAccess',
    form: 'l2',
    title: 'BLOCK_ACLS only',
    expect: NC,
    detail: /BlockPublicPolicy/,
    build: (s) => new s3.Bucket(s, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY }),
  },
  {
    rule: 'BucketBlocksPublicAccess',
    form: 'plain',
    title: 'plain bucket without the block',
    expect: NC,
    build: (s) => plain(s, 'AWS::S3::Bucket', {}),
  },
  {
    rule: 'BucketBlocksPublicAccess',
    form: 'override',
    title: 'override lifts one flag',
    expect: NC,
    build: (s) => {
      const b = new s3.Bucket(s, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
      (b.node.defaultChild as s3.CfnBucket).addPropertyOverride('PublicAccessBlockConfiguration.RestrictPublicBuckets', false);
      return b;
    },
  },
  {
    rule: 'BucketBlocksPublicAccess',
    form: 'token',
    title: 'flag from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::S3::Bucket', { PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: param(s), IgnorePublicAcls: true, RestrictPublicBuckets: true } }),
  },

  // LoadBalancerInternal
  {
    rule: 'LoadBalancerInternal',
    form: 'plain',
    title: 'internal NLB',
    expect: C,
    build: (s) => plain(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internal' }),
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'plain',
    title: 'missing Scheme is internet-facing',
    expect: NC,
    detail: /not set/,
    build: (s) => plain(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network' }),
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'plain',
    title: 'classic internet-facing ELB',
    expect: NC,
    build: (s) => plain(s, 'AWS::ElasticLoadBalancing::LoadBalancer', { Listeners: [] }),
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'plain',
    title: 'gateway load balancers are not judged',
    expect: NA,
    build: (s) => plain(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'gateway' }),
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'l1',
    title: 'explicit internet-facing',
    expect: NC,
    build: (s) => new elbv2.CfnLoadBalancer(s, 'Lb', { type: 'network', scheme: 'internet-facing' }),
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'override',
    title: 'override makes an internal NLB public',
    expect: NC,
    build: (s) => {
      const lb = new elbv2.CfnLoadBalancer(s, 'Lb', { type: 'network', scheme: 'internal' });
      lb.addPropertyOverride('Scheme', 'internet-facing');
      return lb;
    },
  },
  {
    rule: 'LoadBalancerInternal',
    form: 'token',
    title: 'scheme from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: param(s) }),
  },

  // IngressNotFromAnywhere
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l2',
    title: 'HTTPS from anywhere',
    expect: NC,
    detail: /0\.0\.0\.0\/0/,
    build: (s) => groupWith(s, ec2.Peer.anyIpv4(), ec2.Port.tcp(443)),
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l2',
    title: 'from a private CIDR',
    expect: C,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432)),
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'plain',
    title: 'a literal the rule cannot read as a CIDR (0.0.0.0/00)',
    expect: UNV,
    detail: /'0\.0\.0\.0\/00' is not a CIDR this rule can read/,
    build: (s) => ingress(s, { CidrIp: '0.0.0.0/00' }),
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'plain',
    title: 'standalone ingress from ::/0',
    expect: NC,
    build: (s) => ingress(s, { CidrIpv6: '::/0' }),
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l1',
    title: 'CIDR of a VPC of the same stack',
    expect: C,
    build: (s) => {
      const vpc = new ec2.CfnVPC(s, 'Net', { cidrBlock: '10.0.0.0/16' });
      return new ec2.CfnSecurityGroupIngress(s, 'In', { groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIp: vpc.attrCidrBlock });
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'override',
    title: 'override opens an inline rule',
    expect: NC,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432));
      (sg.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupIngress.0.CidrIp', '0.0.0.0/0');
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'token',
    title: 'CIDR from a parameter',
    expect: UNV,
    build: (s) => ingress(s, { CidrIp: param(s) }),
  },

  // DatabaseIngressFromAllowedNetworks
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'inside the allowed network',
    expect: C,
    props: ALLOWED,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.20.1.0/24'), ec2.Port.tcp(5432)),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'outside the allowed network',
    expect: NC,
    props: ALLOWED,
    detail: /10\.30\.0\.0\/16/,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.30.0.0/16'), ec2.Port.tcp(5432)),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'all traffic from outside covers the port',
    expect: NC,
    props: ALLOWED,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.30.0.0/16'), ec2.Port.allTraffic()),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'from a security group',
    expect: C,
    props: ALLOWED,
    build: (s) => {
      const other = new ec2.SecurityGroup(s, 'Clients', { vpc: importedVpc(s) });
      const sg = new ec2.SecurityGroup(s, 'Group', { vpc: ec2.Vpc.fromVpcAttributes(s, 'Vpc2', { vpcId: 'vpc-1', availabilityZones: ['a'] }) });
      sg.addIngressRule(other, ec2.Port.tcp(5432));
      // a group peer becomes a standalone AWS::EC2::SecurityGroupIngress
      return sg.node.children.find((c) => c instanceof ec2.CfnSecurityGroupIngress)!;
    },
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'other ports are not judged',
    expect: NA,
    props: ALLOWED,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.30.0.0/16'), ec2.Port.tcp(443)),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'without allowed networks: anywhere',
    expect: NC,
    build: (s) => ingress(s, { CidrIp: '0.0.0.0/0' }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'without allowed networks: any private CIDR',
    expect: C,
    build: (s) => ingress(s, { CidrIp: '10.30.0.0/16' }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'custom database port',
    expect: NC,
    props: { databasePort: 6432 },
    build: (s) => ingress(s, { CidrIp: '0.0.0.0/0', FromPort: 6432, ToPort: 6432 }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'override',
    title: 'override widens the CIDR',
    expect: NC,
    props: ALLOWED,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432));
      (sg.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupIngress.0.CidrIp', '10.0.0.0/8');
      return sg;
    },
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'token',
    title: 'CIDR from a parameter',
    expect: UNV,
    props: ALLOWED,
    build: (s) => ingress(s, { CidrIp: param(s) }),
  },

  // InstanceNoPublicIp
  {
    rule: 'InstanceNoPublicIp',
    form: 'l1',
    title: 'public IP requested',
    expect: NC,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', networkInterfaces: [{ deviceIndex: '0', subnetId: 'subnet-1', associatePublicIpAddress: true }] }),
  },
  {
    rule: 'InstanceNoPublicIp',
    form: 'l1',
    title: 'private interface',
    expect: C,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', networkInterfaces: [{ deviceIndex: '0', subnetId: 'subnet-1', associatePublicIpAddress: false }] }),
  },
  {
    rule: 'InstanceNoPublicIp',
    form: 'plain',
    title: 'launch template with a public IP',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true }] } }),
  },
  {
    rule: 'InstanceNoPublicIp',
    form: 'override',
    title: 'override adds a public IP',
    expect: NC,
    build: (s) => {
      const i = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', networkInterfaces: [{ deviceIndex: '0', subnetId: 'subnet-1' }] });
      i.addPropertyOverride('NetworkInterfaces.0.AssociatePublicIpAddress', 'true');
      return i;
    },
  },
  {
    rule: 'InstanceNoPublicIp',
    form: 'token',
    title: 'public IP from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { NetworkInterfaces: [{ DeviceIndex: '0', AssociatePublicIpAddress: param(s) }] }),
  },

  // SubnetNoPublicIp
  {
    rule: 'SubnetNoPublicIp',
    form: 'l1',
    title: 'public subnet',
    expect: NC,
    build: (s) => new ec2.CfnSubnet(s, 'Subnet', { vpcId: 'vpc-1', cidrBlock: '10.0.0.0/24', mapPublicIpOnLaunch: true }),
  },
  {
    rule: 'SubnetNoPublicIp',
    form: 'l2',
    title: 'isolated subnet of an ec2.Vpc',
    expect: C,
    build: (s) => new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] }).isolatedSubnets[0],
  },
  {
    rule: 'SubnetNoPublicIp',
    form: 'plain',
    title: 'plain subnet without the flag',
    expect: C,
    build: (s) => plain(s, 'AWS::EC2::Subnet', { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/24' }),
  },
  {
    rule: 'SubnetNoPublicIp',
    form: 'override',
    title: 'override maps public IPs',
    expect: NC,
    build: (s) => {
      const sn = new ec2.CfnSubnet(s, 'Subnet', { vpcId: 'vpc-1', cidrBlock: '10.0.0.0/24' });
      sn.addPropertyOverride('MapPublicIpOnLaunch', true);
      return sn;
    },
  },
  {
    rule: 'SubnetNoPublicIp',
    form: 'token',
    title: 'flag from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Subnet', { MapPublicIpOnLaunch: param(s) }),
  },

  // DatabaseSubnetNoInternetRoute
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'database subnet routed to an internet gateway',
    expect: NC,
    detail: /internet gateway Igw/,
    build: (s) => databaseNetwork(s, { internetRoute: true }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'token',
    title: 'a NAT default route on a table associated with the database subnet through Fn::If',
    expect: NC,
    detail: /routes 0\.0\.0\.0\/0 to NAT gateway Nat/,
    build: (s) => {
      const host = databaseNetwork(s, { internetRoute: false });
      const stage = new CfnParameter(s, 'Stage', { type: 'String' });
      const isProduction = new CfnCondition(s, 'IsProduction', { expression: Fn.conditionEquals(stage.valueAsString, 'prod') });
      const table = new ec2.CfnRouteTable(s, 'EgressTable', { vpcId: 'vpc-1' });
      const nat = new ec2.CfnNatGateway(s, 'Nat', { subnetId: 'subnet-public' });
      new ec2.CfnRoute(s, 'NatRoute', { routeTableId: table.ref, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.ref });
      new ec2.CfnSubnetRouteTableAssociation(s, 'EgressAssoc', {
        subnetId: Fn.conditionIf(isProduction.logicalId, host.subnetId!, 'subnet-other').toString(), routeTableId: table.ref,
      });
      return host;
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'a default route to an instance (a NAT instance may be the way out)',
    expect: UNV,
    detail: /routes 0\.0\.0\.0\/0 to .*may lead to the internet/,
    build: (s) => {
      const host = databaseNetwork(s, { internetRoute: false });
      new ec2.CfnRoute(s, 'ToInstance', { routeTableId: (s.node.findChild('Table') as ec2.CfnRouteTable).ref, destinationCidrBlock: '0.0.0.0/0', instanceId: 'i-0123456789abcdef0' });
      return host;
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'isolated database subnet',
    expect: C,
    build: (s) => databaseNetwork(s, { internetRoute: false }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'untagged instances are not database hosts',
    expect: NA,
    build: (s) => databaseNetwork(s, { internetRoute: true, tagged: false }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l2',
    title: 'public subnet of an ec2.Vpc',
    expect: NC,
    build: (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
      return new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1', subnetId: vpc.publicSubnets[0].subnetId, tags: [{ key: 'timescale:service', value: 'x' }] });
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'plain',
    title: 'plain instance in an imported subnet',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { SubnetId: 'subnet-123', Tags: [{ Key: 'timescale:service', Value: 'x' }] }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'override',
    title: 'override moves the host into a public subnet',
    expect: NC,
    build: (s) => {
      const host = databaseNetwork(s, { internetRoute: false });
      const igw = new ec2.CfnInternetGateway(s, 'Igw');
      const pub = new ec2.CfnSubnet(s, 'Public', { vpcId: 'vpc-1', cidrBlock: '10.0.1.0/24' });
      const rt = new ec2.CfnRouteTable(s, 'PublicTable', { vpcId: 'vpc-1' });
      new ec2.CfnSubnetRouteTableAssociation(s, 'PublicAssoc', { subnetId: pub.ref, routeTableId: rt.ref });
      new ec2.CfnRoute(s, 'PublicDefault', { routeTableId: rt.ref, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref });
      host.addPropertyOverride('SubnetId', pub.ref);
      return host;
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'token',
    title: 'subnet from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { SubnetId: param(s), Tags: [{ Key: 'timescale:service', Value: 'x' }] }),
  },

  // NoInternetGatewayWithDatabase
  {
    rule: 'NoInternetGatewayWithDatabase',
    form: 'l1',
    title: 'gateway next to a database host',
    expect: NC,
    build: (s) => {
      databaseNetwork(s, { internetRoute: false });
      return new ec2.CfnInternetGateway(s, 'Igw');
    },
  },
  {
    rule: 'NoInternetGatewayWithDatabase',
    form: 'l1',
    title: 'gateway in a stack without database hosts',
    expect: C,
    build: (s) => new ec2.CfnInternetGateway(s, 'Igw'),
  },
  {
    rule: 'NoInternetGatewayWithDatabase',
    form: 'plain',
    title: 'plain gateway and plain tagged host',
    expect: NC,
    build: (s) => {
      plain(s, 'AWS::EC2::Instance', { Tags: [{ Key: 'timescale:service', Value: 'x' }] }, 'Db');
      return plain(s, 'AWS::EC2::InternetGateway', {});
    },
  },
  {
    rule: 'NoInternetGatewayWithDatabase',
    form: 'override',
    title: 'override tags a host as database',
    expect: NC,
    build: (s) => {
      const host = new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1' });
      host.addPropertyOverride('Tags', [{ Key: 'timescale:service', Value: 'x' }]);
      return new ec2.CfnInternetGateway(s, 'Igw');
    },
  },
  {
    rule: 'NoInternetGatewayWithDatabase',
    form: 'token',
    title: 'service name from a parameter is still a database host',
    expect: NC,
    build: (s) => {
      new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1', tags: [{ key: 'timescale:service', value: param(s) }] });
      return new ec2.CfnInternetGateway(s, 'Igw');
    },
  },

  // PeeringRouteNotDefault
  {
    rule: 'PeeringRouteNotDefault',
    form: 'l1',
    title: 'customer CIDR over peering',
    expect: C,
    build: (s) => new ec2.CfnRoute(s, 'Route', { routeTableId: 'rtb-1', destinationCidrBlock: '10.20.0.0/16', vpcPeeringConnectionId: 'pcx-1' }),
  },
  {
    rule: 'PeeringRouteNotDefault',
    form: 'l1',
    title: 'default route over peering',
    expect: NC,
    build: (s) => new ec2.CfnRoute(s, 'Route', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', vpcPeeringConnectionId: 'pcx-1' }),
  },
  {
    rule: 'PeeringRouteNotDefault',
    form: 'plain',
    title: 'IPv6 default route over peering',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::Route', { RouteTableId: 'rtb-1', DestinationIpv6CidrBlock: '::/0', VpcPeeringConnectionId: 'pcx-1' }),
  },
  {
    rule: 'PeeringRouteNotDefault',
    form: 'plain',
    title: 'routes without peering are not judged',
    expect: NA,
    build: (s) => plain(s, 'AWS::EC2::Route', { RouteTableId: 'rtb-1', DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1' }),
  },
  {
    rule: 'PeeringRouteNotDefault',
    form: 'override',
    title: 'override widens to a default route',
    expect: NC,
    build: (s) => {
      const r = new ec2.CfnRoute(s, 'Route', { routeTableId: 'rtb-1', destinationCidrBlock: '10.20.0.0/16', vpcPeeringConnectionId: 'pcx-1' });
      r.addPropertyOverride('DestinationCidrBlock', '0.0.0.0/0');
      return r;
    },
  },
  {
    rule: 'PeeringRouteNotDefault',
    form: 'token',
    title: 'destination from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Route', { RouteTableId: 'rtb-1', DestinationCidrBlock: param(s), VpcPeeringConnectionId: 'pcx-1' }),
  },

  // IngressNotFromAnywhere: anywhere split into pieces
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l2',
    title: 'two IPv4 halves on one port',
    expect: NC,
    detail: /0\.0\.0\.0\/1 \+ 128\.0\.0\.0\/1 together admit every public IPv4 address on tcp port 5432/,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('0.0.0.0/1'), ec2.Port.tcp(5432));
      sg.addIngressRule(ec2.Peer.ipv4('128.0.0.0/1'), ec2.Port.tcp(5432));
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'token',
    title: 'two IPv4 halves, one chosen by Fn::If, judged on the branch that takes it',
    expect: NC,
    detail: /0\.0\.0\.0\/1 \+ 128\.0\.0\.0\/1 together admit every public IPv4 address/,
    build: (s) => {
      const stage = new CfnParameter(s, 'Stage', { type: 'String' });
      const isProduction = new CfnCondition(s, 'IsProduction', { expression: Fn.conditionEquals(stage.valueAsString, 'prod') });
      return plain(s, 'AWS::EC2::SecurityGroup', {
        GroupDescription: 'db',
        SecurityGroupIngress: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '0.0.0.0/1' },
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: Fn.conditionIf(isProduction.logicalId, '128.0.0.0/1', '10.0.0.0/8') },
        ],
      });
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'token',
    title: 'the second half in a standalone ingress from a parameter whose allowed value completes it',
    expect: NC,
    detail: /together admit every public IPv4 address/,
    build: (s) => {
      const group = plain(s, 'AWS::EC2::SecurityGroup', {
        GroupDescription: 'db', SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '0.0.0.0/1' }],
      }, 'Group');
      const half = new CfnParameter(s, 'Half', { type: 'String', allowedValues: ['128.0.0.0/1'] });
      return plain(s, 'AWS::EC2::SecurityGroupIngress', {
        GroupId: Fn.getAtt(group.logicalId, 'GroupId'), IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: half.valueAsString,
      }, 'Other');
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l2',
    title: 'halves on different ports do not add up',
    expect: C,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('0.0.0.0/1'), ec2.Port.tcp(5432));
      sg.addIngressRule(ec2.Peer.ipv4('128.0.0.0/1'), ec2.Port.tcp(443));
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l2',
    title: 'private ranges together are not public',
    expect: C,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('10.0.0.0/8'), ec2.Port.tcp(5432));
      sg.addIngressRule(ec2.Peer.ipv4('172.16.0.0/12'), ec2.Port.tcp(5432));
      sg.addIngressRule(ec2.Peer.ipv4('192.168.0.0/16'), ec2.Port.tcp(5432));
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'plain',
    title: 'IPv6 halves in standalone ingress resources, judged on each piece',
    expect: NC,
    detail: /every public IPv6 address/,
    build: (s) => {
      ingress(s, { GroupId: 'sg-9', CidrIpv6: '3000::/4' });
      return plain(s, 'AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-9', IpProtocol: 'tcp', FromPort: 5000, ToPort: 6000, CidrIpv6: '2000::/4' }, 'Other');
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l1',
    title: 'a group whose standalone ingress resources and inline rule cover the public space with all traffic',
    expect: NC,
    detail: /all traffic/,
    build: (s) => {
      const sg = new ec2.CfnSecurityGroup(s, 'Group', {
        groupDescription: 'db',
        securityGroupIngress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/2' }],
      });
      new ec2.CfnSecurityGroupIngress(s, 'B', { groupId: sg.attrGroupId, ipProtocol: '-1', cidrIp: '64.0.0.0/2' });
      new ec2.CfnSecurityGroupIngress(s, 'C', { groupId: sg.attrGroupId, ipProtocol: '-1', cidrIp: '128.0.0.0/1' });
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'l1',
    title: 'tcp halves on overlapping port ranges add up on the shared port',
    expect: NC,
    detail: /tcp port 6000/,
    build: (s) => {
      const sg = new ec2.CfnSecurityGroup(s, 'Group', {
        groupDescription: 'db',
        securityGroupIngress: [
          { ipProtocol: 'tcp', fromPort: 5000, toPort: 6000, cidrIp: '0.0.0.0/1' },
          { ipProtocol: '6', fromPort: 6000, toPort: 7000, cidrIp: '128.0.0.0/1' },
          { ipProtocol: 'udp', fromPort: 0, toPort: 65535, cidrIp: '10.0.0.0/8' },
        ],
      });
      return sg;
    },
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'override',
    title: 'override adds the second half',
    expect: NC,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('0.0.0.0/1'), ec2.Port.tcp(5432));
      (sg.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupIngress.1', { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '128.0.0.0/1' });
      return sg;
    },
  },

  {
    rule: 'IngressNotFromAnywhere',
    form: 'l1',
    title: 'a prefix list of the stack holding both IPv4 halves',
    expect: NC,
    detail: /every public IPv4 address/,
    build: (s) => ingress(s, { SourcePrefixListId: prefixList(s, ['0.0.0.0/1', '128.0.0.0/1']).ref }),
  },
  {
    rule: 'IngressNotFromAnywhere',
    form: 'token',
    title: 'a prefix list of the stack whose entry is a parameter',
    expect: UNV,
    detail: /holds entries only known at deploy time/,
    build: (s) => ingress(s, { SourcePrefixListId: prefixList(s, [param(s)]).ref }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l1',
    title: 'a prefix list of the stack holding a public CIDR',
    expect: NC,
    detail: /198\.51\.100\.0\/24, which holds public addresses \(prefix list List\)/,
    build: (s) => ingress(s, { SourcePrefixListId: prefixList(s, ['10.20.0.0/16', '198.51.100.0/24']).ref }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l1',
    title: 'a prefix list of the stack holding only allowed networks',
    expect: C,
    props: ALLOWED,
    build: (s) => ingress(s, { SourcePrefixListId: prefixList(s, ['10.20.1.0/24', '10.20.2.0/24']).ref }),
  },

  // DatabaseIngressFromAllowedNetworks: public ranges are never allowed
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'a public CIDR without allowedDatabaseCidrs',
    expect: NC,
    detail: /203\.0\.113\.0\/24, which holds public addresses/,
    build: (s) => groupWith(s, ec2.Peer.ipv4('203.0.113.0/24'), ec2.Port.tcp(5432)),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'l2',
    title: 'a private CIDR without allowedDatabaseCidrs',
    expect: C,
    build: (s) => groupWith(s, ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432)),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'half of the IPv4 space without allowedDatabaseCidrs',
    expect: NC,
    build: (s) => ingress(s, { CidrIp: '128.0.0.0/1' }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'IPv6 global unicast without allowedDatabaseCidrs',
    expect: NC,
    build: (s) => ingress(s, { CidrIpv6: '2001:db8::/32' }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'plain',
    title: 'a public CIDR listed in allowedDatabaseCidrs is still public',
    expect: NC,
    props: { allowedDatabaseCidrs: ['198.51.100.0/24'] },
    build: (s) => ingress(s, { CidrIp: '198.51.100.0/24' }),
  },
  {
    rule: 'DatabaseIngressFromAllowedNetworks',
    form: 'override',
    title: 'override widens a private CIDR to a public one without allowedDatabaseCidrs',
    expect: NC,
    build: (s) => {
      const sg = groupWith(s, ec2.Peer.ipv4('10.20.0.0/16'), ec2.Port.tcp(5432));
      (sg.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupIngress.0.CidrIp', '8.0.0.0/8');
      return sg;
    },
  },

  // DatabaseSubnetNoInternetRoute: NAT gateway default routes
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'database subnet with a default route to a NAT gateway',
    expect: NC,
    detail: /0\.0\.0\.0\/0 to NAT gateway Nat/,
    build: (s) => natNetwork(s, { DestinationCidrBlock: '0.0.0.0/0' }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'database subnet with an IPv6 default route to a NAT gateway',
    expect: NC,
    build: (s) => natNetwork(s, { DestinationIpv6CidrBlock: '::/0' }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l1',
    title: 'a private NAT route to another private network',
    expect: C,
    build: (s) => natNetwork(s, { DestinationCidrBlock: '10.99.0.0/16' }),
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'l2',
    title: 'PRIVATE_WITH_EGRESS subnet of an ec2.Vpc',
    expect: NC,
    detail: /NAT gateway/,
    build: (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', {
        maxAzs: 1,
        natGateways: 1,
        subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }, { name: 'db', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      });
      return new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1', subnetId: vpc.privateSubnets[0].subnetId, tags: [{ key: 'timescale:service', value: 'x' }] });
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'override',
    title: 'override turns a private NAT route into a default route',
    expect: NC,
    build: (s) => {
      const host = natNetwork(s, { DestinationCidrBlock: '10.99.0.0/16' });
      (s.node.findChild('NatRoute') as ec2.CfnRoute).addPropertyOverride('DestinationCidrBlock', '0.0.0.0/0');
      return host;
    },
  },
  {
    rule: 'DatabaseSubnetNoInternetRoute',
    form: 'token',
    title: 'NAT route destination from a parameter',
    expect: UNV,
    build: (s) => natNetwork(s, { DestinationCidrBlock: param(s) }),
  },

  // DatabaseHostNoElasticIp
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'l1',
    title: 'an Elastic IP on a database host',
    expect: NC,
    detail: /database host Db/,
    build: (s) => new ec2.CfnEIP(s, 'Eip', { instanceId: databaseNetwork(s, { internetRoute: false }).ref }),
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'l1',
    title: 'an Elastic IP on another instance',
    expect: C,
    build: (s) => new ec2.CfnEIP(s, 'Eip', { instanceId: databaseNetwork(s, { internetRoute: false, tagged: false }).ref }),
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'l1',
    title: 'an Elastic IP for a NAT gateway names no instance',
    expect: NA,
    build: (s) => new ec2.CfnEIP(s, 'Eip', { domain: 'vpc' }),
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'l1',
    title: 'an EIP association to a database host',
    expect: NC,
    build: (s) => new ec2.CfnEIPAssociation(s, 'Assoc2', { allocationId: 'eipalloc-1', instanceId: databaseNetwork(s, { internetRoute: false }).ref }),
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'token',
    title: 'an EIP association to an interface attached to a database host through Fn::If',
    expect: NC,
    detail: /network interface Eni/,
    build: (s) => {
      const stage = new CfnParameter(s, 'Stage', { type: 'String' });
      const isProduction = new CfnCondition(s, 'IsProduction', { expression: Fn.conditionEquals(stage.valueAsString, 'prod') });
      const eni = new ec2.CfnNetworkInterface(s, 'Eni', { subnetId: 'subnet-1' });
      const host = new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1', tags: [{ key: 'timescale:role', value: 'database' }] });
      new ec2.CfnNetworkInterfaceAttachment(s, 'Attach', {
        deviceIndex: '1', instanceId: Fn.conditionIf(isProduction.logicalId, host.ref, 'i-0123456789abcdef0').toString(), networkInterfaceId: eni.ref,
      });
      return plain(s, 'AWS::EC2::EIPAssociation', { AllocationId: 'eipalloc-1', NetworkInterfaceId: eni.ref });
    },
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'plain',
    title: 'an EIP association to the network interface a database host uses',
    expect: NC,
    detail: /network interface Eni/,
    build: (s) => {
      const eni = new ec2.CfnNetworkInterface(s, 'Eni', { subnetId: 'subnet-1' });
      new ec2.CfnInstance(s, 'Db', {
        imageId: 'ami-1',
        networkInterfaces: [{ deviceIndex: '0', networkInterfaceId: eni.ref }],
        tags: [{ key: 'timescale:role', value: 'database' }],
      });
      return plain(s, 'AWS::EC2::EIPAssociation', { AllocationId: 'eipalloc-1', NetworkInterfaceId: eni.ref });
    },
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'plain',
    title: 'an EIP association to an interface attached to a database host by an attachment',
    expect: NC,
    build: (s) => {
      const eni = new ec2.CfnNetworkInterface(s, 'Eni', { subnetId: 'subnet-1' });
      const db = databaseNetwork(s, { internetRoute: false });
      new ec2.CfnNetworkInterfaceAttachment(s, 'Attach', { deviceIndex: '1', instanceId: db.ref, networkInterfaceId: eni.ref });
      return plain(s, 'AWS::EC2::EIPAssociation', { AllocationId: 'eipalloc-1', NetworkInterfaceId: eni.ref });
    },
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'plain',
    title: 'an EIP association to an interface no database host uses',
    expect: C,
    build: (s) => {
      const eni = new ec2.CfnNetworkInterface(s, 'Eni', { subnetId: 'subnet-1' });
      return plain(s, 'AWS::EC2::EIPAssociation', { AllocationId: 'eipalloc-1', NetworkInterfaceId: eni.ref });
    },
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'override',
    title: 'override moves the Elastic IP onto the database host',
    expect: NC,
    build: (s) => {
      const db = databaseNetwork(s, { internetRoute: false });
      const eip = new ec2.CfnEIP(s, 'Eip', { domain: 'vpc' });
      eip.addPropertyOverride('InstanceId', db.ref);
      return eip;
    },
  },
  {
    rule: 'DatabaseHostNoElasticIp',
    form: 'token',
    title: 'instance from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::EIP', { InstanceId: param(s) }),
  },

  // GlobalAcceleratorNotToDatabaseHost
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'l1',
    title: 'an accelerator endpoint that is a database host',
    expect: NC,
    detail: /database host Db/,
    build: (s) => endpointGroup(s, databaseNetwork(s, { internetRoute: false }).ref),
  },
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'l2',
    title: 'an internal load balancer in front of a database host',
    expect: NC,
    detail: /load balancer Lb/,
    build: (s) => endpointGroup(s, databaseLoadBalancer(s, true).ref),
  },
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'l2',
    title: 'a load balancer in front of other instances',
    expect: C,
    build: (s) => endpointGroup(s, databaseLoadBalancer(s, false).ref),
  },
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'plain',
    title: 'plain endpoint group naming a database host',
    expect: NC,
    build: (s) => plain(s, 'AWS::GlobalAccelerator::EndpointGroup', {
      ListenerArn: 'arn:listener',
      EndpointGroupRegion: 'eu-west-1',
      EndpointConfigurations: [{ EndpointId: databaseNetwork(s, { internetRoute: false }).ref }],
    }, 'Group'),
  },
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'override',
    title: 'override points the endpoint at the database host',
    expect: NC,
    build: (s) => {
      const db = databaseNetwork(s, { internetRoute: false });
      const group = endpointGroup(s, new ec2.CfnInstance(s, 'Web', { imageId: 'ami-1' }).ref);
      group.addPropertyOverride('EndpointConfigurations.0.EndpointId', db.ref);
      return group;
    },
  },
  {
    rule: 'GlobalAcceleratorNotToDatabaseHost',
    form: 'token',
    title: 'endpoint from a parameter',
    expect: UNV,
    build: (s) => endpointGroup(s, param(s)),
  },
];

function prefixList(s: Stack, cidrs: string[]): ec2.CfnPrefixList {
  return new ec2.CfnPrefixList(s, 'List', { prefixListName: 'peers', addressFamily: 'IPv4', maxEntries: 5, entries: cidrs.map((cidr) => ({ cidr })) });
}

/** A database host whose subnet's route table sends `destination` to a NAT gateway. */
function natNetwork(s: Stack, destination: { [key: string]: any }) {
  const host = databaseNetwork(s, { internetRoute: false });
  const nat = new ec2.CfnNatGateway(s, 'Nat', { subnetId: 'subnet-public' });
  const route = new ec2.CfnRoute(s, 'NatRoute', { routeTableId: (s.node.findChild('Table') as ec2.CfnRouteTable).ref, natGatewayId: nat.ref });
  for (const [key, value] of Object.entries(destination)) {
    route.addPropertyOverride(key, value);
  }
  return host;
}

function endpointGroup(s: Stack, endpointId: string): globalaccelerator.CfnEndpointGroup {
  return new globalaccelerator.CfnEndpointGroup(s, 'Group', {
    listenerArn: 'arn:aws:globalaccelerator::111122223333:accelerator/a/listener/l',
    endpointGroupRegion: 'eu-west-1',
    endpointConfigurations: [{ endpointId }],
  });
}

/** An internal NLB forwarding 5432 to an instance (a database host when `database`). */
function databaseLoadBalancer(s: Stack, database: boolean): elbv2.CfnLoadBalancer {
  const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const lb = new elbv2.NetworkLoadBalancer(s, 'Lb', { vpc, internetFacing: false });
  const host = new ec2.CfnInstance(s, 'Db', { imageId: 'ami-1', tags: database ? [{ key: 'timescale:service', value: 'orders' }] : [] });
  lb.addListener('Pg', { port: 5432 }).addTargets('Hosts', { port: 5432, targets: [new targets.InstanceIdTarget(host.ref, 5432)] });
  return lb.node.defaultChild as elbv2.CfnLoadBalancer;
}
