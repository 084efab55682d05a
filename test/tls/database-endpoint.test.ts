import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { DatabaseEndpoint, DatabaseEndpointProps } from '../../lib/tls';

const SERVER = 'db.example.internal';

function newStack() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const databaseSecurityGroup = new ec2.SecurityGroup(stack, 'DatabaseSecurityGroup', { vpc, allowAllOutbound: false });
  const instance = new ec2.Instance(stack, 'Database', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: new ec2.InstanceType('t4g.medium'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
    securityGroup: databaseSecurityGroup,
  });
  return { app, stack, vpc, instance };
}

function build(props: Partial<DatabaseEndpointProps> = {}) {
  const { stack, vpc, instance } = newStack();
  return () => new DatabaseEndpoint(stack, 'Endpoint', {
    vpc, instances: [instance], allowedNetworks: ['10.20.0.0/16'], serverName: SERVER, ...props,
  });
}

describe('DatabaseEndpoint', () => {
  let template: Template;
  let endpoint: DatabaseEndpoint;
  let stack: Stack;

  beforeAll(() => {
    const env = newStack();
    stack = env.stack;
    endpoint = new DatabaseEndpoint(stack, 'Endpoint', {
      vpc: env.vpc,
      instances: [env.instance],
      allowedNetworks: ['10.20.0.0/16', '192.168.8.0/24', 'fd00:1::/64'],
      serverName: SERVER,
    });
    template = Template.fromStack(stack);
  });

  test('an internal network load balancer with cross-zone balancing and a security group', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internal',
      Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet') }]),
      SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointSecurityGroup'), 'GroupId'] }],
      LoadBalancerAttributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
    });
  });

  test('deletion protection is switched on after the load balancer exists, for it only, and off on delete', () => {
    // Not the load balancer's own attribute: on from the first create, it would block that create's rollback.
    const [[switchId, protection]] = Object.entries(template.findResources('Custom::LoadBalancerDeletionProtection'));
    const loadBalancerId = stack.getLogicalId(endpoint.loadBalancer.node.defaultChild as CfnElement);
    expect(protection.DependsOn).toEqual(expect.arrayContaining([loadBalancerId]));
    expect(protection.Properties.Create).toEqual(protection.Properties.Update);
    expect(JSON.stringify(protection.Properties.Create)).toContain('{\\"Key\\":\\"deletion_protection.enabled\\",\\"Value\\":\\"true\\"}');
    expect(JSON.stringify(protection.Properties.Delete)).toContain('{\\"Key\\":\\"deletion_protection.enabled\\",\\"Value\\":\\"false\\"}');
    expect(JSON.stringify(protection.Properties.Delete)).toContain('LoadBalancerNotFound');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'elasticloadbalancing:ModifyLoadBalancerAttributes', Resource: { Ref: loadBalancerId } }],
      },
    });
    expect(switchId).toMatch(/^EndpointDeletionProtection/);
  });

  test('one TCP listener on 5432 passes through to the hosts (no TLS termination)', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 5432,
      Protocol: 'TCP',
      Certificates: Match.absent(),
      SslPolicy: Match.absent(),
      AlpnPolicy: Match.absent(),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 5432,
      Protocol: 'TCP',
      TargetType: 'instance',
      HealthCheckProtocol: 'TCP',
      HealthCheckPort: 'traffic-port',
      Targets: [{ Id: { Ref: Match.stringLikeRegexp('^Database') }, Port: 5432 }],
      TargetGroupAttributes: Match.arrayWith([{ Key: 'preserve_client_ip.enabled', Value: 'true' }]),
    });
  });

  test('the load balancer admits the database port only from the allowed networks', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('PostgreSQL endpoint') },
    });
    const [group] = Object.values(groups);
    expect(group.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.20.0.0/16', Description: 'PostgreSQL from 10.20.0.0/16', FromPort: 5432, IpProtocol: 'tcp', ToPort: 5432 },
      { CidrIp: '192.168.8.0/24', Description: 'PostgreSQL from 192.168.8.0/24', FromPort: 5432, IpProtocol: 'tcp', ToPort: 5432 },
      { CidrIpv6: 'fd00:1::/64', Description: 'PostgreSQL from fd00:1::/64', FromPort: 5432, IpProtocol: 'tcp', ToPort: 5432 },
    ]);
    // No default allow-all egress: the only way out is to the hosts on the database port.
    expect(JSON.stringify(group.Properties.SecurityGroupEgress ?? [])).not.toMatch(/"IpProtocol":"-1"/);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseSecurityGroup'), 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
    });
  });

  test("the hosts' security group admits the database port only from the load balancer's security group", () => {
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    expect(Object.values(ingress).map((r) => r.Properties)).toEqual([{
      Description: 'PostgreSQL from the database endpoint only',
      GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^DatabaseSecurityGroup/), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^EndpointSecurityGroup/), 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
    }]);
  });

  test('outputs a verify-full connection string for the server name, without a password', () => {
    const expected = `host=${SERVER} port=5432 dbname=postgres sslmode=verify-full sslrootcert=timescale-ca.pem`;
    template.hasOutput('*', { Value: expected });
    expect(endpoint.connectionString).toBe(expected);
    const values = Object.values(template.toJSON().Outputs as { [id: string]: { Value: unknown } }).map((o) => JSON.stringify(o.Value));
    expect(values.join('\n')).not.toMatch(/password/i);
    expect(endpoint.port).toBe(5432);
  });

  test('no warnings when the server name is given and networks are private', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('DatabaseEndpoint options', () => {
  test('cannot be made internet-facing: the prop does not exist and is ignored if forced', () => {
    const { stack, vpc, instance } = newStack();
    const props: DatabaseEndpointProps = {
      vpc,
      instances: [instance],
      allowedNetworks: ['10.20.0.0/16'],
      serverName: SERVER,
      // @ts-expect-error internetFacing is not part of the API: the endpoint is internal, always.
      internetFacing: true,
    };
    new DatabaseEndpoint(stack, 'Endpoint', props);
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
  });

  test('fails synthesis when the scheme is changed on the L1 resource', () => {
    const { app, stack, vpc, instance } = newStack();
    const endpoint = new DatabaseEndpoint(stack, 'Endpoint', { vpc, instances: [instance], allowedNetworks: ['10.20.0.0/16'], serverName: SERVER });
    (endpoint.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer).scheme = 'internet-facing';
    expect(() => app.synth()).toThrow(/load balancer must be internal; its scheme was changed to 'internet-facing'/);
  });

  test('a custom port, database name and CA path reach listener, targets, rules and connection string', () => {
    const { stack, vpc, instance } = newStack();
    const endpoint = new DatabaseEndpoint(stack, 'Endpoint', {
      vpc,
      instances: [instance],
      allowedNetworks: ['10.20.0.0/16'],
      serverName: SERVER,
      port: 6432,
      databaseName: 'tsdb',
      sslRootCertPath: '/etc/ssl/timescale-ca.pem',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 6432, Protocol: 'TCP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 6432 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6432, ToPort: 6432 });
    expect(endpoint.connectionString).toBe(`host=${SERVER} port=6432 dbname=tsdb sslmode=verify-full sslrootcert=/etc/ssl/timescale-ca.pem`);
  });

  test('without a server name, uses the load balancer DNS name and warns', () => {
    const { stack, vpc, instance } = newStack();
    const endpoint = new DatabaseEndpoint(stack, 'Endpoint', { vpc, instances: [instance], allowedNetworks: ['10.20.0.0/16'] });
    expect(stack.resolve(endpoint.hostName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointLoadBalancer/), 'DNSName'] });
    Annotations.fromStack(stack).hasWarning('/Stack/Endpoint', Match.stringLikeRegexp('serverName is not set'));
  });

  test('a public (non-private) allowed network is accepted with a warning', () => {
    const { stack, vpc, instance } = newStack();
    new DatabaseEndpoint(stack, 'Endpoint', { vpc, instances: [instance], allowedNetworks: ['203.0.113.0/24'], serverName: SERVER });
    Annotations.fromStack(stack).hasWarning('/Stack/Endpoint', Match.stringLikeRegexp("'203.0.113.0/24' is not a private address range"));
  });

  test('allowed networks given as tokens are accepted', () => {
    const { stack, vpc, instance } = newStack();
    const peer = new ec2.Vpc(stack, 'Peer', { natGateways: 0, ipAddresses: ec2.IpAddresses.cidr('10.50.0.0/16') });
    new DatabaseEndpoint(stack, 'Endpoint', { vpc, instances: [instance], allowedNetworks: [peer.vpcCidrBlock], serverName: SERVER });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Peer'), 'CidrBlock'] }, FromPort: 5432 })],
    });
  });

});

