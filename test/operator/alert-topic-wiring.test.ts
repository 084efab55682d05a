import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildReferenceDeployment } from '../../bin/reference-app';
import { PackageSource, TimescaleService } from '../../lib';
import { evaluate, PolicyRequest, resolve, resourceArns, Template as Model } from '../deploy/template-model';

/**
 * Every SNS topic under a customer-managed key must admit each AWS service that publishes to it in
 * the stack, twice: its topic policy must allow sns:Publish, and its key's policy must let the
 * service use the key (SNS calls KMS with the publisher's identity; a publisher the key refuses is
 * dropped without an error anywhere the stack can see). Publishers are read from the template:
 * CloudWatch alarms whose actions name the topic, EventBridge rules whose targets do.
 */

const ACCOUNT = '111122223333';
const deploymentOf = (template: Model) => {
  const base = { region: 'eu-west-1', accountId: ACCOUNT };
  return { ...base, resourceArn: resourceArns(template, base) };
};
const arnOf = (template: Model, logicalId: string) => deploymentOf(template).resourceArn(logicalId);
/** Whether a resource policy lets the request through, in the deployment the template models. */
const admits = (template: Model, policy: any, request: PolicyRequest) => evaluate(resolve(policy, deploymentOf(template)), request) === 'Allow';

interface Publisher {
  readonly what: string;
  readonly service: string;
  readonly sourceArn: string;
}

function publishersOf(template: any, topicId: string): Publisher[] {
  const namesTopic = (v: any) => JSON.stringify(v) === JSON.stringify({ Ref: topicId });
  return Object.entries(template.Resources).flatMap(([id, r]: [string, any]) => {
    if (r.Type === 'AWS::CloudWatch::Alarm') {
      const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((p) => r.Properties[p] ?? []);
      return actions.some(namesTopic) ? [{ what: `alarm ${id}`, service: 'cloudwatch.amazonaws.com', sourceArn: arnOf(template, id) }] : [];
    }
    if (r.Type === 'AWS::Events::Rule') {
      const targets = r.Properties.Targets ?? [];
      return targets.some((t: any) => namesTopic(t.Arn)) ? [{ what: `rule ${id}`, service: 'events.amazonaws.com', sourceArn: arnOf(template, id) }] : [];
    }
    return [];
  });
}

/** What each publisher's delivery asks of the topic policy and of the key policy. */
function problemsOf(template: any): string[] {
  const problems: string[] = [];
  for (const [topicId, topic] of Object.entries(template.Resources) as Array<[string, any]>) {
    if (topic.Type !== 'AWS::SNS::Topic') {
      continue;
    }
    const keyRef = topic.Properties.KmsMasterKeyId;
    const keyId = keyRef?.['Fn::GetAtt']?.[0] ?? keyRef?.Ref;
    const key = template.Resources[keyId];
    if (key?.Type !== 'AWS::KMS::Key') {
      continue; // not under a key of this stack
    }
    const topicArn = arnOf(template, topicId);
    const topicPolicies = Object.values(template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && r.Properties.Topics.some((t: any) => JSON.stringify(t) === JSON.stringify({ Ref: topicId })))
      .map((r) => r.Properties.PolicyDocument);
    for (const publisher of publishersOf(template, topicId)) {
      const context = { 'aws:SourceArn': publisher.sourceArn, 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' };
      const publish: PolicyRequest = { service: publisher.service, action: 'sns:Publish', resource: topicArn, context };
      if (!topicPolicies.some((policy) => admits(template, policy, publish))) {
        problems.push(`topic ${topicId}: its topic policy does not let ${publisher.service} publish for ${publisher.what}`);
      }
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        const use: PolicyRequest = {
          service: publisher.service,
          action,
          resource: arnOf(template, keyId),
          // EventBridge's requests to KMS carry no aws:SourceArn or aws:SourceAccount (SNS Developer Guide).
          context: {
            'kms:EncryptionContext:aws:sns:topicArn': topicArn,
            ...(publisher.service === 'events.amazonaws.com' ? {} : { 'aws:SourceArn': publisher.sourceArn, 'aws:SourceAccount': ACCOUNT }),
          },
        };
        if (!admits(template, key.Properties.KeyPolicy, use)) {
          problems.push(`topic ${topicId}: key ${keyId}'s policy does not let ${publisher.service} call ${action} for ${publisher.what}`);
        }
      }
    }
  }
  return problems;
}

let reference: any;
let service: any;
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-wiring-'));
  const deployment = buildReferenceDeployment(new App({ outdir }));
  reference = deployment.app.synth().getStackByName(deployment.stack.stackName).template;

  const stack = new Stack(new App(), 'Service');
  const db = new TimescaleService(stack, 'Db', {
    serviceName: 'orders',
    serverName: 'db.example.com',
    packageSource: PackageSource.preinstalled(),
    customers: [{ customerName: 'acme', peerVpcId: 'vpc-0a1b2c3d4e5f67890', peerCidrs: ['10.20.0.0/16'] }],
    operators: {
      operatorPrincipals: [iam.Role.fromRoleArn(stack, 'OnCall', `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/oncall`)],
      alertEmails: ['oncall@example.com'],
    },
  });
  Validations.of(db.host.instance).acknowledge({
    id: 'CloudFormation-Validate::E1152',
    reason: 'ImageId is a resolve:ssm reference, resolved by CloudFormation at deploy time.',
  });
  service = Template.fromStack(stack).toJSON();
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test.each([['reference deployment', () => reference], ['service', () => service]])(
  'the %s: every encrypted topic admits, in its topic and key policies, each AWS service that publishes to it', (_label, template) => {
    const t = template();
    const topics = Object.values(t.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThan(0);
    // The check has something to check: the certificate's alarm and the session rules publish to the alert topic.
    const publishers = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::SNS::Topic').flatMap((id) => publishersOf(t, id));
    expect(new Set(publishers.map((p) => p.service))).toEqual(new Set(['cloudwatch.amazonaws.com', 'events.amazonaws.com']));
    expect(problemsOf(t)).toEqual([]);
  });

test('refuses a CloudWatch alarm of another account, in the topic policy and in the key policy', () => {
  const [topicId] = Object.keys(service.Resources).filter((id) => service.Resources[id].Type === 'AWS::SNS::Topic');
  const topic = service.Resources[topicId];
  const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
  const topicPolicy = Object.values(service.Resources as Record<string, any>).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!.Properties.PolicyDocument;
  const otherAlarm = 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:theirs';
  const context = { 'aws:SourceArn': otherAlarm, 'aws:SourceAccount': '444455556666', 'aws:SecureTransport': 'true' };
  expect(admits(service, topicPolicy, { service: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: arnOf(service, topicId), context })).toBe(false);
  expect(admits(service, service.Resources[keyId].Properties.KeyPolicy, {
    service: 'cloudwatch.amazonaws.com',
    action: 'kms:GenerateDataKey',
    resource: arnOf(service, keyId),
    context: { ...context, 'kms:EncryptionContext:aws:sns:topicArn': arnOf(service, topicId) },
  })).toBe(false);
});
