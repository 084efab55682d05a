import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { OperatorAccess, OperatorAccessProps } from '../../lib/operator';

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const SRE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/sre`;
export const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

export function newStack(props: StackProps = { env: { account: ACCOUNT, region: REGION } }): Stack {
  return new Stack(new App(), 'Test', props);
}

/** A stack with an OperatorAccess for service 'orders', a logs key and a host role. */
export function newOperatorStack(props: Partial<OperatorAccessProps> = {}, stack: Stack = newStack()) {
  const logsKey = new kms.Key(stack, 'LogsKey');
  const hostRole = new iam.Role(stack, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const access = new OperatorAccess(stack, 'Operators', {
    serviceName: 'orders',
    logsKey,
    operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN), new iam.ArnPrincipal(ALICE_ARN)],
    hostRoles: [hostRole],
    ...props,
  });
  return { stack, logsKey, hostRole, access };
}

/** The logical ID CloudFormation gives a construct's default resource. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as any);
}

/** Every statement of every identity policy attached to the role with `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/**
 * Cycles in a template's dependency graph (Ref, Fn::GetAtt, DependsOn), as lists of logical IDs.
 * CloudFormation refuses a template with one; CDK does not notice within a stack.
 */
export function dependencyCycles(template: { Resources: { [id: string]: any } }): string[][] {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  const collect = (value: any, into: Set<string>) => {
    if (Array.isArray(value)) {
      value.forEach((v) => collect(v, into));
    } else if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string' && ids.has(value.Ref)) {
        into.add(value.Ref);
      }
      if (Array.isArray(value['Fn::GetAtt']) && ids.has(value['Fn::GetAtt'][0])) {
        into.add(value['Fn::GetAtt'][0]);
      }
      Object.values(value).forEach((v) => collect(v, into));
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const deps = new Set<string>();
    collect(resource.Properties, deps);
    asList(resource.DependsOn).forEach((d: string) => deps.add(d));
    edges.set(id, deps);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') {
      return;
    }
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    for (const dep of edges.get(id) ?? []) {
      visit(dep, [...path, id]);
    }
    state.set(id, 'done');
  };
  ids.forEach((id) => visit(id, []));
  return cycles;
}
