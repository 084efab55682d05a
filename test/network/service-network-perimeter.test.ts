import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newNetworkStack } from './network-test-util';
import { RuleStatus } from '../../lib/nag';
import { ServiceNetwork } from '../../lib/network';
import { Decision, Deployment, evaluate, resolve } from '../deploy/template-model';
import { judge } from '../nag/helpers';

/**
 * What leaves the service VPC through the S3 gateway endpoint and through DNS, evaluated for concrete
 * requests and queries as S3 and Route 53 Resolver would.
 */

const OUR_ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const EU_WEST_1: Deployment = { region: 'eu-west-1', accountId: OUR_ACCOUNT };

/** Resolves a template value for a Region, with the partition's URL suffix (`AWS::URLSuffix`). */
function resolveIn(value: any, deployment: Deployment, urlSuffix = 'amazonaws.com'): any {
  const withSuffix = JSON.parse(JSON.stringify(value).replace(/\{"Ref":"AWS::URLSuffix"\}/g, JSON.stringify(urlSuffix)));
  return resolve(withSuffix, deployment);
}

function resourcesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.findResources(type));
}

describe('the S3 gateway endpoint policy', () => {
  let policy: any;

  beforeAll(() => {
    const { stack } = newNetworkStack();
    const [[, gateway]] = resourcesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint')
      .filter(([, r]) => r.Properties.VpcEndpointType === 'Gateway');
    policy = resolve(gateway.Properties.PolicyDocument, EU_WEST_1);
  });

  const ours = { 'aws:PrincipalAccount': OUR_ACCOUNT, 'aws:ResourceAccount': OUR_ACCOUNT };
  const cases: Array<[string, string, string, { [key: string]: string }, Decision]> = [
    ['the host role writes a backup to a bucket of this account', 's3:PutObject', 'arn:aws:s3:::orders-backups/archive/1', ours, 'Allow'],
    ['the host role lists a bucket of this account', 's3:ListBucket', 'arn:aws:s3:::orders-backups', ours, 'Allow'],
    ['a principal of this account writes to a bucket of another account', 's3:PutObject', 'arn:aws:s3:::drop-box/loot',
      { 'aws:PrincipalAccount': OUR_ACCOUNT, 'aws:ResourceAccount': OTHER_ACCOUNT }, 'ImplicitDeny'],
    ['a principal of another account reads a bucket of this account from inside the VPC', 's3:GetObject', 'arn:aws:s3:::orders-backups/archive/1',
      { 'aws:PrincipalAccount': OTHER_ACCOUNT, 'aws:ResourceAccount': OUR_ACCOUNT }, 'ImplicitDeny'],
    ['a principal of another account writes to its own bucket', 's3:PutObject', 'arn:aws:s3:::drop-box/loot',
      { 'aws:PrincipalAccount': OTHER_ACCOUNT, 'aws:ResourceAccount': OTHER_ACCOUNT }, 'ImplicitDeny'],
    ['dnf reads the AL2023 mirror list, unsigned', 's3:GetObject',
      'arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/core/mirrors/2023.6.20241010/aarch64/mirror.list', {}, 'Allow'],
    ['dnf reads an Amazon Linux 2 package, unsigned', 's3:GetObject', 'arn:aws:s3:::amazonlinux-2-repos-eu-west-1/2/core/x.rpm', {}, 'Allow'],
    ['the SSM Agent reads its update manifest, unsigned', 's3:GetObject', 'arn:aws:s3:::amazon-ssm-eu-west-1/ssm-agent-manifest.json', {}, 'Allow'],
    ['Patch Manager reads the baseline snapshot, unsigned', 's3:GetObject', 'arn:aws:s3:::patch-baseline-snapshot-eu-west-1/x', {}, 'Allow'],
    ['Distributor reads a package, unsigned', 's3:GetObject', 'arn:aws:s3:::eu-west-1-birdwatcher-prod/x', {}, 'Allow'],
    ['an unsigned read of a look-alike AL2023 bucket anyone could create', 's3:GetObject', 'arn:aws:s3:::al2023-repos-eu-west-1-attacker/x', {}, 'ImplicitDeny'],
    ['an unsigned read of the AL2023 bucket name with a suffix', 's3:GetObject', 'arn:aws:s3:::al2023-repos-eu-west-1-de612dc2x/x', {}, 'ImplicitDeny'],
    ['an unsigned read of another Region\'s AL2023 bucket', 's3:GetObject', 'arn:aws:s3:::al2023-repos-us-east-1-de612dc2/x', {}, 'ImplicitDeny'],
    ['an unsigned read of a look-alike SSM bucket', 's3:GetObject', 'arn:aws:s3:::amazon-ssm-eu-west-1-evil/x', {}, 'ImplicitDeny'],
    ['an unsigned write to the AL2023 bucket', 's3:PutObject', 'arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/x', {}, 'ImplicitDeny'],
    ['an unsigned listing of the AL2023 bucket', 's3:ListBucket', 'arn:aws:s3:::al2023-repos-eu-west-1-de612dc2', {}, 'ImplicitDeny'],
    ['an unsigned read of a bucket of this account', 's3:GetObject', 'arn:aws:s3:::orders-backups/archive/1', { 'aws:ResourceAccount': OUR_ACCOUNT }, 'ImplicitDeny'],
    ['an unsigned write to CloudFormation\'s response bucket of another Region', 's3:PutObject',
      'arn:aws:s3:::cloudformation-custom-resource-response-useast1/x', {}, 'ImplicitDeny'],
  ];

  test.each(cases)('%s (%s on %s, context %j) -> %s', (_what, action, resource, context, decision) => {
    expect(evaluate(policy, { action, resource, context })).toBe(decision);
  });

  test('names AWS-owned buckets exactly, and admits buckets by pattern only with this account as the resource account', () => {
    for (const statement of policy.Statement) {
      const accountBound = statement.Condition?.StringEquals?.['aws:ResourceAccount'] === OUR_ACCOUNT ||
        statement.Condition?.StringEquals?.['s3:ResourceAccount'] !== undefined;
      const buckets = [statement.Resource].flat().map((arn: string) => arn.replace(/^arn:aws:s3:::/, '').split('/')[0]);
      if (!accountBound) {
        expect({ sid: statement.Sid, buckets: buckets.filter((bucket: string) => /[*?]/.test(bucket)) }).toEqual({ sid: statement.Sid, buckets: [] });
      }
    }
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual([
      'AllowThisAccountToItsOwnBuckets', 'AllowReadsOfNamedAwsOwnedBuckets', 'AllowCustomResourceResponsesToCloudFormation',
    ]);
  });

  test('lists the AWS-owned buckets of the Region by their documented names', () => {
    const reads = policy.Statement.find((s: any) => s.Sid === 'AllowReadsOfNamedAwsOwnedBuckets');
    expect(reads.Resource).toEqual([
      'arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*',
      'arn:aws:s3:::amazonlinux-2-repos-eu-west-1/*',
      'arn:aws:s3:::amazon-ssm-eu-west-1/*',
      'arn:aws:s3:::amazon-ssm-packages-eu-west-1/*',
      'arn:aws:s3:::eu-west-1-birdwatcher-prod/*',
      'arn:aws:s3:::aws-ssm-distributor-file-eu-west-1/*',
      'arn:aws:s3:::aws-ssm-document-attachments-eu-west-1/*',
      'arn:aws:s3:::patch-baseline-snapshot-eu-west-1/*',
      'arn:aws:s3:::aws-ssm-eu-west-1/*',
    ]);
  });

  test('passes the S3EndpointNamesBuckets rule, which judges the rendered endpoint', () => {
    const judgement = judge('S3EndpointNamesBuckets', (s) => new ServiceNetwork(s, 'Network', { logsKey: new kms.Key(s, 'Key') }).s3Endpoint);
    expect({ status: judgement.status, detail: judgement.detail }).toEqual({ status: RuleStatus.COMPLIANT, detail: undefined });
  });

  test('uses the partition of the Region', () => {
    const { stack } = newNetworkStack();
    const [[, gateway]] = resourcesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint')
      .filter(([, r]) => r.Properties.VpcEndpointType === 'Gateway');
    const china = resolve(gateway.Properties.PolicyDocument, { region: 'cn-north-1', accountId: OUR_ACCOUNT, partition: 'aws-cn' });
    const arns: string[] = china.Statement.flatMap((s: any) => [s.Resource].flat());
    expect(arns.filter((arn) => !arn.startsWith('arn:aws-cn:s3:::'))).toEqual([]);
    expect(arns).toContain('arn:aws-cn:s3:::al2023-repos-cn-north-1-de612dc2/*');
  });
});

