import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { newStack, propertiesOf } from './network-test-util';
import { ServiceDns, ServiceDnsProps } from '../../lib/network';

function importZone(stack: Stack, zoneName = 'example.com'): route53.IPublicHostedZone {
  return route53.PublicHostedZone.fromPublicHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName });
}

function isolatedVpc(stack: Stack, id: string, cidr: string): ec2.Vpc {
  return new ec2.Vpc(stack, id, {
    ipAddresses: ec2.IpAddresses.cidr(cidr), maxAzs: 2, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

describe('ServiceDns with private addresses and a private zone', () => {
  let stack: Stack;
  let dns: ServiceDns;
  let serviceVpc: ec2.Vpc;
  let customerVpc: ec2.Vpc;
  let template: Template;

  beforeAll(() => {
    stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    serviceVpc = isolatedVpc(stack, 'ServiceVpc', '10.80.0.0/16');
    customerVpc = isolatedVpc(stack, 'CustomerVpc', '10.1.0.0/16');
    dns = new ServiceDns(stack, 'Dns', {
      zone: importZone(stack),
      recordName: 'DB.example.com.',
      privateIpAddresses: ['10.80.0.10', '10.80.1.10'],
      privateZoneVpcs: [serviceVpc, customerVpc],
    });
    template = Template.fromStack(stack);
  });

  test('publishes an A record for the name in the public zone, resolving to the private addresses only', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      Name: 'db.example.com.',
      Type: 'A',
      ResourceRecords: ['10.80.0.10', '10.80.1.10'],
      TTL: '60',
    });
    expect(dns.domainName).toBe('db.example.com');
  });

  test('answers the same name from a private zone named exactly the record, associated with the given VPCs', () => {
    template.resourceCountIs('AWS::Route53::HostedZone', 1);
    template.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: 'db.example.com.',
      VPCs: [
        { VPCId: stack.resolve(serviceVpc.vpcId), VPCRegion: 'eu-west-1' },
        { VPCId: stack.resolve(customerVpc.vpcId), VPCRegion: 'eu-west-1' },
      ],
    });
    const privateRecords = propertiesOf(template, 'AWS::Route53::RecordSet').filter((r) => r.HostedZoneId.Ref);
    expect(privateRecords).toEqual([{
      HostedZoneId: stack.resolve(dns.privateZone!.hostedZoneId),
      Name: 'db.example.com.',
      Type: 'A',
      ResourceRecords: ['10.80.0.10', '10.80.1.10'],
      TTL: '60',
    }]);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('ServiceDns options', () => {
  test('aliases the name to an internal Network Load Balancer', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack, 'Vpc', '10.80.0.0/16');
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc, internetFacing: false });
    new ServiceDns(stack, 'Dns', { zone: importZone(stack), recordName: 'db.example.com', loadBalancer: nlb });
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'db.example.com.',
      Type: 'A',
      AliasTarget: { DNSName: Match.anyValue(), HostedZoneId: stack.resolve(nlb.loadBalancerCanonicalHostedZoneId) },
      TTL: Match.absent(),
      ResourceRecords: Match.absent(),
    });
  });

  test('accepts the zone apex, a custom TTL and token addresses', () => {
    const stack = newStack();
    const eni = new ec2.CfnNetworkInterface(stack, 'Eni', { subnetId: 'subnet-0000000000000000a' });
    new ServiceDns(stack, 'Dns', { zone: importZone(stack, 'db.example.com'), recordName: 'db.example.com', privateIpAddresses: [eni.attrPrimaryPrivateIpAddress], ttl: Duration.minutes(5) });
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'db.example.com.', TTL: '300', ResourceRecords: [stack.resolve(eni.attrPrimaryPrivateIpAddress)],
    });
  });

  test('does not create a private zone by default', () => {
    const stack = newStack();
    const dns = new ServiceDns(stack, 'Dns', { zone: importZone(stack), recordName: 'db.example.com', privateIpAddresses: ['10.80.0.10'] });
    Template.fromStack(stack).resourceCountIs('AWS::Route53::HostedZone', 0);
    expect(dns.privateZone).toBeUndefined();
  });
});

describe('ServiceDns bad input', () => {
  function attempt(props: Partial<ServiceDnsProps>, zoneName = 'other.com') {
    const stack = newStack();
    return () => new ServiceDns(stack, 'Dns', { zone: importZone(stack, zoneName), recordName: 'db.example.com', privateIpAddresses: ['10.80.0.10'], ...props });
  }

  test('fails when the record name is not within the hosted zone, naming both', () => {
    expect(attempt({})).toThrow(/recordName 'db\.example\.com' is not within the hosted zone 'other\.com'/);
  });

  test('fails when the record name only ends with the zone name\'s characters', () => {
    expect(attempt({ recordName: 'db.notexample.com' }, 'example.com')).toThrow(/'db\.notexample\.com' is not within the hosted zone 'example\.com'/);
  });

  test('fails for a malformed record name', () => {
    expect(attempt({ recordName: 'db..example.com' }, 'example.com')).toThrow(/recordName must be a fully-qualified DNS name.*got 'db\.\.example\.com'/);
    expect(attempt({ recordName: 'db_-.example com' }, 'example.com')).toThrow(/must be a fully-qualified DNS name/);
  });

  test('fails for a public address', () => {
    expect(attempt({ privateIpAddresses: ['10.80.0.10', '52.95.110.1'] }, 'example.com'))
      .toThrow(/privateIpAddresses\[1\] '52\.95\.110\.1' is a public address/);
  });

  test('fails for something that is not an IPv4 address', () => {
    expect(attempt({ privateIpAddresses: ['db.internal'] }, 'example.com')).toThrow(/privateIpAddresses\[0\] must be an IPv4 address.*got 'db\.internal'/);
  });

  test('fails without a target or with two', () => {
    expect(attempt({ privateIpAddresses: [] }, 'example.com')).toThrow(/needs exactly one target.*got neither/);
    const stack = newStack();
    const vpc = isolatedVpc(stack, 'Vpc', '10.80.0.0/16');
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc });
    expect(() => new ServiceDns(stack, 'Dns', { zone: importZone(stack), recordName: 'db.example.com', privateIpAddresses: ['10.0.0.1'], loadBalancer: nlb }))
      .toThrow(/needs exactly one target.*got both/);
  });

  test('fails for an internet-facing load balancer', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc, internetFacing: true });
    expect(() => new ServiceDns(stack, 'Dns', { zone: importZone(stack), recordName: 'db.example.com', loadBalancer: nlb }))
      .toThrow(/loadBalancer 'Test\/Nlb' is internet-facing/);
  });
});
