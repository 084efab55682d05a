import { Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import { CUSTOMER_ACCOUNT, newNetworkStack, propertiesOf, SERVICE_ACCOUNT } from './network-test-util';
import { CustomerPeering, CustomerPeeringProps, ServiceNetwork } from '../../lib/network';

const ACME_VPC = 'vpc-0a1b2c3d4e5f67890';
const GLOBEX_VPC = 'vpc-0fedcba9876543210';

function peer(network: ServiceNetwork, databaseSecurityGroup: ec2.ISecurityGroup, props: Partial<CustomerPeeringProps> = {}): CustomerPeeringProps {
  return { network, databaseSecurityGroup, customerName: 'acme', peerVpcId: ACME_VPC, peerCidrs: ['10.1.0.0/16'], ...props };
}

/** The route tables' resolved ids, as JSON strings, for set comparisons. */
function keys(stack: Stack, tokens: string[]): string[] {
  return tokens.map((t) => JSON.stringify(stack.resolve(t))).sort();
}

describe('CustomerPeering, one same-account customer', () => {
  let stack: Stack;
  let network: ServiceNetwork;
  let databaseSecurityGroup: ec2.SecurityGroup;
  let peering: CustomerPeering;
  let template: Template;

  beforeAll(() => {
    ({ stack, network, databaseSecurityGroup } = newNetworkStack());
    peering = new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, {
      peerCidrs: ['10.1.0.0/16', '100.64.0.0/20'],
      peerVpcCidrs: ['10.1.0.0/16', '100.64.0.0/16'],
    }));
    template = Template.fromStack(stack);
  });

  test('creates a peering connection from the service VPC to the customer VPC, without a peer role', () => {
    template.resourceCountIs('AWS::EC2::VPCPeeringConnection', 1);
    template.hasResourceProperties('AWS::EC2::VPCPeeringConnection', {
      VpcId: stack.resolve(network.vpc.vpcId),
      PeerVpcId: ACME_VPC,
      PeerOwnerId: Match.absent(),
      PeerRoleArn: Match.absent(),
      PeerRegion: Match.absent(),
      Tags: Match.arrayWith([{ Key: 'timescale:customer', Value: 'acme' }]),
    });
  });

  test('routes exactly the customer CIDRs over the peering, from exactly the database route tables', () => {
    const routes = propertiesOf(template, 'AWS::EC2::Route');
    const pairs = routes.map((r) => `${JSON.stringify(r.RouteTableId)} ${r.DestinationCidrBlock}`).sort();
    const expected = keys(stack, network.databaseRouteTableIds)
      .flatMap((rt) => ['10.1.0.0/16', '100.64.0.0/20'].map((cidr) => `${rt} ${cidr}`)).sort();
    expect(pairs).toEqual(expected);
    for (const route of routes) {
      expect(route.VpcPeeringConnectionId).toEqual(stack.resolve(peering.vpcPeeringConnectionId));
      expect(route.DestinationCidrBlock).not.toBe('0.0.0.0/0');
    }
  });

  test('admits exactly the database port from exactly the customer CIDRs, naming the customer', () => {
    const rules = propertiesOf(template, 'AWS::EC2::SecurityGroupIngress');
    expect(rules.map((r) => r.CidrIp).sort()).toEqual(['10.1.0.0/16', '100.64.0.0/20']);
    for (const rule of rules) {
      expect(rule).toEqual({
        GroupId: stack.resolve(databaseSecurityGroup.securityGroupId),
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        CidrIp: rule.CidrIp,
        Description: `Customer acme: database port from peered CIDR ${rule.CidrIp}`,
      });
    }
    // and nothing inline on the database group
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: 'Test/DatabaseSg', SecurityGroupIngress: Match.absent() });
  });

  test('enables DNS resolution from the customer VPC on the requester side, idempotently', () => {
    const resources = template.findResources('Custom::VpcPeeringDnsResolution');
    expect(Object.keys(resources)).toHaveLength(1);
    const properties = Object.values(resources)[0].Properties;
    const rendered = (call: any) => (call['Fn::Join'][1] as any[]).map((p) => (typeof p === 'string' ? p : '<pcx>')).join('');
    const onCreate = JSON.parse(rendered(properties.Create));
    const onUpdate = JSON.parse(rendered(properties.Update));
    const onDelete = JSON.parse(rendered(properties.Delete));
    expect(onCreate).toEqual({
      service: 'EC2',
      action: 'modifyVpcPeeringConnectionOptions',
      parameters: { VpcPeeringConnectionId: '<pcx>', RequesterPeeringConnectionOptions: { AllowDnsResolutionFromRemoteVpc: true } },
      physicalResourceId: { id: '<pcx>-requester-dns' },
    });
    expect(onUpdate).toEqual(onCreate);
    expect(onDelete.parameters.RequesterPeeringConnectionOptions).toEqual({ AllowDnsResolutionFromRemoteVpc: false });
    expect(onDelete.ignoreErrorCodesMatching).toBe('InvalidVpcPeeringConnectionID.NotFound');
    expect(properties.InstallLatestAwsSdk).toBe(false);
  });

  test('grants the DNS custom resource ModifyVpcPeeringConnectionOptions on this peering connection only', () => {
    const pcxRef = stack.resolve(peering.vpcPeeringConnectionId);
    const policies = propertiesOf(template, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p).includes('ModifyVpcPeeringConnectionOptions'));
    expect(policies).toHaveLength(1);
    expect(policies[0].PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'ec2:ModifyVpcPeeringConnectionOptions',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':vpc-peering-connection/', pcxRef]] },
      Condition: {
        ArnEquals: {
          'ec2:RequesterVpc': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':vpc/', stack.resolve(network.vpc.vpcId)]] },
        },
      },
    }]);
  });

  test('the custom resource function logs to a log group encrypted with the network\'s logs key, kept a year and retained except on a failed create', () => {
    const functions = propertiesOf(template, 'AWS::Lambda::Function').filter((f) => f.LoggingConfig);
    expect(functions).toHaveLength(1);
    const logGroupId = functions[0].LoggingConfig.LogGroup.Ref;
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { KmsKeyId: stack.resolve(network.logsKey.keyArn), RetentionInDays: 365 },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('exposes what the customer needs', () => {
    expect(peering.peerCidrs).toEqual(['10.1.0.0/16', '100.64.0.0/20']);
    expect(peering.databasePort).toBe(5432);
    expect(Token.isUnresolved(peering.vpcPeeringConnectionId)).toBe(true);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('CustomerPeering, cross-account and cross-Region', () => {
  test('passes the peer account, Region and accepter role to the peering connection', () => {
    const { stack, network, databaseSecurityGroup } = newNetworkStack({}, { env: { account: SERVICE_ACCOUNT, region: 'eu-west-1' } });
    new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, {
      peerOwnerId: CUSTOMER_ACCOUNT,
      peerRegion: 'us-east-1',
      peerRoleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/acme-accepter`,
      databasePort: 6432,
    }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPCPeeringConnection', {
      PeerOwnerId: CUSTOMER_ACCOUNT,
      PeerRegion: 'us-east-1',
      PeerRoleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/acme-accepter`,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6432, ToPort: 6432, CidrIp: '10.1.0.0/16' });
  });

  test('accepts the stack account given explicitly as a same-account peering', () => {
    const { stack, network, databaseSecurityGroup } = newNetworkStack({}, { env: { account: SERVICE_ACCOUNT, region: 'eu-west-1' } });
    new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, { peerOwnerId: SERVICE_ACCOUNT }));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCPeeringConnection', { PeerOwnerId: SERVICE_ACCOUNT, PeerRoleArn: Match.absent() });
  });
});

describe('CustomerPeering, several customers on one network', () => {
  let stack: Stack;
  let network: ServiceNetwork;
  let acme: CustomerPeering;
  let globex: CustomerPeering;
  let template: Template;

  beforeAll(() => {
    let databaseSecurityGroup: ec2.SecurityGroup;
    ({ stack, network, databaseSecurityGroup } = newNetworkStack({ egress: true }));
    acme = new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, { peerCidrs: ['10.1.0.0/16', '10.2.0.0/16'] }));
    globex = new CustomerPeering(stack, 'Globex', peer(network, databaseSecurityGroup, {
      customerName: 'globex', peerVpcId: GLOBEX_VPC, peerCidrs: ['172.16.0.0/16'],
    }));
    template = Template.fromStack(stack);
  });

  test('each customer\'s CIDRs are routed only over that customer\'s peering: no transitive path', () => {
    const routes = propertiesOf(template, 'AWS::EC2::Route').filter((r) => r.VpcPeeringConnectionId);
    const acmeRef = JSON.stringify(stack.resolve(acme.vpcPeeringConnectionId));
    const globexRef = JSON.stringify(stack.resolve(globex.vpcPeeringConnectionId));
    for (const route of routes) {
      const via = JSON.stringify(route.VpcPeeringConnectionId);
      if (route.DestinationCidrBlock === '172.16.0.0/16') {
        expect(via).toBe(globexRef);
      } else {
        expect(['10.1.0.0/16', '10.2.0.0/16']).toContain(route.DestinationCidrBlock);
        expect(via).toBe(acmeRef);
      }
    }
    expect(routes).toHaveLength(2 * 3);
  });

  test('peering routes go only into the database route tables, never the public ones', () => {
    const databaseTables = keys(stack, network.databaseRouteTableIds);
    const publicTables = keys(stack, network.vpc.publicSubnets.map((s) => s.routeTable.routeTableId));
    expect(publicTables).toHaveLength(2);
    for (const route of propertiesOf(template, 'AWS::EC2::Route').filter((r) => r.VpcPeeringConnectionId)) {
      expect(databaseTables).toContain(JSON.stringify(route.RouteTableId));
    }
  });

  test('one security group rule per customer CIDR, each naming its customer', () => {
    const rules = propertiesOf(template, 'AWS::EC2::SecurityGroupIngress');
    expect(rules.map((r) => [r.CidrIp, r.Description]).sort()).toEqual([
      ['10.1.0.0/16', 'Customer acme: database port from peered CIDR 10.1.0.0/16'],
      ['10.2.0.0/16', 'Customer acme: database port from peered CIDR 10.2.0.0/16'],
      ['172.16.0.0/16', 'Customer globex: database port from peered CIDR 172.16.0.0/16'],
    ]);
  });

  test('each customer gets its own DNS custom resource, sharing one function and one log group', () => {
    template.resourceCountIs('Custom::VpcPeeringDnsResolution', 2);
    expect(propertiesOf(template, 'AWS::Lambda::Function').filter((f) => f.LoggingConfig)).toHaveLength(1);
    template.resourceCountIs('AWS::Logs::LogGroup', 2); // flow logs + custom resource function
  });
});

