import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ServiceNetwork, ServiceNetworkProps } from '../../lib/network';

export const SERVICE_ACCOUNT = '111111111111';
export const CUSTOMER_ACCOUNT = '222222222222';

export function newStack(props: StackProps = {}): Stack {
  return new Stack(new App(), 'Test', props);
}

/** A stack with a service network and a database security group in it. */
export function newNetworkStack(props: Partial<ServiceNetworkProps> = {}, stackProps: StackProps = {}) {
  const stack = newStack(stackProps);
  const logsKey = new kms.Key(stack, 'LogsKey');
  const network = new ServiceNetwork(stack, 'Network', { logsKey, ...props });
  const databaseSecurityGroup = new ec2.SecurityGroup(stack, 'DatabaseSg', { vpc: network.vpc, allowAllOutbound: false });
  return { stack, logsKey, network, databaseSecurityGroup };
}

/** `{ Ref: logicalId }` of a token, computed rather than hard-coded. */
export function refOf(stack: Stack, token: string): unknown {
  return stack.resolve(token);
}

/** Resources of one type, as a list of their properties. */
export function propertiesOf(template: Template, type: string): Array<{ [key: string]: any }> {
  return Object.values(template.findResources(type)).map((r) => r.Properties ?? {});
}
