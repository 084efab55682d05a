import { canBeDatabaseHost } from './database-hosts';
import { RenderedResource, StackIndex } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable, worst } from './rule';
import { asArray, describe, referencedIds, referencedLogicalId } from './values';

/** Judges an instance something public points at: a database host is a finding, an unknown instance cannot be verified. */
export function judgeInstance(instance: RenderedResource, via: string): Outcome {
  switch (canBeDatabaseHost(instance)) {
    case 'yes':
      return nonCompliant(`${via} reaches database host ${instance.logicalId}`);
    case 'unknown':
      return unverifiable(`${via} reaches instance ${instance.logicalId}, whose tags are only known at deploy time`);
    default:
      return COMPLIANT;
  }
}

/** Instances of the stack each network interface is attached to (inline NetworkInterfaces and NetworkInterfaceAttachment), built once. */
function instancesByInterface(index: StackIndex): Map<string, RenderedResource[]> {
  return index.memo('instances-by-interface', () => {
    const out = new Map<string, RenderedResource[]>();
    // Every interface and instance a value may name, on every Fn::If branch.
    const add = (eni: unknown, instance: RenderedResource | undefined) => {
      for (const id of referencedIds(eni)) {
        if (instance) {
          const list = out.get(id);
          list ? list.push(instance) : out.set(id, [instance]);
        }
      }
    };
    for (const instance of index.byType('AWS::EC2::Instance')) {
      asArray<any>(instance.properties.NetworkInterfaces).forEach((ni) => add(ni?.NetworkInterfaceId, instance));
    }
    for (const attachment of index.byType('AWS::EC2::NetworkInterfaceAttachment')) {
      for (const id of referencedIds(attachment.properties.InstanceId)) {
        const instance = index.byLogicalId.get(id);
        add(attachment.properties.NetworkInterfaceId, instance?.type === 'AWS::EC2::Instance' ? instance : undefined);
      }
    }
    return out;
  });
}

/** An `InstanceId` value: a database host of this stack is a finding; anything not in this stack cannot be verified. */
export function judgeInstanceId(value: unknown, via: string, index: StackIndex): Outcome {
  const target = index.target(value);
  if (target?.type === 'AWS::EC2::Instance') {
    return judgeInstance(target, via);
  }
  return unverifiable(`${via} names instance ${describe(value)}, which is not defined in this stack, so whether it is a database host is not known`);
}

/** A `NetworkInterfaceId` value: the instances the interface of this stack is attached to. */
export function judgeNetworkInterfaceId(value: unknown, via: string, index: StackIndex): Outcome {
  const target = index.target(value);
  if (target?.type === 'AWS::EC2::Instance') {
    return judgeInstance(target, via);
  }
  if (target?.type === 'AWS::EC2::NetworkInterface') {
    const instances = instancesByInterface(index).get(target.logicalId) ?? [];
    return worst([COMPLIANT, ...instances.map((i) => judgeInstance(i, `${via} (network interface ${target.logicalId})`))]);
  }
  return unverifiable(`${via} names network interface ${describe(value)}, which is not defined in this stack, so whether a database host uses it is not known`);
}

/** Target group actions of a listener or listener rule. */
function targetGroupsOf(actions: unknown): unknown[] {
  return asArray<any>(actions).flatMap((a) => [a?.TargetGroupArn, ...asArray<any>(a?.ForwardConfig?.TargetGroups).map((t) => t?.TargetGroupArn)])
    .filter((t) => t !== undefined);
}

/** Instances of the stack behind each load balancer: listener (and listener rule) -> target group -> targets. Built once. */
function instancesByLoadBalancer(index: StackIndex): Map<string, RenderedResource[]> {
  return index.memo('instances-by-load-balancer', () => {
    const listenerLb = new Map<string, string>();
    const groupsByLb = new Map<string, unknown[]>();
    const addGroups = (lb: string | undefined, groups: unknown[]) => {
      if (lb !== undefined) {
        groupsByLb.set(lb, [...(groupsByLb.get(lb) ?? []), ...groups]);
      }
    };
    for (const listener of index.byType('AWS::ElasticLoadBalancingV2::Listener')) {
      const lb = referencedLogicalId(listener.properties.LoadBalancerArn);
      if (lb !== undefined) {
        listenerLb.set(listener.logicalId, lb);
      }
      addGroups(lb, targetGroupsOf(listener.properties.DefaultActions));
    }
    for (const rule of index.byType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
      const listener = referencedLogicalId(rule.properties.ListenerArn);
      addGroups(listener && listenerLb.get(listener), targetGroupsOf(rule.properties.Actions));
    }
    const out = new Map<string, RenderedResource[]>();
    for (const [lb, groups] of groupsByLb) {
      const instances = groups.map((g) => index.target(g))
        .filter((g): g is RenderedResource => g?.type === 'AWS::ElasticLoadBalancingV2::TargetGroup')
        .flatMap((g) => asArray<any>(g.properties.Targets).map((t) => index.target(t?.Id)))
        .filter((t): t is RenderedResource => t?.type === 'AWS::EC2::Instance');
      out.set(lb, instances);
    }
    return out;
  });
}

/** A load balancer of this stack: the instances its listeners forward to. */
export function judgeLoadBalancer(lb: RenderedResource, via: string, index: StackIndex): Outcome {
  const instances = instancesByLoadBalancer(index).get(lb.logicalId) ?? [];
  return worst([COMPLIANT, ...instances.map((i) => judgeInstance(i, `${via} (load balancer ${lb.logicalId})`))]);
}
