import { App, CfnParameter, CfnResource, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { RuleStatus, TimescaleCloudSecurityChecks, TimescaleCloudSecurityChecksProps } from '../../lib/nag';

export const PACK = 'TimescaleCloudSecurity';
export const CMK_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The CfnResource behind a construct (itself, or its default child). */
export function cfnOf(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) {
    return construct;
  }
  const child = construct.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) {
    throw new Error(`${construct.node.path} has no CfnResource default child`);
  }
  return child;
}

export interface Judgement {
  readonly status: RuleStatus;
  readonly detail?: string;
  readonly violations: { ruleName: string; severity?: string; paths: string[] }[];
  readonly path: string;
}

/** Builds a fresh app, runs the pack with validateScope and reads the rule's verdict on the built resource. */
export function judge(
  rule: string,
  build: (stack: Stack) => IConstruct,
  props?: TimescaleCloudSecurityChecksProps,
  stackProps?: StackProps,
): Judgement {
  const app = new App();
  const stack = new Stack(app, 'Stack', stackProps);
  const target = cfnOf(build(stack));
  const pack = new TimescaleCloudSecurityChecks(app, props);
  const report = pack.validateScope(app);
  const evaluation = pack.evaluations.find((e) => e.constructPath === target.node.path && e.ruleId === `${PACK}-${rule}`);
  return {
    status: evaluation?.status ?? RuleStatus.NOT_APPLICABLE,
    detail: evaluation?.detail,
    path: target.node.path,
    violations: report.violations.map((v) => ({
      ruleName: v.ruleName,
      severity: v.severity,
      paths: v.violatingResources.map((r) => r.constructPath ?? ''),
    })),
  };
}

export function plain(stack: Stack, type: string, properties: { [key: string]: any }, id = 'Resource'): CfnResource {
  return new CfnResource(stack, id, { type, properties });
}

export function customerKey(stack: Stack, id = 'Key'): kms.Key {
  return new kms.Key(stack, id, { enableKeyRotation: true });
}

export function param(stack: Stack, id = 'Param'): string {
  return new CfnParameter(stack, id, { type: 'String' }).valueAsString;
}
