import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct, IDependable } from 'constructs';
import { providerLogGroup } from '../../network/private/peering-dns';

/**
 * What a host's bootstrap completes with (its wait condition), by instance, so that a construct
 * given only the instance (the database endpoint) can wait for the bootstrap too.
 */
const bootstrapByInstance = new WeakMap<IConstruct, IDependable>();

/** Records the resource that completes when `instance` has bootstrapped. */
export function registerBootstrap(instance: IConstruct, bootstrapped: IDependable): void {
  bootstrapByInstance.set(instance, bootstrapped);
}

/** The resource that completes when `instance` has bootstrapped, if a `DatabaseHost` created it. */
export function bootstrapOf(instance: IConstruct): IDependable | undefined {
  return bootstrapByInstance.get(instance);
}

/**
 * Protection that cannot block a rollback: deletion or termination protection switched on by a
 * custom resource created after the protected resource (and after `after`, the host's bootstrap),
 * switched off by the same resource's delete.
 *
 * Why not the resource's own property: protection set at creation is on when the first create fails
 * later, and CloudFormation's rollback then cannot delete the resource (`ROLLBACK_FAILED`); a retry
 * needs someone to switch it off by hand. This resource is created only once everything it waits for
 * stands, and CloudFormation deletes it before what it protects (it depends on it), on a rollback, on
 * an intended stack deletion and when an update replaces the protected resource (its physical ID names
 * the resource, so the old one is switched off before the cleanup deletes it). What it guards against is
 * deletion outside CloudFormation (console, CLI, scripts); stack deletion is guarded by the stack's own
 * termination protection.
 *
 * The call runs in CDK's shared AwsCustomResource function, outside the VPC (the isolated network has no
 * EC2 or Elastic Load Balancing endpoint), and its permission names exactly the protected resource.
 */
export interface ProtectAfterCreateProps {
  /** The CloudFormation type of the custom resource. */
  readonly resourceType: string;
  /** The SDK call that sets protection to `enabled`. */
  readonly call: (enabled: boolean) => cr.AwsSdkCall;
  /** The permission the call needs, scoped to the protected resource. */
  readonly statement: iam.PolicyStatement;
  /** What must stand before protection is switched on. */
  readonly after: IDependable[];
  /** Encrypts the log group of CDK's shared custom-resource function, when this stack creates it here. */
  readonly logsKey?: kms.IKey;
}

export class ProtectAfterCreate extends Construct {
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: ProtectAfterCreateProps) {
    super(scope, id);
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: props.resourceType,
      onCreate: props.call(true),
      onUpdate: props.call(true),
      onDelete: props.call(false),
      installLatestAwsSdk: false,
      logGroup: providerLogGroup(this, props.logsKey),
      policy: cr.AwsCustomResourcePolicy.fromStatements([props.statement]),
    });
    for (const dependency of props.after) {
      this.resource.node.addDependency(dependency);
    }
  }
}

/** Turns on an instance's termination protection (`DisableApiTermination`) once `after` stands. */
export function protectInstanceAfterCreate(scope: Construct, id: string, instance: ec2.IInstance, after: IDependable[],
  logsKey?: kms.IKey): ProtectAfterCreate {
  const stack = Stack.of(scope);
  return new ProtectAfterCreate(scope, id, {
    resourceType: 'Custom::InstanceTerminationProtection',
    call: (enabled) => ({
      service: 'EC2',
      action: 'modifyInstanceAttribute',
      parameters: { InstanceId: instance.instanceId, DisableApiTermination: { Value: enabled } },
      physicalResourceId: cr.PhysicalResourceId.of(`${instance.instanceId}-termination-protection`),
      // Switching off an instance that is already gone has nothing left to do.
      ignoreErrorCodesMatching: enabled ? undefined : 'InvalidInstanceID.NotFound',
    }),
    statement: new iam.PolicyStatement({
      actions: ['ec2:ModifyInstanceAttribute'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: instance.instanceId })],
    }),
    after: [instance, ...after],
    logsKey,
  });
}

/** Turns on a load balancer's deletion protection (`deletion_protection.enabled`) once `after` stands. */
export function protectLoadBalancerAfterCreate(scope: Construct, id: string, loadBalancer: elbv2.ILoadBalancerV2 & { loadBalancerArn: string },
  after: IDependable[], logsKey?: kms.IKey): ProtectAfterCreate {
  return new ProtectAfterCreate(scope, id, {
    resourceType: 'Custom::LoadBalancerDeletionProtection',
    call: (enabled) => ({
      service: 'ElasticLoadBalancingV2',
      action: 'modifyLoadBalancerAttributes',
      parameters: {
        LoadBalancerArn: loadBalancer.loadBalancerArn,
        Attributes: [{ Key: 'deletion_protection.enabled', Value: String(enabled) }],
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${loadBalancer.loadBalancerArn}-deletion-protection`),
      ignoreErrorCodesMatching: enabled ? undefined : 'LoadBalancerNotFound',
    }),
    statement: new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyLoadBalancerAttributes'],
      resources: [loadBalancer.loadBalancerArn],
    }),
    after: [loadBalancer, ...after],
    logsKey,
  });
}
