import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, IpPermission } from '@aws-sdk/client-ec2';
import { isPublicCidr } from '../../nag/private/cidr';
import { cidrWithin, parseCidr, ParsedCidr } from '../../private/cidr';
import { CheckContext, CheckOutcome, compliant, nonCompliant, ResourceCheck, unverifiable } from '../context';

async function volumeProblem(context: CheckContext, volume: any): Promise<string | undefined> {
  if (!volume.Encrypted) {
    return 'not encrypted';
  }
  return context.keyProblem(volume.KmsKeyId, 'encrypted without a KMS key id');
}

/** EBS volumes: encrypted under an enabled customer-managed key. */
export const volumeCheck: ResourceCheck = {
  resourceType: 'AWS::EC2::Volume',
  rules: ['VolumeCustomerManagedKey'],
  async check(resource, context) {
    const out = await context.send<any>(context.clients.ec2, new DescribeVolumesCommand({ VolumeIds: [resource.physicalId] }));
    const volume = out.Volumes?.[0];
    if (!volume) {
      return [unverifiable('VolumeCustomerManagedKey', 'the volume no longer exists')];
    }
    const problem = await volumeProblem(context, volume);
    return [problem ? nonCompliant('VolumeCustomerManagedKey', problem) : compliant('VolumeCustomerManagedKey', `encrypted with ${volume.KmsKeyId}`)];
  },
};

/** EC2 instances: IMDSv2 required, no public IP, no key pair, every attached volume (root included) under a customer-managed key. */
export const instanceCheck: ResourceCheck = {
  resourceType: 'AWS::EC2::Instance',
  rules: ['InstanceImdsV2', 'InstanceNoPublicIp', 'NoSshKeyPair', 'BlockDeviceCustomerManagedKey'],
  async check(resource, context) {
    const out = await context.send<any>(context.clients.ec2, new DescribeInstancesCommand({ InstanceIds: [resource.physicalId] }));
    const instance = out.Reservations?.flatMap((r: any) => r.Instances ?? []).find((i: any) => i.InstanceId === resource.physicalId);
    if (!instance) {
      return this.rules.map((rule) => unverifiable(rule, 'the instance no longer exists'));
    }
    const results: CheckOutcome[] = [];
    const metadata = instance.MetadataOptions ?? {};
    results.push(metadata.HttpTokens === 'required' || metadata.HttpEndpoint === 'disabled'
      ? compliant('InstanceImdsV2', metadata.HttpEndpoint === 'disabled' ? 'metadata service disabled' : 'HttpTokens required')
      : nonCompliant('InstanceImdsV2', `HttpTokens is ${metadata.HttpTokens ?? 'not reported'}`));

    const publicIps = [instance.PublicIpAddress, ...(instance.NetworkInterfaces ?? []).map((n: any) => n.Association?.PublicIp)]
      .filter((ip: unknown): ip is string => typeof ip === 'string' && ip !== '');
    results.push(publicIps.length === 0
      ? compliant('InstanceNoPublicIp')
      : nonCompliant('InstanceNoPublicIp', `public IPv4 address ${[...new Set(publicIps)].join(', ')}`));

    results.push(instance.KeyName
      ? nonCompliant('NoSshKeyPair', `launched with key pair '${instance.KeyName}'`)
      : compliant('NoSshKeyPair'));

    const mappings: any[] = (instance.BlockDeviceMappings ?? []).filter((m: any) => m.Ebs?.VolumeId);
    if (mappings.length === 0) {
      results.push(unverifiable('BlockDeviceCustomerManagedKey', 'no EBS volume is attached to the instance'));
    } else {
      const command = new DescribeVolumesCommand({ VolumeIds: mappings.map((m) => m.Ebs.VolumeId) });
      const volumes = (await context.send<any>(context.clients.ec2, command)).Volumes ?? [];
      const problems: string[] = [];
      for (const m of mappings) {
        const volume = volumes.find((v: any) => v.VolumeId === m.Ebs.VolumeId);
        const label = `${m.DeviceName === instance.RootDeviceName ? 'root volume' : 'volume'} ${m.Ebs.VolumeId} (${m.DeviceName})`;
        const problem = volume ? await volumeProblem(context, volume) : 'cannot be described';
        if (problem) {
          problems.push(`${label}: ${problem}`);
        }
      }
      results.push(problems.length === 0
        ? compliant('BlockDeviceCustomerManagedKey', `${mappings.length} volume(s) under customer-managed keys`)
        : nonCompliant('BlockDeviceCustomerManagedKey', problems.join('; ')));
    }
    return results;
  },
};

