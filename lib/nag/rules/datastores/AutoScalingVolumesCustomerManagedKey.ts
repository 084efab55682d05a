import { RenderedResource, StackIndex } from '../../private/rendered';
import { nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';
import { judgeEbs } from '../ec2/VolumeCustomerManagedKey';

/** Root device names of the usual AMIs (Amazon Linux, Ubuntu, Debian, Windows, RHEL). */
const ROOT_DEVICES = ['/dev/xvda', '/dev/sda1', '/dev/sda', 'xvda'];

/** Launch templates of the stack by literal LaunchTemplateName (built once per index). */
function templateByName(index: StackIndex, name: string): RenderedResource | undefined {
  return index.memo('launch-templates-by-name', () => {
    const byName = new Map<string, RenderedResource>();
    for (const t of index.byType('AWS::EC2::LaunchTemplate')) {
      if (typeof t.properties.LaunchTemplateName === 'string') {
        byName.set(t.properties.LaunchTemplateName, t);
      }
    }
    return byName;
  }).get(name);
}

/** The volumes every instance launched from the template gets. */
function judgeTemplate(spec: any, index: StackIndex): Outcome {
  if (isIntrinsic(spec)) {
    return unverifiable('the launch template specification is only known at deploy time');
  }
  const ref = spec?.LaunchTemplateId ?? spec?.LaunchTemplateName;
  const lt = index.target(ref) ?? (typeof ref === 'string' ? templateByName(index, ref) : undefined);
  if (!lt || lt.type !== 'AWS::EC2::LaunchTemplate') {
    return unverifiable(`the launch template ${describe(ref)} is not in this stack, so its block devices cannot be seen`);
  }
  const mappings = lt.properties.LaunchTemplateData?.BlockDeviceMappings;
  if (isIntrinsic(mappings)) {
    return unverifiable(`launch template ${lt.logicalId}: BlockDeviceMappings are only known at deploy time`);
  }
  const ebs = asArray<any>(mappings).filter((m) => m?.Ebs !== undefined);
  if (ebs.length === 0) {
    return nonCompliant(`launch template ${lt.logicalId} has no EBS BlockDeviceMappings: the root volume takes the AMI's ` +
      'encryption (none, or the account default key), not a customer-managed key');
  }
  const outcomes = ebs.map((m) => {
    const o = judgeEbs(m.Ebs, index, 'KmsKeyId');
    return o.detail ? { ...o, detail: `launch template ${lt.logicalId} ${m.DeviceName ?? 'block device'}: ${o.detail}` } : o;
  });
  // The root device name is the AMI's; a template that maps only data devices leaves the root volume as the AMI made it.
  if (!ebs.some((m) => typeof m.DeviceName !== 'string' || ROOT_DEVICES.includes(m.DeviceName))) {
    outcomes.push(unverifiable(`launch template ${lt.logicalId} maps only ${ebs.map((m) => m.DeviceName).join(', ')}, ` +
      `none of the usual root devices (${ROOT_DEVICES.join(', ')}), so the root volume may keep the AMI's encryption`));
  }
  return worst(outcomes);
}

/** Instances an Auto Scaling group launches get EBS volumes under a customer-managed KMS key. */
export const AutoScalingVolumesCustomerManagedKey: RuleDefinition = {
  name: 'AutoScalingVolumesCustomerManagedKey',
  guarantee: 'G1',
  info: 'An Auto Scaling group launches instances whose EBS volumes are not encrypted with a customer-managed KMS key.',
  explanation: 'An Auto Scaling group creates its instances from a launch template; without block device mappings the ' +
    'root volume is the AMI\'s, unencrypted or under the account default key, which no template can show. Declare every ' +
    'EBS block device (the root one included) in the launch template with Encrypted: true and a customer-managed KmsKeyId. ' +
    'Launch configurations cannot name a KMS key: use a launch template.',
  resourceTypes: ['AWS::AutoScaling::AutoScalingGroup'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::AutoScaling::AutoScalingGroup') {
      return NOT_APPLICABLE;
    }
    const p = r.properties;
    if (p.LaunchConfigurationName !== undefined) {
      return nonCompliant('the group uses a launch configuration, whose block devices cannot name a KMS key');
    }
    const mixed = p.MixedInstancesPolicy;
    if (isIntrinsic(mixed) || isIntrinsic(mixed?.LaunchTemplate) || isIntrinsic(mixed?.LaunchTemplate?.Overrides)) {
      return unverifiable('MixedInstancesPolicy is only known at deploy time');
    }
    const specs = [
      p.LaunchTemplate,
      mixed?.LaunchTemplate?.LaunchTemplateSpecification,
      ...asArray<any>(mixed?.LaunchTemplate?.Overrides).map((o) => o?.LaunchTemplateSpecification),
    ].filter((s) => s !== undefined);
    if (specs.length === 0) {
      return p.InstanceId !== undefined
        ? unverifiable('the group copies its launch settings from an existing instance, which the template does not show')
        : NOT_APPLICABLE;
    }
    return worst(specs.map((s) => judgeTemplate(s, index)));
  },
};
