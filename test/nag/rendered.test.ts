import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildReferenceDeployment } from '../../bin/reference-app';
import { renderResource } from '../../lib/nag/private/rendered';

/**
 * The rules judge what `renderResource` returns without synthesizing. It takes shortcuts through
 * aws-cdk-lib's rendering for speed, so it is held to the one thing that matters: for every
 * resource, exactly the entry the CDK writes into the template.
 */
function expectRenderedAsSynthesized(app: App): number {
  const assembly = app.synth();
  let compared = 0;
  for (const stack of app.node.findAll().filter(Stack.isStack)) {
    const template = JSON.parse(fs.readFileSync(assembly.getStackArtifact(stack.artifactId).templateFullPath, 'utf8'));
    for (const node of stack.node.findAll().filter(CfnResource.isCfnResource)) {
      if (Stack.of(node) !== stack) {
        continue;
      }
      const rendered = renderResource(node, stack)!;
      const written = template.Resources[rendered.logicalId];
      expect({ id: rendered.logicalId, entry: written }).toEqual({
        id: rendered.logicalId,
        entry: expect.objectContaining({
          Type: rendered.type,
          ...(written.Properties !== undefined ? { Properties: rendered.properties } : {}),
          ...(written.Metadata !== undefined ? { Metadata: rendered.metadata } : {}),
          ...(written.DeletionPolicy !== undefined ? { DeletionPolicy: rendered.deletionPolicy } : {}),
          ...(written.UpdateReplacePolicy !== undefined ? { UpdateReplacePolicy: rendered.updateReplacePolicy } : {}),
        }),
      });
      // Nothing rendered that the template leaves out.
      const extra = (section: unknown, renderedSection: object) => section === undefined && Object.keys(renderedSection).length > 0;
      expect([extra(written.Properties, rendered.properties), extra(written.Metadata, rendered.metadata)]).toEqual([false, false]);
      compared++;
    }
  }
  return compared;
}

describe('renderResource', () => {
  test('renders every resource of the reference deployment exactly as the synthesized template has it', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-'));
    try {
      const app = new App({ outdir });
      buildReferenceDeployment(app);
      expect(expectRenderedAsSynthesized(app)).toBeGreaterThan(100);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('renders raw overrides, deletions, empty values, tags, lazy values and intrinsics as the template has them', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
      const bucket = new s3.Bucket(stack, 'Bucket', { versioned: true });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      bucket.grantRead(role);
      const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
      cfnBucket.addPropertyOverride('OwnershipControls.Rules', [{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      cfnBucket.addPropertyDeletionOverride('VersioningConfiguration');
      cfnBucket.addOverride('Metadata.Note', Fn.join('-', ['a', role.roleArn]));
      cfnBucket.addOverride('DeletionPolicy', 'Retain');
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'a', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false }).addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(5432));
      new CfnResource(stack, 'Plain', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: `x-${bucket.bucketArn}`, Tags: {} } });
      expect(expectRenderedAsSynthesized(app)).toBeGreaterThan(10);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