/** The DNS firewall of a template as Route 53 Resolver applies it: rule groups by priority, rules by priority. */
class DnsFirewallModel {
  constructor(private readonly template: Template, private readonly deployment: Deployment, private readonly urlSuffix = 'amazonaws.com') {}

  /** The action of the first rule whose domain list holds the name, or undefined when none does. */
  public answer(name: string): string | undefined {
    const groups = resourcesOf(this.template, 'AWS::Route53Resolver::FirewallRuleGroup');
    expect(groups).toHaveLength(1);
    const rules = [...groups[0][1].Properties.FirewallRules].sort((a: any, b: any) => a.Priority - b.Priority);
    const rule = rules.find((r: any) => this.domainsOf(r.FirewallDomainListId).some((pattern) => domainMatches(pattern, name)));
    return rule === undefined ? undefined : `${rule.Action}${rule.BlockResponse ? ` ${rule.BlockResponse}` : ''}`;
  }

  public domainsOf(listRef: any): string[] {
    const [listId, attribute] = listRef['Fn::GetAtt'];
    expect(attribute).toBe('Id');
    return resolveIn(this.template.toJSON().Resources[listId].Properties.Domains, this.deployment, this.urlSuffix);
  }
}

/** DNS Firewall's matching: `*` is every name, `*.example.com` every name under example.com (not itself). */
function domainMatches(pattern: string, name: string): boolean {
  const query = name.toLowerCase().replace(/\.$/, '');
  if (pattern === '*') {
    return true;
  }
  return pattern.startsWith('*.') ? query.endsWith(pattern.slice(1)) : query === pattern;
}

