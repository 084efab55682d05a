import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildReferenceDeployment } from '../../bin/reference-app';
import { PackageSource, TimescaleService } from '../../lib';

/**
 * A failed first create must roll back cleanly, and creating the stack again must not collide with
 * anything the first attempt (or an earlier, deleted stack) kept. Read from the synthesized template:
 * - no resource is protected from deletion from its first create (CloudFormation could not roll it back);
 * - protection is switched on by a resource that waits for the host's bootstrap;
 * - nothing CloudFormation keeps (DeletionPolicy Retain, RetainExceptOnCreate or Snapshot) has a fixed
 *   name, so the next create never finds its name taken.
 */

/** The property that names a resource of each kept type, for the types that have one. */
const NAME_PROPERTY: Record<string, string | undefined> = {
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Backup::BackupVault': 'BackupVaultName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SSM::Document': 'Name',
  'AWS::CloudTrail::Trail': 'TrailName',
  'AWS::IAM::Role': 'RoleName',
  // Keys and volumes have no name; a kept volume leaves a snapshot, which has none either.
  'AWS::KMS::Key': undefined,
  'AWS::EC2::Volume': undefined,
};

const KEPT = ['Retain', 'RetainExceptOnCreate', 'Snapshot'];

/**
 * A name is fixed unless it changes with every creation of the stack: CloudFormation's generated
 * name (no property), or a name built from the stack ID (a new UUID for every stack created).
 */
function isFixedName(name: unknown): boolean {
  return name !== undefined && !JSON.stringify(name).includes('"AWS::StackId"');
}

interface Synthesized {
  readonly label: string;
  readonly template: any;
}

const outdirs: string[] = [];
let synthesized: Synthesized[];

function synth(app: App, stack: Stack): any {
  return app.synth().getStackByName(stack.stackName).template;
}

beforeAll(() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-'));
  outdirs.push(outdir);
  const reference = buildReferenceDeployment(new App({ outdir }));

  // The service on its own, with operators (the alert topic, the trail) and no pack attached.
  const app = new App();
  const stack = new Stack(app, 'Service');
  const service = new TimescaleService(stack, 'Db', {
    serviceName: 'orders',
    serverName: 'db.example.com',
    packageSource: PackageSource.preinstalled(),
    customers: [{ customerName: 'acme', peerVpcId: 'vpc-0a1b2c3d4e5f67890', peerCidrs: ['10.20.0.0/16'] }],
    operators: { operatorPrincipals: [iam.Role.fromRoleArn(stack, 'OnCall', `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/oncall`)] },
  });
  Validations.of(service.host.instance).acknowledge({
    id: 'CloudFormation-Validate::E1152',
    reason: 'ImageId is a resolve:ssm reference, resolved by CloudFormation at deploy time.',
  });
  synthesized = [
    { label: 'reference deployment', template: synth(reference.app, reference.stack) },
    { label: 'service', template: Template.fromStack(stack).toJSON() },
  ];
});

afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const resourcesOf = (template: any, type: string): Array<[string, any]> =>
  Object.entries(template.Resources).filter(([, r]: [string, any]) => r.Type === type) as Array<[string, any]>;

/** Every logical ID `id` depends on, through DependsOn and references, transitively. */
function dependenciesOf(template: any, id: string): Set<string> {
  const seen = new Set<string>();
  const visit = (current: string) => {
    const resource = template.Resources[current];
    if (!resource) {
      return;
    }
    const direct = new Set<string>([...[resource.DependsOn ?? []].flat()]);
    JSON.stringify(resource.Properties ?? {}, (key, value) => {
      if (key === 'Ref' && typeof value === 'string') {
        direct.add(value);
      }
      if (key === 'Fn::GetAtt') {
        direct.add(Array.isArray(value) ? value[0] : String(value).split('.')[0]);
      }
      return value;
    });
    for (const next of direct) {
      if (!seen.has(next)) {
        seen.add(next);
        visit(next);
      }
    }
  };
  visit(id);
  return seen;
}