describe('CustomerPeering bad input', () => {
  function attempt(props: Partial<CustomerPeeringProps>, stackEnv = {}) {
    const { stack, network, databaseSecurityGroup } = newNetworkStack({}, { env: stackEnv });
    return () => new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, props));
  }

  test('fails when the peer CIDR overlaps the service network', () => {
    expect(attempt({ peerCidrs: ['10.80.128.0/17'] }))
      .toThrow(/CustomerPeering 'acme': peer CIDR '10\.80\.128\.0\/17' overlaps the service network CIDR '10\.80\.0\.0\/16'/);
  });

  test('fails when a secondary peer CIDR overlaps the primary', () => {
    expect(attempt({ peerCidrs: ['10.1.0.0/16', '10.1.64.0/18'] }))
      .toThrow(/CustomerPeering 'acme' peerCidrs: '10\.1\.0\.0\/16' overlaps '10\.1\.64\.0\/18'/);
  });

  test('fails when a peer CIDR is listed twice', () => {
    expect(attempt({ peerCidrs: ['10.1.0.0/16', '10.1.0.0/16'] })).toThrow(/'10\.1\.0\.0\/16' overlaps '10\.1\.0\.0\/16'/);
  });

  test('fails when two customers on one network overlap, naming both ranges and customers', () => {
    const { stack, network, databaseSecurityGroup } = newNetworkStack();
    new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, { peerCidrs: ['10.1.0.0/16', '10.2.0.0/16'] }));
    expect(() => new CustomerPeering(stack, 'Globex', peer(network, databaseSecurityGroup, {
      customerName: 'globex', peerVpcId: GLOBEX_VPC, peerCidrs: ['172.16.0.0/16', '10.2.3.0/24'],
    }))).toThrow(/CustomerPeering 'globex': peer CIDR '10\.2\.3\.0\/24' overlaps '10\.2\.0\.0\/16' of customer 'acme' on the same ServiceNetwork/);
  });

  test('fails when two peerings use the same customer name', () => {
    const { stack, network, databaseSecurityGroup } = newNetworkStack();
    new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup));
    expect(() => new CustomerPeering(stack, 'Acme2', peer(network, databaseSecurityGroup, { peerCidrs: ['10.3.0.0/16'] })))
      .toThrow(/customerName 'acme' is already peered with this ServiceNetwork/);
  });

  test('fails for a default route', () => {
    expect(attempt({ peerCidrs: ['0.0.0.0/0'] })).toThrow(/peerCidrs\[0\] must not be a default route; got '0\.0\.0\.0\/0'/);
  });

  test('fails for a peer CIDR larger than any VPC', () => {
    expect(attempt({ peerCidrs: ['10.1.0.0/16', '172.0.0.0/8'] }))
      .toThrow(/peerCidrs\[1\] '172\.0\.0\.0\/8' is larger than any VPC \(VPC CIDR blocks are \/16 to \/28\)/);
  });

  test('fails for a peer CIDR larger than the customer VPC', () => {
    expect(attempt({ peerCidrs: ['10.1.0.0/16'], peerVpcCidrs: ['10.1.0.0/20'] }))
      .toThrow(/peer CIDR '10\.1\.0\.0\/16' is larger than or outside the customer VPC \(10\.1\.0\.0\/20\)/);
  });

  test('fails for a peer CIDR outside the customer VPC', () => {
    expect(attempt({ peerCidrs: ['10.1.0.0/20', '10.9.0.0/24'], peerVpcCidrs: ['10.1.0.0/16'] }))
      .toThrow(/peer CIDR '10\.9\.0\.0\/24' is larger than or outside the customer VPC/);
  });

  test('fails for a peer CIDR with host bits', () => {
    expect(attempt({ peerCidrs: ['10.1.2.3/16'] })).toThrow(/'10\.1\.2\.3\/16' has host bits set.*Use '10\.1\.0\.0\/16'/);
  });

  test('fails for an IPv6 or malformed peer CIDR', () => {
    expect(attempt({ peerCidrs: ['2001:db8::/56'] })).toThrow(/peerCidrs\[0\] must be an IPv4 CIDR block.*got '2001:db8::\/56'/);
  });

  test('fails for no peer CIDR', () => {
    expect(attempt({ peerCidrs: [] })).toThrow(/peerCidrs is empty/);
  });

  test('fails for a same-account peering given a peer role', () => {
    expect(attempt({ peerRoleArn: `arn:aws:iam::${SERVICE_ACCOUNT}:role/x` }))
      .toThrow(/peerRoleArn was given \('arn:aws:iam::111111111111:role\/x'\) for a same-account peering \(peerOwnerId not set\)/);
    expect(attempt({ peerOwnerId: SERVICE_ACCOUNT, peerRoleArn: `arn:aws:iam::${SERVICE_ACCOUNT}:role/x` }, { account: SERVICE_ACCOUNT }))
      .toThrow(/for a same-account peering \(peerOwnerId '111111111111' is this stack's account\)/);
  });

  test('fails for a cross-account peering without a peer role', () => {
    expect(attempt({ peerOwnerId: CUSTOMER_ACCOUNT }, { account: SERVICE_ACCOUNT }))
      .toThrow(/peerRoleArn is required for a cross-account peering \(peerOwnerId '222222222222'\).*CustomerPeeringAccepter/);
  });

  test('fails for a peer role in another account than the peer owner', () => {
    expect(attempt({ peerOwnerId: CUSTOMER_ACCOUNT, peerRoleArn: 'arn:aws:iam::333333333333:role/x' }))
      .toThrow(/peerRoleArn 'arn:aws:iam::333333333333:role\/x' is in account 333333333333, but peerOwnerId is '222222222222'/);
  });

  test.each([
    [{ peerRoleArn: 'acme-accepter', peerOwnerId: CUSTOMER_ACCOUNT }, /peerRoleArn must be an IAM role ARN/],
    [{ peerOwnerId: '12345' }, /peerOwnerId must be a 12-digit AWS account id; got '12345'/],
    [{ peerVpcId: 'acme-vpc' }, /peerVpcId must be a VPC id such as 'vpc-0a1b2c3d4e5f67890'; got 'acme-vpc'/],
    [{ peerRegion: 'Ireland' }, /peerRegion must be an AWS Region name such as 'eu-west-1'; got 'Ireland'/],
    [{ customerName: 'acme/corp' }, /customerName must be a literal of 1 to 64 letters.*got 'acme\/corp'/],
    [{ customerName: '' }, /customerName must be a literal/],
    [{ databasePort: 70000 }, /databasePort must be a whole number from 1 to 65535; got 70000/],
  ])('fails for %o', (props, message) => {
    expect(attempt(props as Partial<CustomerPeeringProps>)).toThrow(message);
  });

  test('accepts unresolved tokens it cannot check', () => {
    const { stack, network, databaseSecurityGroup } = newNetworkStack();
    const cidr = new ec2.CfnPrefixList(stack, 'Dummy', { addressFamily: 'IPv4', maxEntries: 1, prefixListName: 'x' }).attrArn;
    expect(() => new CustomerPeering(stack, 'Acme', peer(network, databaseSecurityGroup, { peerCidrs: [cidr], peerVpcId: cidr }))).not.toThrow();
  });
});