const REMOTE_SHELL_PORTS = [22, 3389];

function coversPort(p: IpPermission, port: number): boolean {
  if (p.IpProtocol === '-1' || p.IpProtocol === 'all') {
    return true;
  }
  const tcp = p.IpProtocol === 'tcp' || p.IpProtocol === '6';
  return tcp && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535);
}

function cidrsOf(p: IpPermission): string[] {
  return [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]
    .filter((c): c is string => typeof c === 'string');
}

function ports(p: IpPermission): string {
  if (p.IpProtocol === '-1' || p.IpProtocol === 'all') {
    return 'all traffic';
  }
  return p.FromPort === p.ToPort ? `${p.IpProtocol} ${p.FromPort}` : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`;
}

/** Security groups: no ingress from public ranges, the database port only from allowed networks, no SSH/RDP. */
export const securityGroupCheck: ResourceCheck = {
  resourceType: 'AWS::EC2::SecurityGroup',
  rules: ['IngressNotFromAnywhere', 'DatabaseIngressFromAllowedNetworks', 'NoRemoteShellIngress'],
  async check(resource, context) {
    const out = await context.send<any>(context.clients.ec2, new DescribeSecurityGroupsCommand({ GroupIds: [resource.physicalId] }));
    const group = out.SecurityGroups?.[0];
    if (!group) {
      return this.rules.map((rule) => unverifiable(rule, 'the security group no longer exists'));
    }
    const permissions: IpPermission[] = group.IpPermissions ?? [];
    const results: CheckOutcome[] = [];

    const open = permissions.flatMap((p) => cidrsOf(p).filter(isPublicCidr).map((c) => `${ports(p)} from ${c}`));
    // A prefix list may hold public ranges (CloudFront's does, and so may a customer-managed one): its
    // entries are not read here, so ingress from one cannot be judged, as at synth.
    const lists = permissions.flatMap((p) => (p.PrefixListIds ?? []).map((l) => `${ports(p)} from ${l.PrefixListId}`));
    if (open.length > 0) {
      results.push(nonCompliant('IngressNotFromAnywhere', `ingress ${open.join(', ')}`));
    } else if (lists.length > 0) {
      results.push(unverifiable('IngressNotFromAnywhere', `ingress ${lists.join(', ')}: prefix list(s) not expanded`));
    } else {
      results.push(compliant('IngressNotFromAnywhere'));
    }

    const port = context.options.databasePort;
    const toDatabase = permissions.filter((p) => coversPort(p, port));
    if (toDatabase.length > 0) {
      const allowed = context.options.allowedNetworks.map((c) => parseCidr(c)).filter((c): c is ParsedCidr => typeof c !== 'string');
      const isAllowed = (text: string) => {
        if (allowed.length === 0) {
          return !isPublicCidr(text);
        }
        const cidr = parseCidr(text);
        return typeof cidr !== 'string' && allowed.some((a) => cidrWithin(cidr, a));
      };
      const denied = [...new Set(toDatabase.flatMap((p) => cidrsOf(p).filter((c) => !isAllowed(c))))];
      const prefixLists = toDatabase.flatMap((p) => (p.PrefixListIds ?? []).map((l) => l.PrefixListId));
      const networks = allowed.length === 0 ? 'private address ranges' : context.options.allowedNetworks.join(', ');
      if (denied.length > 0) {
        results.push(nonCompliant('DatabaseIngressFromAllowedNetworks', `port ${port} is open to ${denied.join(', ')}; allowed: ${networks}`));
      } else if (prefixLists.length > 0) {
        results.push(unverifiable('DatabaseIngressFromAllowedNetworks', `port ${port} is open to prefix list(s) ${prefixLists.join(', ')}, not expanded`));
      } else {
        results.push(compliant('DatabaseIngressFromAllowedNetworks', `port ${port} only from ${networks} or security groups`));
      }
    }

    const shells = permissions.flatMap((p) => REMOTE_SHELL_PORTS.filter((s) => coversPort(p, s))
      .flatMap((s) => [...cidrsOf(p), ...(p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? '')].map((c) => `port ${s} from ${c}`)));
    results.push(shells.length === 0 ? compliant('NoRemoteShellIngress') : nonCompliant('NoRemoteShellIngress', shells.join(', ')));
    return results;
  },
};
