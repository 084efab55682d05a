import { judgeEbs } from './VolumeCustomerManagedKey';
import { StackIndex } from '../../private/rendered';
import { nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, isIntrinsic } from '../../private/values';

function judgeMappings(mappings: unknown, index: StackIndex, where: string): Outcome | undefined {
  if (isIntrinsic(mappings)) {
    return unverifiable(`${where} BlockDeviceMappings are only known at deploy time`);
  }
  const ebsMappings = asArray<any>(mappings).filter((m) => m && m.Ebs !== undefined);
  if (ebsMappings.length === 0) {
    return undefined;
  }
  return worst(ebsMappings.map((m) => {
    const o = judgeEbs(m.Ebs, index, `${where} ${m.DeviceName ?? 'block device'} KmsKeyId`);
    return o.detail && !o.detail.includes(where) ? { ...o, detail: `${where} ${m.DeviceName ?? ''}: ${o.detail}` } : o;
  }));
}

/** Instance and launch-template block devices are encrypted with a customer-managed KMS key. */
export const BlockDeviceCustomerManagedKey: RuleDefinition = {
  name: 'BlockDeviceCustomerManagedKey',
  guarantee: 'G1',
  info: 'An instance or launch template block device is not encrypted with a customer-managed KMS key.',
  explanation: 'Root and data volumes created from BlockDeviceMappings hold the operating system, logs and possibly ' +
    'database files. Declare every EBS block device with Encrypted: true and a customer-managed KmsKeyId; an instance ' +
    'without mappings inherits the AMI default, which is not a customer-managed key.',
  resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate'],
  evaluate(r, { index }) {
    if (r.type === 'AWS::EC2::LaunchTemplate') {
      return judgeMappings(r.properties.LaunchTemplateData?.BlockDeviceMappings, index, 'LaunchTemplateData') ?? NOT_APPLICABLE;
    }
    if (r.type !== 'AWS::EC2::Instance') {
      return NOT_APPLICABLE;
    }
    const outcomes: Outcome[] = [];
    const own = judgeMappings(r.properties.BlockDeviceMappings, index, 'BlockDeviceMappings');
    if (own) {
      outcomes.push(own);
    }
    const ltRef = r.properties.LaunchTemplate?.LaunchTemplateId ?? r.properties.LaunchTemplate?.LaunchTemplateName;
    if (ltRef !== undefined) {
      const lt = index.target(ltRef) ?? [...index.byType('AWS::EC2::LaunchTemplate')]
        .find((t) => typeof ltRef === 'string' && t.properties.LaunchTemplateName === ltRef);
      if (lt) {
        const fromTemplate = judgeMappings(lt.properties.LaunchTemplateData?.BlockDeviceMappings, index, `launch template ${lt.logicalId}`);
        if (fromTemplate) {
          outcomes.push(fromTemplate);
        }
      } else if (!own) {
        outcomes.push(unverifiable('the launch template is not in this stack, so its block devices cannot be seen'));
      }
    }
    if (outcomes.length === 0) {
      return nonCompliant('no BlockDeviceMappings: the root volume uses the AMI default encryption, not a customer-managed key');
    }
    return worst(outcomes);
  },
};
