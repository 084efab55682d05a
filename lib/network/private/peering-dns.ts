import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Which side of the peering connection sets its option. */
export enum PeeringSide {
  REQUESTER = 'Requester',
  ACCEPTER = 'Accepter',
}

export interface PeeringDnsResolutionProps {
  readonly vpcPeeringConnectionId: string;
  readonly side: PeeringSide;
  /** ARN of this side's VPC: the IAM grant only works for a peering connection of that VPC. */
  readonly localVpcArn: string;
  /** Encrypts the log group of the custom resource's Lambda function, when this stack creates it. */
  readonly logsKey?: kms.IKey;
}

/**
 * Sets `AllowDnsResolutionFromRemoteVpc` on one side of a VPC peering connection, which
 * CloudFormation cannot do. ModifyVpcPeeringConnectionOptions sets a value rather than toggling it,
 * so create and update are idempotent; delete turns the option off again (ignored if the
 * connection is already gone). Each side can only change its own option, in its own account and
 * Region, which is why the requester and the accepter each deploy one.
 */
export class PeeringDnsResolution extends Construct {
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: PeeringDnsResolutionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const peeringArn = stack.formatArn({
      service: 'ec2',
      resource: 'vpc-peering-connection',
      resourceName: props.vpcPeeringConnectionId,
    });
    const sideCondition = props.side === PeeringSide.REQUESTER ? 'ec2:RequesterVpc' : 'ec2:AccepterVpc';
    const call = (allow: boolean): cr.AwsSdkCall => ({
      service: 'EC2',
      action: 'modifyVpcPeeringConnectionOptions',
      parameters: {
        VpcPeeringConnectionId: props.vpcPeeringConnectionId,
        [`${props.side}PeeringConnectionOptions`]: { AllowDnsResolutionFromRemoteVpc: allow },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${props.vpcPeeringConnectionId}-${props.side.toLowerCase()}-dns`),
      ignoreErrorCodesMatching: allow ? undefined : 'InvalidVpcPeeringConnectionID.NotFound',
    });
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::VpcPeeringDnsResolution',
      onCreate: call(true),
      onUpdate: call(true),
      onDelete: call(false),
      installLatestAwsSdk: false,
      logGroup: providerLogGroup(this, props.logsKey),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ec2:ModifyVpcPeeringConnectionOptions'],
          resources: [peeringArn],
          conditions: { ArnEquals: { [sideCondition]: props.localVpcArn } },
        }),
      ]),
    });
  }
}

/** Kept at its first ID, which the peering DNS resource introduced, so that existing stacks keep their log group. */
const PROVIDER_LOG_GROUP_ID = 'TimescalePeeringDnsProviderLogs';

/**
 * AwsCustomResource runs one Lambda function per stack, configured by the first AwsCustomResource
 * created; its log group is therefore one per stack too, shared by every AwsCustomResource of this
 * library (peering DNS, deletion and termination protection). When another construct created the
 * function first, that construct's log settings apply and none is created here; without a key, none is
 * created either.
 */
export function providerLogGroup(scope: Construct, logsKey?: kms.IKey): logs.ILogGroup | undefined {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(PROVIDER_LOG_GROUP_ID) as logs.ILogGroup | undefined;
  if (existing) {
    return existing;
  }
  if (!logsKey || stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`)) {
    return undefined;
  }
  return new logs.LogGroup(stack, PROVIDER_LOG_GROUP_ID, {
    encryptionKey: logsKey,
    retention: logs.RetentionDays.ONE_YEAR,
    // Kept when the stack is deleted, deleted when the create that made it rolls back (nothing to keep yet).
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
}
