import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, param, plain } from '../helpers';

const LOCK = 'AuditBucketObjectLock';
const ALERTS = 'AuditAlertRulesPresent';

const LOCKED = {
  ObjectLockEnabled: true,
  ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
  VersioningConfiguration: { Status: 'Enabled' },
};

const trailTo = (s: Stack, bucket: unknown, id = 'Trail') =>
  plain(s, 'AWS::CloudTrail::Trail', { IsLogging: true, S3BucketName: bucket, EnableLogFileValidation: true, KMSKeyId: CMK_ARN }, id);

const sessionDocument = (s: Stack, bucket: unknown, type = 'Session') => plain(s, 'AWS::SSM::Document', {
  DocumentType: type,
  Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { s3BucketName: bucket, s3EncryptionEnabled: true, kmsKeyId: CMK_ARN } },
}, 'SessionDocument');

function lockedL2(s: Stack): s3.Bucket {
  const bucket = new s3.Bucket(s, 'Audit', { versioned: true, objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(365)) });
  new cloudtrail.Trail(s, 'Trail', { bucket });
  return bucket;
}

/** The alerted calls, as the operator construct writes them: one rule per service. */
const ALERTED: [string, string[]][] = [
  ['secretsmanager', ['GetSecretValue']],
  ['ssm', ['SendCommand', 'UpdateDocument', 'UpdateDocumentDefaultVersion', 'DeleteDocument']],
  ['cloudtrail', ['StopLogging', 'DeleteTrail', 'UpdateTrail']],
  ['kms', ['PutKeyPolicy', 'DisableKey', 'ScheduleKeyDeletion', 'CreateGrant']],
  ['ec2', ['ModifySnapshotAttribute']],
  ['backup', ['PutBackupVaultAccessPolicy', 'DeleteBackupVaultAccessPolicy']],
];

const apiCall = (service: string, detail: { [key: string]: unknown }) =>
  ({ 'source': [`aws.${service}`], 'detail-type': ['AWS API Call via CloudTrail'], 'detail': { eventSource: [`${service}.amazonaws.com`], ...detail } });

/** Alert rules for every call; `change(service, props)` rewrites one rule's properties. */
function alertRules(s: Stack, change: (service: string, props: { [key: string]: any }) => { [key: string]: any } = (_s, p) => p) {
  for (const [service, names] of ALERTED) {
    const props = {
      State: service === 'secretsmanager' ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
      EventPattern: apiCall(service, { eventName: names }),
      Targets: [{ Arn: 'arn:aws:sns:eu-west-1:111122223333:alerts', Id: 'Alerts' }],
    };
    plain(s, 'AWS::Events::Rule', change(service, props), `Alert${service}`);
  }
}