/** Independent overlap arithmetic for the property test (not the library's). */
function rangeOf(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const value = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(prefix));
  return [value, value + size - 1];
}
function intersects(a: string, b: string): boolean {
  const [a1, a2] = rangeOf(a);
  const [b1, b2] = rangeOf(b);
  return a1 <= b2 && b1 <= a2;
}

describe('CustomerPeering property: random customer CIDR sets', () => {
  // Blocks around the service network (10.80.0.0/16) so overlaps are common but not universal.
  const cidrArb = fc.record({
    second: fc.integer({ min: 78, max: 83 }),
    third: fc.integer({ min: 0, max: 255 }),
    prefix: fc.integer({ min: 16, max: 24 }),
  }).map(({ second, third, prefix }) => {
    const block = 2 ** (24 - prefix);
    return `10.${second}.${Math.floor(third / block) * block}.0/${prefix}`;
  });
  const customersArb = fc.array(fc.array(cidrArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });

  test('either a clear overlap error, or routes and rules that are exactly the customers\' CIDRs', () => {
    let built = 0;
    let refused = 0;
    fc.assert(fc.property(customersArb, (customers) => {
      const { stack, network, databaseSecurityGroup } = newNetworkStack();
      const all = ['10.80.0.0/16', ...customers.flat()];
      let peerings: CustomerPeering[];
      try {
        peerings = customers.map((cidrs, i) => new CustomerPeering(stack, `Customer${i}`, peer(network, databaseSecurityGroup, {
          customerName: `customer${i}`, peerCidrs: cidrs,
        })));
      } catch (error) {
        const message = (error as Error).message;
        const named = message.match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? [];
        expect(message).toMatch(/overlaps/);
        expect(named).toHaveLength(2);
        const [first = '', second = ''] = named;
        expect(intersects(first, second)).toBe(true);
        expect(all).toEqual(expect.arrayContaining(named));
        refused++;
        return;
      }
      // No error: then no two ranges may overlap at all.
      for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
          expect(intersects(all[i], all[j])).toBe(false);
        }
      }
      const template = Template.fromStack(stack);
      const databaseTables = keys(stack, network.databaseRouteTableIds);
      const expectedRoutes = peerings.flatMap((p, i) => databaseTables.flatMap((rt) =>
        customers[i].map((cidr) => `${rt} ${cidr} ${JSON.stringify(stack.resolve(p.vpcPeeringConnectionId))}`))).sort();
      const routes = propertiesOf(template, 'AWS::EC2::Route')
        .map((r) => `${JSON.stringify(r.RouteTableId)} ${r.DestinationCidrBlock} ${JSON.stringify(r.VpcPeeringConnectionId)}`).sort();
      expect(routes).toEqual(expectedRoutes);
      const rules = propertiesOf(template, 'AWS::EC2::SecurityGroupIngress');
      for (const rule of rules) {
        expect([rule.IpProtocol, rule.FromPort, rule.ToPort]).toEqual(['tcp', 5432, 5432]);
      }
      expect(rules.map((r) => r.CidrIp).sort()).toEqual(customers.flat().sort());
      built++;
    }), { numRuns: 50 });
    // Both outcomes must actually have been exercised.
    expect(built).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
