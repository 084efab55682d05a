import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { C, NA, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

const EGRESS = 'DatabaseHostEgressRestricted';
const ENDPOINT = 'S3EndpointNamesBuckets';

const DATABASE_TAGS = [{ Key: 'timescale:service', Value: 'orders' }, { Key: 'timescale:role', Value: 'database' }];

/** A database host in a plain security group with the given inline egress (undefined: none written). */
function hostIn(s: Stack, egress: unknown[] | undefined, tags: unknown[] = DATABASE_TAGS) {
  const group = plain(s, 'AWS::EC2::SecurityGroup', { GroupDescription: 'db', VpcId: 'vpc-1', ...(egress ? { SecurityGroupEgress: egress } : {}) }, 'Group');
  return plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', SecurityGroupIds: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }], Tags: tags }, 'Host');
}

const egressResource = (s: Stack, id: string, props: { [key: string]: unknown }) =>
  plain(s, 'AWS::EC2::SecurityGroupEgress', { GroupId: { 'Fn::GetAtt': ['Group', 'GroupId'] }, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, ...props }, id);

const https = (props: { [key: string]: unknown }) => ({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, ...props });

function l2Host(s: Stack, allowAllOutbound: boolean) {
  const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const group = new ec2.SecurityGroup(s, 'Group', { vpc, allowAllOutbound });
  if (!allowAllOutbound) {
    group.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443));
    group.addEgressRule(ec2.Peer.prefixList('pl-6da54004'), ec2.Port.tcp(443));
  }
  const host = new ec2.Instance(s, 'Host', {
    vpc,
    securityGroup: group,
    instanceType: new ec2.InstanceType('t3.micro'),
    machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-1' }),
  });
  host.instance.tags.setTag('timescale:role', 'database');
  return host;
}

