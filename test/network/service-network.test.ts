import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { newNetworkStack, newStack, propertiesOf } from './network-test-util';
import { ServiceNetwork } from '../../lib/network';

const EXPECTED_ENDPOINT_SERVICES = ['ssm', 'ssmmessages', 'ec2messages', 'kms', 'secretsmanager', 'logs', 'monitoring', 'sts', 'cloudformation'];

function serviceSuffix(serviceName: any): string {
  // { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.ssm']] } -> 'ssm'
  const parts = serviceName['Fn::Join'][1];
  return String(parts[parts.length - 1]).replace(/^\./, '');
}

describe('ServiceNetwork with defaults', () => {
  let stack: Stack;
  let network: ServiceNetwork;
  let template: Template;
  let logsKey: kms.IKey;

  beforeAll(() => {
    ({ stack, network, logsKey } = newNetworkStack());
    template = Template.fromStack(stack);
  });

  test('creates a /16 VPC with DNS support and no internet gateway, NAT gateway or Elastic IP', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.80.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    expect(network.vpcCidrBlock).toBe('10.80.0.0/16');
  });

  test('has only isolated database subnets, in two AZs, none mapping public IPs', () => {
    const subnets = propertiesOf(template, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) {
      expect(subnet.MapPublicIpOnLaunch).toBe(false);
      expect(subnet.Tags).toEqual(expect.arrayContaining([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]));
    }
    expect(network.databaseSubnets.subnets).toHaveLength(2);
    expect(network.databaseRouteTableIds).toHaveLength(2);
  });

  test('has no routes at all: nothing leaves the VPC except through endpoints', () => {
    template.resourceCountIs('AWS::EC2::Route', 0);
  });

  test('restricts the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { DefaultSecurityGroupId: Match.anyValue() });
  });

  test('creates an interface endpoint with private DNS in the database subnets for every API the hosts use', () => {
    const endpoints = propertiesOf(template, 'AWS::EC2::VPCEndpoint').filter((e) => e.VpcEndpointType === 'Interface');
    expect(endpoints.map((e) => serviceSuffix(e.ServiceName)).sort()).toEqual([...EXPECTED_ENDPOINT_SERVICES].sort());
    const subnetRefs = network.databaseSubnets.subnetIds.map((id) => stack.resolve(id));
    for (const endpoint of endpoints) {
      expect(endpoint.PrivateDnsEnabled).toBe(true);
      expect(endpoint.SubnetIds).toEqual(subnetRefs);
      expect(endpoint.SecurityGroupIds).toEqual([stack.resolve(network.endpointSecurityGroup.securityGroupId)]);
    }
  });

  test('limits every interface endpoint to principals of this account', () => {
    const endpoints = propertiesOf(template, 'AWS::EC2::VPCEndpoint').filter((e) => e.VpcEndpointType === 'Interface');
    for (const endpoint of endpoints) {
      expect(endpoint.PolicyDocument.Statement).toEqual([{
        Sid: 'AllowPrincipalsOfThisAccountOnly',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      }]);
    }
  });

  test('the endpoint security group admits HTTPS from the VPC CIDR only and allows no egress', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('interface endpoints'),
      SecurityGroupIngress: [{ CidrIp: '10.80.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
  });

  test('adds an S3 gateway endpoint on exactly the database route tables', () => {
    const gateways = propertiesOf(template, 'AWS::EC2::VPCEndpoint').filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(1);
    expect(gateways[0].ServiceName['Fn::Join'][1]).toContain('.s3');
    expect(gateways[0].RouteTableIds).toEqual(network.databaseRouteTableIds.map((id) => stack.resolve(id)));
  });

  test('the S3 endpoint admits this account\'s principals to this account\'s buckets, unsigned reads of named AWS buckets, and custom-resource replies only', () => {
    const gateway = propertiesOf(template, 'AWS::EC2::VPCEndpoint').find((e) => e.VpcEndpointType === 'Gateway')!;
    const [account, repos, replies] = gateway.PolicyDocument.Statement;
    expect(gateway.PolicyDocument.Statement).toHaveLength(3);
    // CloudFormation presigns the reply URL, so the request carries CloudFormation's account, not ours.
    expect(replies.Action).toBe('s3:PutObject');
    expect(replies.Condition).toBeUndefined();
    // The documented bucket name: the Region without dashes, nothing after it; objects only.
    expect(replies.Resource).toEqual({
      'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':s3:::cloudformation-custom-resource-response-',
        { 'Fn::Join': ['', { 'Fn::Split': ['-', { Ref: 'AWS::Region' }] }] }, '/*',
      ]],
    });
    expect(account.Action).toBe('s3:*');
    expect(account.Condition).toEqual({
      StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' }, 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } },
    });
    expect(repos.Action).toBe('s3:GetObject');
    expect(repos.Condition).toBeUndefined();
    const arns = JSON.stringify(repos.Resource);
    expect(arns).toContain(':s3:::al2023-repos-');
    expect(arns).toContain(':s3:::amazonlinux-2-repos-');
    for (const resource of repos.Resource) {
      expect(resource['Fn::Join'][1][resource['Fn::Join'][1].length - 1]).toMatch(/\/\*$/); // objects only
    }
  });

  test('logs ALL traffic to a KMS-encrypted log group kept one year and retained', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: stack.resolve(network.vpc.vpcId),
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: stack.resolve(network.flowLogGroup.logGroupName),
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: stack.resolve(logsKey.keyArn), RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('delivers flow logs with a role only this account\'s flow logs can assume, allowed to write to that log group only', () => {
    const flowLog = propertiesOf(template, 'AWS::EC2::FlowLog')[0];
    const roleId = flowLog.DeliverLogsPermissionArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    }]);
    const policies = propertiesOf(template, 'AWS::IAM::ManagedPolicy').filter((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]));
    expect(policies).toHaveLength(1);
    expect(policies[0].PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: stack.resolve(network.flowLogGroup.logGroupArn),
    }]);
    expect(propertiesOf(template, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]))).toHaveLength(0);
  });

  test('adds no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('ServiceNetwork.s3PrefixListId', () => {
  test('looks the Region\'s S3 prefix list up at deploy time, once, with only DescribeManagedPrefixLists', () => {
    const { stack, network } = newNetworkStack();
    const first = network.s3PrefixListId;
    expect(network.s3PrefixListId).toBe(first);
    const template = Template.fromStack(stack);
    const lookups = template.findResources('Custom::S3PrefixListLookup');
    expect(Object.keys(lookups)).toHaveLength(1);
    const [id] = Object.keys(lookups);
    expect(stack.resolve(first)).toEqual({ 'Fn::GetAtt': [id, 'PrefixLists.0.PrefixListId'] });
    const create = JSON.stringify(lookups[id].Properties.Create);
    expect(create).toContain('describeManagedPrefixLists');
    expect(create).toContain('prefix-list-name');
    expect(create).toContain('com.amazonaws.');
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.PolicyName.startsWith('NetworkS3PrefixList'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{ Action: 'ec2:DescribeManagedPrefixLists', Effect: 'Allow', Resource: '*' }]);
  });

  test('is not created unless asked for', () => {
    const { stack } = newNetworkStack();
    expect(Template.fromStack(stack).findResources('Custom::S3PrefixListLookup')).toEqual({});
  });
});

