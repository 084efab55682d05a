import { Aws, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * Rule priorities inside the DNS firewall rule group: the allow list is matched first, then every
 * other name is blocked. Rules added with a lower priority act before the allow list, rules between
 * the two act on allowed names only.
 */
export const ALLOW_RULE_PRIORITY = 100;
export const BLOCK_RULE_PRIORITY = 200;

/**
 * The rule group's place among the rule groups of the VPC: 101 is the first priority an account can
 * give (lower and above 9900 are Firewall Manager's), so ours is evaluated before any other group the
 * account associates. Its final BLOCK `*` rule ends the evaluation, so groups after it never act.
 */
export const ASSOCIATION_PRIORITY = 101;

/**
 * The names the service VPC resolves through Route 53 Resolver: the private DNS names of its interface
 * endpoints, Amazon S3 (through the gateway endpoint), and EC2's internal host names. Every name is
 * under a domain that AWS answers, so allowing subdomains of them opens no channel to a name server
 * anyone else runs. `Aws.URL_SUFFIX` is `amazonaws.com.cn` in the China Regions.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html#vpc-dns-hostnames
 */
export function awsServiceDomains(services: ec2.InterfaceVpcEndpointAwsService[]): string[] {
  const region = Aws.REGION;
  const suffix = Aws.URL_SUFFIX;
  const endpoints = services.map((service) => `${privateDnsLabel(service)}.${region}.${suffix}`);
  const s3 = [
    `s3.${region}.${suffix}`,
    // dnf reads the Amazon Linux 2023 repositories at <bucket>.s3.dualstack.<region>.<suffix>.
    `s3.dualstack.${region}.${suffix}`,
    // CloudFormation presigns custom resource replies with the legacy forms: s3-<region> in some
    // Regions, the global s3.<suffix> in us-east-1.
    `s3-${region}.${suffix}`,
    `s3.${suffix}`,
  ].flatMap((name) => [name, `*.${name}`]);
  // Private host names: <region>.compute.internal, and ec2.internal in us-east-1 (in other Regions
  // Resolver answers those itself, with NXDOMAIN).
  const internal = [`${region}.compute.internal`, 'ec2.internal'].flatMap((name) => [name, `*.${name}`]);
  return [...endpoints, ...s3, ...internal];
}

/** 'ssm' -> 'ssm'; a dotted short name names its labels the other way round: 'ecr.api' -> 'api.ecr'. */
function privateDnsLabel(service: ec2.InterfaceVpcEndpointAwsService): string {
  return service.shortName.split('.').reverse().join('.');
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A domain for the firewall's allow list, lower case and without a trailing dot; throws when DNS
 * Firewall would refuse it or when it would allow every name. Tokens are returned unchecked.
 *
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_UpdateFirewallDomains.html
 */
export function allowedDomain(what: string, value: string): string {
  if (Token.isUnresolved(value)) {
    return value;
  }
  if (value.trim() === '*') {
    throw new Error(
      `${what} is '*', which would allow every name and leave the DNS firewall without effect. ` +
      'List the domains the hosts need instead, or set ServiceNetworkProps.dnsFirewall to false to go without the firewall.',
    );
  }
  const name = value.toLowerCase().replace(/\.$/, '');
  const labels = (name.startsWith('*.') ? name.slice(2) : name).split('.');
  if (name.length > 255 || !labels.every((label) => LABEL.test(label))) {
    throw new Error(
      `${what} must be a domain name such as 'db.example.com', or '*.example.com' for every name under example.com; got '${value}'. ` +
      'DNS Firewall accepts letters, digits, hyphens and dots (labels of 1 to 63 characters that neither start nor end with a hyphen), ' +
      "at most 255 characters, and '*.' only at the start.",
    );
  }
  return name;
}