describe('the DNS firewall', () => {
  let stack: Stack;
  let template: Template;
  let firewall: DnsFirewallModel;

  beforeAll(() => {
    ({ stack } = newNetworkStack({ allowedDomains: ['DB.Example.com.', '*.internal.example.org'] }));
    template = Template.fromStack(stack);
    firewall = new DnsFirewallModel(template, EU_WEST_1);
  });

  test.each([
    ['ssm.eu-west-1.amazonaws.com', 'ALLOW'],
    ['ssmmessages.eu-west-1.amazonaws.com', 'ALLOW'],
    ['ec2messages.eu-west-1.amazonaws.com', 'ALLOW'],
    ['kms.eu-west-1.amazonaws.com', 'ALLOW'],
    ['secretsmanager.eu-west-1.amazonaws.com', 'ALLOW'],
    ['logs.eu-west-1.amazonaws.com', 'ALLOW'],
    ['sts.eu-west-1.amazonaws.com', 'ALLOW'],
    ['cloudformation.eu-west-1.amazonaws.com.', 'ALLOW'],
    ['orders-backups.s3.eu-west-1.amazonaws.com', 'ALLOW'],
    ['s3.eu-west-1.amazonaws.com', 'ALLOW'],
    ['al2023-repos-eu-west-1-de612dc2.s3.dualstack.eu-west-1.amazonaws.com', 'ALLOW'],
    ['cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com', 'ALLOW'],
    ['cloudformation-custom-resource-response-useast1.s3.amazonaws.com', 'ALLOW'],
    ['ip-10-80-0-12.eu-west-1.compute.internal', 'ALLOW'],
    ['ip-10-80-0-12.ec2.internal', 'ALLOW'],
    ['db.example.com', 'ALLOW'],
    ['replica.internal.example.org', 'ALLOW'],
    ['internal.example.org', 'BLOCK NODATA'],
    ['other.example.com', 'BLOCK NODATA'],
    ['c2VjcmV0.exfil.attacker.example', 'BLOCK NODATA'],
    ['ssm.eu-west-1.amazonaws.com.attacker.example', 'BLOCK NODATA'],
    ['s3.eu-west-1.amazonaws.com-attacker.example', 'BLOCK NODATA'],
    ['sts.amazonaws.com', 'BLOCK NODATA'],
    // The hosts' CloudWatch agent publishes metrics through the monitoring endpoint; ECR is no endpoint of the network.
    ['monitoring.eu-west-1.amazonaws.com', 'ALLOW'],
    ['api.ecr.eu-west-1.amazonaws.com', 'BLOCK NODATA'],
    ['ssm.us-east-1.amazonaws.com', 'BLOCK NODATA'],
  ])('answers %s with %s', (name, action) => {
    expect(firewall.answer(name)).toBe(action);
  });

  test('evaluates the allow list before blocking every other name with NODATA', () => {
    const [[, group]] = resourcesOf(template, 'AWS::Route53Resolver::FirewallRuleGroup');
    const rules = [...group.Properties.FirewallRules].sort((a: any, b: any) => a.Priority - b.Priority);
    expect(rules.map((r: any) => [r.Action, r.BlockResponse, firewall.domainsOf(r.FirewallDomainListId).includes('*')]))
      .toEqual([['ALLOW', undefined, false], ['BLOCK', 'NODATA', true]]);
    expect(firewall.domainsOf(rules[1].FirewallDomainListId)).toEqual(['*']);
  });

  test('is associated with the service VPC, at a priority an account may use', () => {
    const { network } = newNetworkStack();
    const t = Template.fromStack(Stack.of(network));
    const associations = resourcesOf(t, 'AWS::Route53Resolver::FirewallRuleGroupAssociation');
    expect(associations).toHaveLength(1);
    const [[, association]] = associations;
    const [[groupId]] = resourcesOf(t, 'AWS::Route53Resolver::FirewallRuleGroup');
    expect(association.Properties.VpcId).toEqual(Stack.of(network).resolve(network.vpc.vpcId));
    expect(association.Properties.FirewallRuleGroupId).toEqual({ 'Fn::GetAtt': [groupId, 'Id'] });
    expect(association.Properties.Priority).toBeGreaterThanOrEqual(101);
    expect(association.Properties.Priority).toBeLessThanOrEqual(9900);
    expect(Stack.of(network).resolve(network.dnsFirewallRuleGroup!.ref)).toEqual({ Ref: groupId });
  });

  test('allows the AWS names of the China partition in the China Regions', () => {
    const china = new DnsFirewallModel(template, { region: 'cn-north-1', accountId: OUR_ACCOUNT, partition: 'aws-cn' }, 'amazonaws.com.cn');
    expect(china.answer('ssm.cn-north-1.amazonaws.com.cn')).toBe('ALLOW');
    expect(china.answer('orders-backups.s3.cn-north-1.amazonaws.com.cn')).toBe('ALLOW');
    expect(china.answer('ssm.cn-north-1.amazonaws.com')).toBe('BLOCK NODATA');
  });

  test('allows the private DNS names of additional endpoints', () => {
    const { stack: s } = newNetworkStack({
      additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.PRIVATE_CERTIFICATE_AUTHORITY, ec2.InterfaceVpcEndpointAwsService.ECR],
    });
    const model = new DnsFirewallModel(Template.fromStack(s), EU_WEST_1);
    expect(model.answer('acm-pca.eu-west-1.amazonaws.com')).toBe('ALLOW');
    expect(model.answer('api.ecr.eu-west-1.amazonaws.com')).toBe('ALLOW');
  });

  test('allowDomains adds names after construction, and lists each name once', () => {
    const { stack: s, network } = newNetworkStack({ allowedDomains: ['db.example.com'] });
    network.allowDomains(['db.example.com', 'DB.EXAMPLE.COM.', 'replica.example.com']);
    const model = new DnsFirewallModel(Template.fromStack(s), EU_WEST_1);
    expect(model.answer('replica.example.com')).toBe('ALLOW');
    const [[, group]] = resourcesOf(Template.fromStack(s), 'AWS::Route53Resolver::FirewallRuleGroup');
    const allowed = model.domainsOf(group.Properties.FirewallRules.find((r: any) => r.Action === 'ALLOW').FirewallDomainListId);
    expect(allowed.filter((d) => d === 'db.example.com')).toHaveLength(1);
    expect(new Set(allowed).size).toBe(allowed.length);
  });

  test('adds no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('without the DNS firewall', () => {
  test('creates no firewall resources, exposes no rule group, and warns', () => {
    const { stack, network } = newNetworkStack({ dnsFirewall: false });
    const template = Template.fromStack(stack);
    for (const type of ['FirewallDomainList', 'FirewallRuleGroup', 'FirewallRuleGroupAssociation']) {
      template.resourceCountIs(`AWS::Route53Resolver::${type}`, 0);
    }
    expect(network.dnsFirewallRuleGroup).toBeUndefined();
    network.allowDomains(['db.example.com']); // nothing to add to, and no error
    Annotations.fromStack(stack).hasWarning('/Test/Network', Match.stringLikeRegexp('dnsFirewall is false'));
  });

  test('fails when allowedDomains is given too', () => {
    expect(() => newNetworkStack({ dnsFirewall: false, allowedDomains: ['db.example.com'] }))
      .toThrow(/allowedDomains only applies to the DNS firewall, but dnsFirewall is false/);
  });
});