describe('DatabaseEndpoint bad input', () => {
  test('fails for 0.0.0.0/0', () => {
    expect(build({ allowedNetworks: ['10.20.0.0/16', '0.0.0.0/0'] }))
      .toThrow(/allowedNetworks\[1\] must not contain '0.0.0.0\/0': it admits every address/);
  });

  test('fails for ::/0', () => {
    expect(build({ allowedNetworks: ['::/0'] })).toThrow(/allowedNetworks\[0\] must not contain '::\/0': it admits every address/);
  });

  test.each([
    ['not-a-cidr'],
    ['10.0.0.0'],
    ['10.0.0.0/33'],
    ['256.1.1.0/24'],
    ['fd00::/129'],
    [''],
  ])('fails for the invalid CIDR %p', (cidr) => {
    expect(build({ allowedNetworks: [cidr] })).toThrow(new RegExp(`allowedNetworks\\[0\\] must contain only CIDR blocks; got '${cidr.replace(/[./]/g, '\\$&')}', which is not a valid CIDR`));
  });

  test('fails for a CIDR with host bits set, suggesting the network', () => {
    expect(build({ allowedNetworks: ['10.20.1.7/16'] })).toThrow(/no host bits set\); got '10.20.1.7\/16'. Did you mean '10.20.0.0\/16'\?/);
    expect(build({ allowedNetworks: ['fd00:1::5/64'] })).toThrow(/Did you mean 'fd00:1::\/64'\?/);
  });

  test('fails for an empty list of allowed networks', () => {
    expect(build({ allowedNetworks: [] })).toThrow(/allowedNetworks must contain at least one client network; got an empty list/);
  });

  test('fails without instances', () => {
    expect(build({ instances: [] })).toThrow(/instances must contain at least one PostgreSQL host/);
  });

  test('fails for a port out of range', () => {
    expect(build({ port: 70000 })).toThrow(/DatabaseEndpointProps.port must be a whole number from 1 to 65535; got 70000/);
  });
});