describe.each(['reference deployment', 'service'])('the %s', (label) => {
  const template = () => synthesized.find((s) => s.label === label)!.template;

  test('protects no instance from termination from its first create', () => {
    const instances = resourcesOf(template(), 'AWS::EC2::Instance');
    expect(instances.length).toBeGreaterThan(0);
    for (const [, instance] of instances) {
      expect(instance.Properties.DisableApiTermination).not.toBe(true);
    }
  });

  test('protects no load balancer from deletion from its first create', () => {
    const loadBalancers = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(loadBalancers.length).toBeGreaterThan(0);
    for (const [, loadBalancer] of loadBalancers) {
      const attributes = loadBalancer.Properties.LoadBalancerAttributes ?? [];
      expect(attributes).not.toContainEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
    }
  });

  test('switches termination protection on, and off on delete, after the host has bootstrapped', () => {
    const [[instanceId]] = resourcesOf(template(), 'AWS::EC2::Instance');
    const [[waitConditionId]] = resourcesOf(template(), 'AWS::CloudFormation::WaitCondition');
    const switches = resourcesOf(template(), 'Custom::InstanceTerminationProtection');
    expect(switches).toHaveLength(1);
    const [[switchId, protection]] = switches;
    expect([...dependenciesOf(template(), switchId)]).toEqual(expect.arrayContaining([instanceId, waitConditionId]));
    const call = (phase: string) => JSON.stringify(protection.Properties[phase]);
    expect(call('Create')).toContain('\\"DisableApiTermination\\":{\\"Value\\":true}');
    expect(call('Update')).toContain('\\"DisableApiTermination\\":{\\"Value\\":true}');
    expect(call('Delete')).toContain('\\"DisableApiTermination\\":{\\"Value\\":false}');
    expect(call('Create')).toContain(`{"Ref":"${instanceId}"}`);
  });

  test('switches load balancer deletion protection on, and off on delete, after the host has bootstrapped', () => {
    const [[loadBalancerId]] = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const [[waitConditionId]] = resourcesOf(template(), 'AWS::CloudFormation::WaitCondition');
    const switches = resourcesOf(template(), 'Custom::LoadBalancerDeletionProtection');
    expect(switches).toHaveLength(1);
    const [[switchId, protection]] = switches;
    expect([...dependenciesOf(template(), switchId)]).toEqual(expect.arrayContaining([loadBalancerId, waitConditionId]));
    const call = (phase: string) => JSON.stringify(protection.Properties[phase]);
    expect(call('Create')).toContain('deletion_protection.enabled\\",\\"Value\\":\\"true\\"');
    expect(call('Update')).toContain('deletion_protection.enabled\\",\\"Value\\":\\"true\\"');
    expect(call('Delete')).toContain('deletion_protection.enabled\\",\\"Value\\":\\"false\\"');
    expect(call('Create')).toContain(`{"Ref":"${loadBalancerId}"}`);
  });

  test('lets the protection switches change exactly the protected instance and load balancer', () => {
    const statements = resourcesOf(template(), 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => ['ec2:ModifyInstanceAttribute', 'elasticloadbalancing:ModifyLoadBalancerAttributes'].includes(s.Action));
    const [[instanceId]] = resourcesOf(template(), 'AWS::EC2::Instance');
    const [[loadBalancerId]] = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(statements).toHaveLength(2);
    const byAction = Object.fromEntries(statements.map((s: any) => [s.Action, JSON.stringify(s.Resource)]));
    expect(byAction['ec2:ModifyInstanceAttribute']).toMatch(new RegExp(`:instance/","?\\{"Ref":"${instanceId}"\\}`));
    expect(byAction['elasticloadbalancing:ModifyLoadBalancerAttributes']).toBe(JSON.stringify({ Ref: loadBalancerId }));
  });

  test('gives nothing that CloudFormation keeps a fixed name', () => {
    const kept = Object.entries(template().Resources).filter(([, r]: [string, any]) => KEPT.includes(r.DeletionPolicy)) as Array<[string, any]>;
    expect(kept.length).toBeGreaterThan(0);
    const fixed = kept.flatMap(([id, r]) => {
      if (!(r.Type in NAME_PROPERTY)) {
        return [`${id}: ${r.Type} is kept and not classified here; add its name property to NAME_PROPERTY`];
      }
      const property = NAME_PROPERTY[r.Type];
      const name = property ? r.Properties?.[property] : undefined;
      return isFixedName(name) ? [`${id}: ${r.Type} ${property} ${JSON.stringify(name)}`] : [];
    });
    expect(fixed).toEqual([]);
  });

  test('deletes what a failed first create made, where CloudFormation can and nothing is worth keeping', () => {
    // Log groups made by the library's own constructs, the vault and the keys other than the logs key
    // are RetainExceptOnCreate. Buckets stay Retain: the audit bucket keeps a failed create's trail, and
    // a bucket with objects cannot be deleted by CloudFormation anyway; the logs key that encrypts it stays too.
    const policy = (type: string) => resourcesOf(template(), type).map(([id, r]) => [id, r.DeletionPolicy]);
    expect(policy('AWS::Backup::BackupVault')).toEqual([[expect.any(String), 'RetainExceptOnCreate'], [expect.stringMatching(/CopyVault/), 'RetainExceptOnCreate']]);
    for (const [id, deletionPolicy] of policy('AWS::KMS::Key')) {
      expect([id, deletionPolicy]).toEqual([id, /LogsKey/.test(id as string) ? 'Retain' : 'RetainExceptOnCreate']);
    }
    for (const [id, deletionPolicy] of policy('AWS::Logs::LogGroup')) {
      if (/(Host|Operators|PeeringDnsProvider)/.test(id as string)) {
        expect([id, deletionPolicy]).toEqual([id, 'RetainExceptOnCreate']);
      }
    }
  });
});
