import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
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
];
