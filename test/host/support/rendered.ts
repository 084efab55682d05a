import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DatabaseHost, PackageSource } from '../../../lib/host';

/** The AWS::CloudFormation::Init of a default DatabaseHost, as synthesized: what the host runs. */
export function renderedInit(port = 5432): any {
  const stack = new Stack(new App(), 'RenderedHost');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new DatabaseHost(stack, 'Host', {
    vpc,
    port,
    dataKey: new kms.Key(stack, 'DataKey'),
    logsKey: new kms.Key(stack, 'LogsKey'),
    serviceName: 'rendered',
    packageSource: PackageSource.preinstalled(),
  });
  const instances = Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::Instance'));
  return instances[0].Metadata['AWS::CloudFormation::Init'];
}

/** A file's content from the rendered Init, wherever the config holding it is. */
export function renderedFile(init: any, path: string): string {
  for (const [name, config] of Object.entries<any>(init)) {
    if (name !== 'configSets' && config.files?.[path]) {
      const content = config.files[path].content;
      if (typeof content !== 'string') {
        throw new Error(`${path} holds tokens; these tests need plain text`);
      }
      return content;
    }
  }
  throw new Error(`${path} is not in the rendered Init`);
}