describe('DNS firewall bad input', () => {
  test.each([
    ['*', /allowedDomains\[0\] is '\*', which would allow every name/],
    ['exa mple.com', /allowedDomains\[0\] must be a domain name .*got 'exa mple\.com'/],
    ['foo.*.example.com', /got 'foo\.\*\.example\.com'.*'\*\.' only at the start/],
    ['*example.com', /got '\*example\.com'/],
    ['-db.example.com', /got '-db\.example\.com'.*neither start nor end with a hyphen/],
    ['db..example.com', /got 'db\.\.example\.com'/],
    ['_acme-challenge.example.com', /got '_acme-challenge\.example\.com'/],
    ['https://db.example.com', /got 'https:\/\/db\.example\.com'/],
    ['', /got ''/],
    [`${'a'.repeat(64)}.example.com`, /labels of 1 to 63 characters/],
    [`${'abcdefghi.'.repeat(26)}com`, /at most 255 characters/],
  ])('fails for allowedDomains %p', (domain, message) => {
    expect(() => newNetworkStack({ allowedDomains: [domain] })).toThrow(message);
  });

  test('names the position of the bad entry', () => {
    expect(() => newNetworkStack({ allowedDomains: ['db.example.com', 'bad domain'] })).toThrow(/allowedDomains\[1\] must be a domain name/);
  });

  test('checks names given to allowDomains too', () => {
    const { network } = newNetworkStack();
    expect(() => network.allowDomains(['*'])).toThrow(/ServiceNetwork\.allowDomains\(\) domains\[0\] is '\*'/);
  });
});