export const AUDIT_CASES: RuleCase[] = [
  // AuditBucketObjectLock
  { rule: LOCK, form: 'l2', title: 'trail bucket with governance retention and versioning', expect: C, build: lockedL2 },
  {
    rule: LOCK,
    form: 'l2',
    title: 'trail bucket without object lock',
    expect: NC,
    detail: /receives audit logs from Trail.*ObjectLockEnabled is not true/,
    build: (s) => {
      const bucket = new s3.Bucket(s, 'Audit', { versioned: true });
      new cloudtrail.Trail(s, 'Trail', { bucket });
      return bucket;
    },
  },
  {
    rule: LOCK,
    form: 'plain',
    title: 'session-log bucket without versioning',
    expect: NC,
    detail: /VersioningConfiguration Status is not Enabled/,
    build: (s) => {
      const bucket = plain(s, 'AWS::S3::Bucket', { ...LOCKED, VersioningConfiguration: { Status: 'Suspended' } }, 'Audit');
      sessionDocument(s, { Ref: 'Audit' });
      return bucket;
    },
  },
  {
    rule: LOCK,
    form: 'plain',
    title: 'object lock without a default retention',
    expect: NC,
    detail: /no default retention/,
    build: (s) => {
      const bucket = plain(s, 'AWS::S3::Bucket', { ...LOCKED, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }, 'Audit');
      trailTo(s, { Ref: 'Audit' });
      return bucket;
    },
  },
  {
    rule: LOCK,
    form: 'plain',
    title: 'a bucket matched by its literal name, in compliance mode for years',
    expect: C,
    build: (s) => {
      const bucket = plain(s, 'AWS::S3::Bucket', {
        ...LOCKED, BucketName: 'audit-logs', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } },
      }, 'Audit');
      trailTo(s, 'audit-logs');
      return bucket;
    },
  },
  { rule: LOCK, form: 'plain', title: 'a bucket no audit writes to', expect: NA, build: (s) => plain(s, 'AWS::S3::Bucket', {}, 'Data') },
  {
    rule: LOCK,
    form: 'plain',
    title: 'a Command document is no audit source',
    expect: NA,
    build: (s) => {
      const bucket = plain(s, 'AWS::S3::Bucket', {}, 'Audit');
      sessionDocument(s, { Ref: 'Audit' }, 'Command');
      return bucket;
    },
  },
  {
    rule: LOCK,
    form: 'token',
    title: 'the trail writes to a bucket given by a parameter',
    expect: UNV,
    build: (s) => trailTo(s, param(s)),
  },
  {
    rule: LOCK,
    form: 'token',
    title: 'the retention days come from a parameter',
    expect: UNV,
    build: (s) => {
      const bucket = plain(s, 'AWS::S3::Bucket', {
        ...LOCKED, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: Fn.ref('Param') } } },
      }, 'Audit');
      param(s);
      trailTo(s, { Ref: 'Audit' });
      return bucket;
    },
  },
  {
    rule: LOCK,
    form: 'override',
    title: 'an override removes the default retention',
    expect: NC,
    build: (s) => {
      const bucket = lockedL2(s);
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyDeletionOverride('ObjectLockConfiguration.Rule');
      return bucket;
    },
  },

  // AuditAlertRulesPresent
  {
    rule: ALERTS,
    form: 'plain',
    title: 'a trail and no alert rules',
    expect: NC,
    detail: /secretsmanager GetSecretValue, ssm SendCommand.*backup DeleteBackupVaultAccessPolicy/,
    build: (s) => trailTo(s, 'audit-logs'),
  },
  {
    rule: ALERTS,
    form: 'plain',
    title: 'a session document with a rule for every alerted call',
    expect: C,
    build: (s) => {
      alertRules(s);
      return sessionDocument(s, '');
    },
  },
  {
    rule: ALERTS,
    form: 'plain',
    title: 'GetSecretValue matched by a rule that EventBridge never gives read-only calls',
    expect: NC,
    detail: /secretsmanager GetSecretValue \(matched only by rules whose State is not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS/,
    build: (s) => {
      alertRules(s, (service, p) => (service === 'secretsmanager' ? { ...p, State: 'ENABLED' } : p));
      return trailTo(s, 'audit-logs');
    },
  },
  {
    rule: ALERTS,
    form: 'plain',
    title: 'a rule without targets alerts nobody',
    expect: NC,
    detail: /^no enabled EventBridge rule with a target matches ec2 ModifySnapshotAttribute$/,
    build: (s) => {
      alertRules(s, (service, p) => (service === 'ec2' ? { ...p, Targets: [] } : p));
      return trailTo(s, 'audit-logs');
    },
  },
  {
    rule: ALERTS,
    form: 'plain',
    title: 'content filters: every kms call, cloudtrail by prefix and wildcard, ssm by anything-but',
    expect: C,
    build: (s) => {
      alertRules(s, (service, p) => {
        const patterns: { [key: string]: unknown } = {
          kms: { 'source': ['aws.kms'], 'detail-type': ['AWS API Call via CloudTrail'] },
          cloudtrail: apiCall('cloudtrail', { eventName: [{ prefix: 'Stop' }, { wildcard: '*Trail' }] }),
          ssm: apiCall('ssm', { eventName: [{ 'anything-but': ['StartSession', 'GetParameter'] }] }),
        };
        return patterns[service] ? { ...p, EventPattern: JSON.stringify(patterns[service]) } : p;
      });
      return trailTo(s, 'audit-logs');
    },
  },
  {
    rule: ALERTS,
    form: 'plain',
    title: 'a pattern for another source does not count',
    expect: NC,
    detail: /^no enabled EventBridge rule with a target matches backup PutBackupVaultAccessPolicy, backup DeleteBackupVaultAccessPolicy$/,
    build: (s) => {
      alertRules(s, (service, p) => (service === 'backup' ? { ...p, EventPattern: apiCall('ec2', { eventName: ['PutBackupVaultAccessPolicy', 'DeleteBackupVaultAccessPolicy'] }) } : p));
      return trailTo(s, 'audit-logs');
    },
  },
  {
    rule: ALERTS,
    form: 'l2',
    title: 'events.Rule constructs to an SNS topic',
    expect: C,
    build: (s) => {
      const topic = new sns.Topic(s, 'Alerts');
      for (const [service, names] of ALERTED) {
        const rule = new events.Rule(s, `Alert${service}`, {
          eventPattern: { source: [`aws.${service}`], detailType: ['AWS API Call via CloudTrail'], detail: { eventSource: [`${service}.amazonaws.com`], eventName: names } },
          targets: [new targets.SnsTopic(topic)],
        });
        if (service === 'secretsmanager') {
          (rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
        }
      }
      return new cloudtrail.Trail(s, 'Trail');
    },
  },
  { rule: ALERTS, form: 'plain', title: 'a Command document is no audit source', expect: NA, build: (s) => sessionDocument(s, '', 'Command') },
  {
    rule: ALERTS,
    form: 'token',
    title: 'the kms rule\'s pattern is imported',
    expect: UNV,
    detail: /kms PutKeyPolicy/,
    build: (s) => {
      alertRules(s, (service, p) => (service === 'kms' ? { ...p, EventPattern: Fn.importValue('kms-pattern') } : p));
      return trailTo(s, 'audit-logs');
    },
  },
  {
    rule: ALERTS,
    form: 'override',
    title: 'an override disables the key alerts',
    expect: NC,
    detail: /kms PutKeyPolicy, kms DisableKey, kms ScheduleKeyDeletion, kms CreateGrant$/,
    build: (s) => {
      alertRules(s);
      (s.node.findChild('Alertkms') as any).addPropertyOverride('State', 'DISABLED');
      return trailTo(s, 'audit-logs');
    },
  },
];
