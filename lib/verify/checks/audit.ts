import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetDocumentCommand } from '@aws-sdk/client-ssm';
import { sessionDocument, sessionInputs } from '../../nag/private/ssm';
import { compliant, nonCompliant, ResourceCheck, unverifiable } from '../context';

/** Trails: logging, log file validation, a customer-managed key. */
export const trailCheck: ResourceCheck = {
  resourceType: 'AWS::CloudTrail::Trail',
  rules: ['CloudTrailLoggingValidatedEncrypted'],
  async check(resource, context) {
    const { cloudtrail } = context.clients;
    const trail = (await context.send<any>(cloudtrail, new DescribeTrailsCommand({ trailNameList: [resource.physicalId] }))).trailList?.[0];
    if (!trail) {
      return [unverifiable('CloudTrailLoggingValidatedEncrypted', 'the trail no longer exists')];
    }
    const status = await context.send<any>(cloudtrail, new GetTrailStatusCommand({ Name: trail.TrailARN ?? resource.physicalId }));
    const problems = [
      status.IsLogging !== true && 'not logging',
      trail.LogFileValidationEnabled !== true && 'log file validation off',
      await context.keyProblem(trail.KmsKeyId, 'log files not encrypted with a KMS key (SSE-S3 only)'),
    ].filter((p): p is string => !!p);
    return [problems.length === 0
      ? compliant('CloudTrailLoggingValidatedEncrypted', `logging, validated, encrypted with ${trail.KmsKeyId}`)
      : nonCompliant('CloudTrailLoggingValidatedEncrypted', problems.join('; '))];
  },
};

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Session Manager session documents: every session logged, encrypted, and encrypted in flight with a KMS key. */
export const sessionDocumentCheck: ResourceCheck = {
  resourceType: 'AWS::SSM::Document',
  rules: ['SessionDocumentEncryptedLogging'],
  async check(resource, context) {
    const doc = await context.send<any>(context.clients.ssm, new GetDocumentCommand({ Name: resource.physicalId }));
    // Port forwarding sessions are never logged by Session Manager: where they may be used is judged at synth.
    if (doc.DocumentType !== 'Session' || sessionDocument(doc.Content)?.sessionType === 'Port') {
      return [];
    }
    const inputs = sessionInputs(doc.Content);
    if (!inputs) {
      return [unverifiable('SessionDocumentEncryptedLogging', 'the document content cannot be read')];
    }
    const problems: string[] = [];
    if (present(inputs.cloudWatchLogGroupName) && inputs.cloudWatchEncryptionEnabled !== true) {
      problems.push(`CloudWatch Logs destination with cloudWatchEncryptionEnabled ${String(inputs.cloudWatchEncryptionEnabled)}`);
    }
    if (present(inputs.s3BucketName) && inputs.s3EncryptionEnabled !== true) {
      problems.push(`S3 destination with s3EncryptionEnabled ${String(inputs.s3EncryptionEnabled)}`);
    }
    if (!present(inputs.cloudWatchLogGroupName) && !present(inputs.s3BucketName)) {
      problems.push('sessions are not logged (no cloudWatchLogGroupName or s3BucketName)');
    }
    if (!present(inputs.kmsKeyId)) {
      problems.push('no kmsKeyId for session encryption');
    }
    return [problems.length === 0
      ? compliant('SessionDocumentEncryptedLogging', [inputs.cloudWatchLogGroupName, inputs.s3BucketName].filter(present).join(', '))
      : nonCompliant('SessionDocumentEncryptedLogging', problems.join('; '))];
  },
};

/** Load balancers: internal. */
export const loadBalancerCheck: ResourceCheck = {
  resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  rules: ['LoadBalancerInternal'],
  async check(resource, context) {
    const command = new DescribeLoadBalancersCommand({ LoadBalancerArns: [resource.physicalId] });
    const lb = (await context.send<any>(context.clients.elbv2, command)).LoadBalancers?.[0];
    if (!lb) {
      return [unverifiable('LoadBalancerInternal', 'the load balancer no longer exists')];
    }
    return [lb.Scheme === 'internal' ? compliant('LoadBalancerInternal') : nonCompliant('LoadBalancerInternal', `scheme is ${lb.Scheme}`)];
  },
};