describe('ServiceNetwork options', () => {
  test('uses the given CIDR and number of AZs', () => {
    const { stack, network } = newNetworkStack({ cidr: '10.90.0.0/20', maxAzs: 3 }, { env: { account: '111111111111', region: 'eu-west-1' } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.90.0.0/20' });
    template.resourceCountIs('AWS::EC2::Subnet', 3);
    expect(network.vpcCidrBlock).toBe('10.90.0.0/20');
  });

  test('egress adds one NAT gateway in public subnets that map no public IPs, and warns', () => {
    const { stack, network } = newNetworkStack({ egress: true });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    for (const subnet of propertiesOf(template, 'AWS::EC2::Subnet')) {
      expect(subnet.MapPublicIpOnLaunch).toBe(false);
    }
    // The database subnets' default route goes to the NAT gateway, never straight to the internet gateway.
    const databaseTables = network.databaseRouteTableIds.map((id) => JSON.stringify(stack.resolve(id)));
    const databaseRoutes = propertiesOf(template, 'AWS::EC2::Route').filter((r) => databaseTables.includes(JSON.stringify(r.RouteTableId)));
    expect(databaseRoutes).toHaveLength(2);
    for (const route of databaseRoutes) {
      expect(route.NatGatewayId).toBeDefined();
      expect(route.GatewayId).toBeUndefined();
    }
    Annotations.fromStack(stack).hasWarning('/Test/Network', Match.stringLikeRegexp('egress is on'));
  });

  test('a flow log retention shorter than a year warns', () => {
    const { stack } = newNetworkStack({ flowLogRetention: logs.RetentionDays.ONE_MONTH });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    Annotations.fromStack(stack).hasWarning('/Test/Network', Match.stringLikeRegexp('kept 30 days'));
  });

  test('a longer flow log retention does not warn', () => {
    const { stack } = newNetworkStack({ flowLogRetention: logs.RetentionDays.TEN_YEARS });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('adds additional interface endpoints with the same protections', () => {
    const { stack } = newNetworkStack({ additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.ECR] });
    const endpoints = propertiesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint').filter((e) => e.VpcEndpointType === 'Interface');
    const ecr = endpoints.find((e) => serviceSuffix(e.ServiceName) === 'ecr.api')!;
    expect(ecr.PrivateDnsEnabled).toBe(true);
    expect(ecr.PolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
    expect(endpoints).toHaveLength(EXPECTED_ENDPOINT_SERVICES.length + 1);
  });

  test('an additional endpoint that is also required is created once', () => {
    const { stack } = newNetworkStack({ additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING] });
    const endpoints = propertiesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint').filter((e) => e.VpcEndpointType === 'Interface');
    expect(endpoints.filter((e) => serviceSuffix(e.ServiceName) === 'monitoring')).toHaveLength(1);
    expect(endpoints).toHaveLength(EXPECTED_ENDPOINT_SERVICES.length);
  });

  test('finds the interface endpoint of a service, required or additional, and none for a service it lacks', () => {
    const { stack, network } = newNetworkStack({ additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.PRIVATE_CERTIFICATE_AUTHORITY] });
    const serviceOf = (endpoint: ec2.InterfaceVpcEndpoint | undefined) =>
      serviceSuffix(stack.resolve((endpoint!.node.defaultChild as ec2.CfnVPCEndpoint).serviceName));
    expect(serviceOf(network.interfaceEndpointFor(ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER))).toBe('secretsmanager');
    expect(serviceOf(network.interfaceEndpointFor(ec2.InterfaceVpcEndpointAwsService.PRIVATE_CERTIFICATE_AUTHORITY))).toBe('acm-pca');
    expect(network.interfaceEndpointFor(ec2.InterfaceVpcEndpointAwsService.ECR)).toBeUndefined();
  });
});

describe('ServiceNetwork with an existing VPC', () => {
  test('uses the isolated subnets of a VPC defined in the app and learns its CIDR', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', {
      ipAddresses: ec2.IpAddresses.cidr('10.60.0.0/16'),
      maxAzs: 2,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const network = new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(network.vpcCidrBlock).toBe('10.60.0.0/16');
    expect(network.databaseSubnets.subnets).toEqual(vpc.isolatedSubnets);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      RouteTableIds: vpc.isolatedSubnets.map((s) => stack.resolve(s.routeTable.routeTableId)),
    });
  });

  test('uses an imported VPC', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.70.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
      isolatedSubnetRouteTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'],
    });
    const network = new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceId: 'vpc-0123456789abcdef0', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'] });
    expect(network.vpcCidrBlock).toBe('10.70.0.0/16');
  });

  test('fails when the chosen subnets are of type PUBLIC', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 2 });
    expect(() => new ServiceNetwork(stack, 'Network', {
      vpc, logsKey: new kms.Key(stack, 'Key'), databaseSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    })).toThrow(/databaseSubnets selects subnetType PUBLIC.*no route to an internet gateway/);
  });

  test('fails when public subnets are chosen explicitly', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 2 });
    expect(() => new ServiceNetwork(stack, 'Network', {
      vpc, logsKey: new kms.Key(stack, 'Key'), databaseSubnets: { subnets: vpc.publicSubnets },
    })).toThrow(/databaseSubnets selects public subnets \(Test\/Existing\/PublicSubnet1.*Select PRIVATE_ISOLATED/);
  });

  test('fails when an imported VPC\'s public subnets are chosen', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      publicSubnetIds: ['subnet-0000000000000000a'],
    });
    expect(() => new ServiceNetwork(stack, 'Network', {
      vpc, logsKey: new kms.Key(stack, 'Key'), databaseSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    })).toThrow(/subnetType PUBLIC/);
  });

  test('fails when an imported VPC does not give its CIDR block', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-0000000000000000a'],
    });
    expect(() => new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') }))
      .toThrow(/vpc 'Test\/Imported' does not know its CIDR block.*Pass vpcCidrBlock to ec2\.Vpc\.fromVpcAttributes/);
  });

  test('fails at synth when a chosen subnet routes to an internet gateway defined in the app', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const vpc = new ec2.Vpc(stack, 'Existing', {
      maxAzs: 2, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const igw = new ec2.CfnInternetGateway(stack, 'Igw');
    new ec2.CfnRoute(stack, 'Sneaky', {
      routeTableId: vpc.isolatedSubnets[1].routeTable.routeTableId, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref,
    });
    new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    expect(() => app.synth()).toThrow(/database subnet Test\/Existing\/DbSubnet2 routes 0\.0\.0\.0\/0 \(Test\/Sneaky\) to an internet gateway/);
  });

  test('fails at synth when a chosen subnet routes to an internet gateway given by id', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const vpc = new ec2.Vpc(stack, 'Existing', {
      maxAzs: 1, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new ec2.CfnRoute(stack, 'Sneaky', {
      routeTableId: vpc.isolatedSubnets[0].routeTable.routeTableId, destinationCidrBlock: '198.51.100.0/24', gatewayId: 'igw-0123456789abcdef0',
    });
    new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    expect(() => app.synth()).toThrow(/routes 198\.51\.100\.0\/24 .* to an internet gateway/);
  });

  test('a route to a virtual private gateway is not an internet route', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const vpc = new ec2.Vpc(stack, 'Existing', {
      maxAzs: 1, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new ec2.CfnRoute(stack, 'ToVgw', {
      routeTableId: vpc.isolatedSubnets[0].routeTable.routeTableId, destinationCidrBlock: '192.168.0.0/16', gatewayId: 'vgw-0123456789abcdef0',
    });
    new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails at synth when a chosen subnet maps public IPs', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const vpc = new ec2.Vpc(stack, 'Existing', {
      maxAzs: 1, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    (vpc.isolatedSubnets[0].node.defaultChild as ec2.CfnSubnet).mapPublicIpOnLaunch = true;
    new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key') });
    expect(() => app.synth()).toThrow(/database subnet Test\/Existing\/DbSubnet1 maps public IPs on launch/);
  });

  test('fails when creation options are combined with an existing VPC', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 1, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new ServiceNetwork(stack, 'Network', { vpc, logsKey: new kms.Key(stack, 'Key'), cidr: '10.1.0.0/16', egress: false }))
      .toThrow(/ServiceNetworkProps\.cidr, egress only apply to a VPC the construct creates/);
  });
});

