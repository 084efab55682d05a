import { judgeInstance, judgeLoadBalancer } from '../../private/database-exposure';
import { COMPLIANT, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

const LOAD_BALANCERS = ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancing::LoadBalancer'];

/** No Global Accelerator endpoint group puts a database host, or a load balancer in front of one, on the internet. */
export const GlobalAcceleratorNotToDatabaseHost: RuleDefinition = {
  name: 'GlobalAcceleratorNotToDatabaseHost',
  guarantee: 'G4',
  info: 'A Global Accelerator endpoint group names a database host, or a load balancer in front of one.',
  explanation: 'A Global Accelerator gives its endpoints public anycast addresses, even internal load balancers and ' +
    'instances in private subnets. Databases are reached only from the peered VPC: remove the endpoint.',
  resourceTypes: ['AWS::GlobalAccelerator::EndpointGroup'],
  evaluate(r, { index }) {
    const configs = r.properties.EndpointConfigurations;
    if (configs === undefined) {
      return NOT_APPLICABLE;
    }
    if (isIntrinsic(configs)) {
      return unverifiable(`EndpointConfigurations are ${describe(configs)}, only known at deploy time`);
    }
    const outcomes: Outcome[] = asArray<any>(configs).map((c, i) => {
      const id = c?.EndpointId;
      const via = `endpoint ${i} of ${r.logicalId}`;
      const target = index.target(id);
      if (target?.type === 'AWS::EC2::Instance') {
        return judgeInstance(target, via);
      }
      if (target && LOAD_BALANCERS.includes(target.type)) {
        return judgeLoadBalancer(target, via, index);
      }
      if (target?.type === 'AWS::EC2::EIP') {
        const instance = index.target(target.properties.InstanceId);
        return instance?.type === 'AWS::EC2::Instance' ? judgeInstance(instance, via) : COMPLIANT;
      }
      if (target) {
        return COMPLIANT;
      }
      return unverifiable(`${via} is ${describe(id)}, which is not defined in this stack, so whether a database host is behind it is not known`);
    });
    return worst(outcomes);
  },
};
