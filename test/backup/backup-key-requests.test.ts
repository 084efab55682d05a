import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedBackups } from '../../lib/backup';
import { ServiceKeys } from '../../lib/keys';
import { resolve, resourceArns } from '../deploy/template-model';
import { Decision, PolicyDocument, Principal, evaluateRequest } from '../support/iam-evaluator';

/**
 * What copying a recovery point under the backup key asks of KMS, decided as AWS would with the
 * backup role's identity policies and the ServiceKeys key policies together: EBS copies the
 * snapshot for the role (kms:ViaService ec2), reading the data key and writing under the backup key.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const VOLUME_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`;
const VIA_EC2 = `ec2.${REGION}.amazonaws.com`;

const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: REGION } });
const keys = new ServiceKeys(stack, 'Keys');
const backups = new EncryptedBackups(stack, 'Backups', {
  backupKey: keys.backupKey,
  sourceKeys: [keys.dataKey],
  resources: [backup.BackupResource.fromArn(VOLUME_ARN)],
});
const template = Template.fromStack(stack).toJSON() as any;
const deployment = { region: REGION, accountId: ACCOUNT, resourceArn: resourceArns(template, { region: REGION, accountId: ACCOUNT }) };
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as any);
const keyArn = (key: kms.IKey) => deployment.resourceArn(id(key as kms.Key));
const keyPolicy = (key: kms.IKey): PolicyDocument => resolve(template.Resources[id(key as kms.Key)].Properties.KeyPolicy, deployment);
const roleId = id(backups.backupRole as any);
const backupRole: Principal = { type: 'role', arn: deployment.resourceArn(roleId) };
const roleIdentityPolicies: PolicyDocument[] = Object.values<any>(template.Resources)
  .filter((r) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) && (r.Properties.Roles ?? []).some((role: any) => role.Ref === roleId))
  .map((r) => resolve(r.Properties.PolicyDocument, deployment));

function decide(principal: Principal, identity: PolicyDocument[], key: kms.IKey, action: string, context: object = {}): Decision {
  return evaluateRequest(
    { principal, action, resource: keyArn(key), viaService: VIA_EC2, context: { ...context } },
    { identity, keyPolicy: keyPolicy(key) },
  ).decision;
}

describe('KMS requests of a copy into the copy vault', () => {
  test('the backup role has its copy permissions in an identity policy too', () => {
    expect(roleIdentityPolicies.flatMap((p) => p.Statement).length).toBeGreaterThan(0);
  });

  const forAwsResource = { 'kms:GrantIsForAWSResource': true };

  test.each<[string, kms.IKey, string, object, Decision]>([
    ['writes the copy under the backup key (re-encrypt to it)', keys.backupKey, 'kms:ReEncryptTo', {}, 'Allow'],
    ['creates the data key of the copy', keys.backupKey, 'kms:GenerateDataKeyWithoutPlaintext', {}, 'Allow'],
    ['describes the backup key', keys.backupKey, 'kms:DescribeKey', {}, 'Allow'],
    ['lets EBS create a grant on the backup key for the snapshot', keys.backupKey, 'kms:CreateGrant', forAwsResource, 'Allow'],
    ['reads the recovery point under the data key', keys.dataKey, 'kms:Decrypt', {}, 'Allow'],
    ['re-encrypts from the data key', keys.dataKey, 'kms:ReEncryptFrom', {}, 'Allow'],
    ['lets EBS create a grant on the data key for the snapshot', keys.dataKey, 'kms:CreateGrant', forAwsResource, 'Allow'],
  ])('the backup role %s -> %s', (_what, key, action, context, expected) => {
    expect(decide(backupRole, roleIdentityPolicies, key, action, context)).toBe(expected);
  });

  test.each<[string, kms.IKey, string, object]>([
    ['creates a grant on the backup key that is not for an AWS resource', keys.backupKey, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': false }],
    ['creates a grant on the data key that is not for an AWS resource', keys.dataKey, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': false }],
    ['encrypts new data with the data key', keys.dataKey, 'kms:GenerateDataKey', {}],
    ['changes the backup key policy', keys.backupKey, 'kms:PutKeyPolicy', {}],
  ])('the backup role %s -> refused', (_what, key, action, context) => {
    expect(decide(backupRole, roleIdentityPolicies, key, action, context)).not.toBe('Allow');
  });
});