describe('ServiceNetwork bad input', () => {
  test.each([
    ['10.0.0.0/8', /must be a \/16 to \/24 block.*got '10\.0\.0\.0\/8'/],
    ['10.80.0.0/26', /must be a \/16 to \/24 block/],
    ['10.80.0.1/16', /'10\.80\.0\.1\/16' has host bits set.*Use '10\.80\.0\.0\/16'/],
    ['ten.eighty/16', /must be an IPv4 CIDR block such as '10\.20\.0\.0\/16'; got 'ten\.eighty\/16'/],
    ['10.80.0.300/16', /must be an IPv4 CIDR block/],
  ])('fails for cidr %s', (cidr, message) => {
    const stack = newStack();
    expect(() => new ServiceNetwork(stack, 'Network', { cidr, logsKey: new kms.Key(stack, 'Key') })).toThrow(message);
  });

  test('fails for maxAzs 0', () => {
    const stack = newStack();
    expect(() => new ServiceNetwork(stack, 'Network', { maxAzs: 0, logsKey: new kms.Key(stack, 'Key') }))
      .toThrow(/maxAzs must be a whole number from 1 to 6 Availability Zones; got 0/);
  });

  test('fails for an AWS-managed logs key', () => {
    const stack = newStack();
    expect(() => new ServiceNetwork(stack, 'Network', { logsKey: kms.Alias.fromAliasName(stack, 'Aws', 'alias/aws/logs') }))
      .toThrow(/ServiceNetworkProps\.logsKey must be a customer-managed KMS key; got the AWS-managed key 'alias\/aws\/logs'/);
  });
});