const S3_SERVICE = { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] };
const s3Arn = (...parts: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', ...parts]] });

function endpoint(s: Stack, statements: unknown[] | undefined, service: unknown = S3_SERVICE) {
  return plain(s, 'AWS::EC2::VPCEndpoint', {
    VpcId: 'vpc-1',
    ServiceName: service,
    RouteTableIds: ['rtb-1'],
    ...(statements ? { PolicyDocument: { Version: '2012-10-17', Statement: statements } } : {}),
  }, 'Endpoint');
}

const allow = (action: unknown, resource: unknown, extra: { [key: string]: unknown } = {}) =>
  ({ Effect: 'Allow', Principal: '*', Action: action, Resource: resource, ...extra });

export const EGRESS_CASES: RuleCase[] = [
  // DatabaseHostEgressRestricted
  { rule: EGRESS, form: 'l2', title: 'ec2.Instance in a group that allows all outbound', expect: NC, detail: /0\.0\.0\.0\/0/, build: (s) => l2Host(s, true) },
  { rule: EGRESS, form: 'l2', title: 'egress to the VPC CIDR and the S3 prefix list only', expect: C, build: (s) => l2Host(s, false) },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'a group without SecurityGroupEgress keeps CloudFormation\'s allow-all rule',
    expect: NC,
    detail: /no SecurityGroupEgress/,
    build: (s) => hostIn(s, undefined),
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'a group without SecurityGroupEgress stays open when standalone egress is added',
    expect: NC,
    build: (s) => {
      const host = hostIn(s, undefined);
      egressResource(s, 'ToVpc', { CidrIp: '10.0.0.0/16' });
      return host;
    },
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'IPv6 egress to ::/0 in a standalone resource',
    expect: NC,
    detail: /::\/0/,
    build: (s) => {
      const host = hostIn(s, [https({ CidrIp: '10.0.0.0/16' })]);
      egressResource(s, 'Anywhere6', { CidrIpv6: '::/0' });
      return host;
    },
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'egress split into two halves of the address space',
    expect: NC,
    detail: /together reach every public IPv4 address/,
    build: (s) => {
      const host = hostIn(s, [https({ CidrIp: '0.0.0.0/1' })]);
      egressResource(s, 'UpperHalf', { CidrIp: '128.0.0.0/1' });
      return host;
    },
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'private CIDRs, a group and a prefix list',
    expect: C,
    build: (s) => hostIn(s, [
      https({ CidrIp: '10.0.0.0/16' }),
      https({ CidrIp: '192.168.0.0/16' }),
      https({ DestinationSecurityGroupId: 'sg-2' }),
      https({ DestinationPrefixListId: 'pl-6da54004' }),
    ]),
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'a managed prefix list of the stack that holds 0.0.0.0/0',
    expect: NC,
    detail: /prefix list OpenList, which holds 0\.0\.0\.0\/0/,
    build: (s) => {
      plain(s, 'AWS::EC2::PrefixList', { AddressFamily: 'IPv4', MaxEntries: 1, PrefixListName: 'open', Entries: [{ Cidr: '0.0.0.0/0' }] }, 'OpenList');
      return hostIn(s, [https({ DestinationPrefixListId: { 'Fn::GetAtt': ['OpenList', 'PrefixListId'] } })]);
    },
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'the bastion is not a database host',
    expect: NA,
    build: (s) => hostIn(s, undefined, [{ Key: 'timescale:service', Value: 'orders' }, { Key: 'timescale:role', Value: 'bastion' }]),
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'a host without a security group uses the VPC default group',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', Tags: DATABASE_TAGS }, 'Host'),
  },
  {
    rule: EGRESS,
    form: 'plain',
    title: 'a host that takes its group from its launch template',
    expect: NC,
    detail: /Group SecurityGroupEgress\/0 allows egress to 0\.0\.0\.0\/0/,
    build: (s) => {
      hostIn(s, [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]);
      s.node.tryRemoveChild('Host');
      plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { SecurityGroupIds: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }] } }, 'Template');
      return plain(s, 'AWS::EC2::Instance', { LaunchTemplate: { LaunchTemplateId: { Ref: 'Template' }, Version: '1' }, Tags: DATABASE_TAGS }, 'Host');
    },
  },
  {
    rule: EGRESS,
    form: 'token',
    title: 'egress to a CIDR from a parameter',
    expect: UNV,
    build: (s) => hostIn(s, [https({ CidrIp: param(s) })]),
  },
  {
    rule: EGRESS,
    form: 'token',
    title: 'a security group from another stack',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', SecurityGroupIds: [Fn.importValue('db-group')], Tags: DATABASE_TAGS }, 'Host'),
  },
  {
    rule: EGRESS,
    form: 'override',
    title: 'an override opens the restricted group',
    expect: NC,
    build: (s) => {
      const host = l2Host(s, false);
      (s.node.findChild('Group').node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupEgress', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]);
      return host;
    },
  },

  // S3EndpointNamesBuckets
  {
    rule: ENDPOINT,
    form: 'l2',
    title: 'gateway endpoint without a policy (full access)',
    expect: NC,
    detail: /no PolicyDocument/,
    build: (s) => new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] })
      .addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 }),
  },
  {
    rule: ENDPOINT,
    form: 'l2',
    title: 'gateway endpoint for the stack\'s own bucket',
    expect: C,
    build: (s) => {
      const bucket = new s3.Bucket(s, 'Bucket');
      const e = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] })
        .addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
      e.addToPolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects('*')],
      }));
      return e;
    },
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'Resource "*" limited to principals of the account still reaches every bucket',
    expect: NC,
    detail: /wildcard \(\*\)/,
    build: (s) => endpoint(s, [allow('*', '*', { Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } } })]),
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'a bucket-name prefix anyone can register',
    expect: NC,
    detail: /al2023-repos-\{Region\}-\*\/\*/,
    build: (s) => endpoint(s, [allow('s3:GetObject', s3Arn('al2023-repos-', { Ref: 'AWS::Region' }, '-*/*'))]),
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'a wildcard bucket name pinned to its owning account',
    expect: C,
    build: (s) => endpoint(s, [allow('s3:GetObject', 'arn:aws:s3:::al2023-repos-eu-west-1-*/*', {
      Condition: { StringEquals: { 's3:ResourceAccount': '210987654321' } },
    })]),
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'exact names built from the Region, including one without dashes',
    expect: C,
    build: (s) => {
      plain(s, 'AWS::S3::Bucket', {}, 'Bucket');
      return endpoint(s, [
        allow('s3:GetObject', s3Arn('amazon-ssm-', { Ref: 'AWS::Region' }, '/*')),
        allow('s3:PutObject', s3Arn('cloudformation-custom-resource-response-', { 'Fn::Join': ['', { 'Fn::Split': ['-', { Ref: 'AWS::Region' }] }] }, '/*')),
        allow('s3:*', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, s3Arn({ Ref: 'Bucket' }, '/*')]),
        allow('ec2:*', '*'),
      ]);
    },
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'a deny of buckets outside this account limits every allow',
    expect: C,
    build: (s) => endpoint(s, [
      allow('*', '*'),
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': [{ Ref: 'AWS::AccountId' }] } } },
    ]),
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'NotResource admits every other bucket',
    expect: NC,
    detail: /NotResource/,
    build: (s) => endpoint(s, [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret-bucket/*' }]),
  },
  {
    rule: ENDPOINT,
    form: 'plain',
    title: 'an interface endpoint of another service',
    expect: NA,
    build: (s) => endpoint(s, undefined, { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.kms']] }),
  },
  {
    rule: ENDPOINT,
    form: 'token',
    title: 'a bucket named by a parameter',
    expect: UNV,
    build: (s) => endpoint(s, [allow('s3:GetObject', s3Arn(param(s), '/*'))]),
  },
  {
    rule: ENDPOINT,
    form: 'token',
    title: 'the endpoint policy is imported',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::VPCEndpoint', { VpcId: 'vpc-1', ServiceName: 'com.amazonaws.eu-west-1.s3', PolicyDocument: Fn.importValue('policy') }, 'Endpoint'),
  },
  {
    rule: ENDPOINT,
    form: 'override',
    title: 'an override widens a named bucket to every bucket',
    expect: NC,
    build: (s) => {
      const e = endpoint(s, [allow('s3:GetObject', s3Arn('amazon-ssm-', { Ref: 'AWS::Region' }, '/*'))]);
      e.addPropertyOverride('PolicyDocument.Statement.0.Resource', 'arn:aws:s3:::*/*');
      return e;
    },
  },
];
