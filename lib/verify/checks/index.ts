import { trailCheck, loadBalancerCheck, sessionDocumentCheck } from './audit';
import { instanceCheck, securityGroupCheck, volumeCheck } from './ec2';
import { kmsKeyCheck } from './kms';
import { backupVaultCheck, bucketCheck, logGroupCheck, secretCheck, topicCheck } from './storage';
import { ResourceCheck } from '../context';

/** The live checks, by CloudFormation resource type. */
export const CHECKS: ReadonlyMap<string, ResourceCheck> = new Map([
  kmsKeyCheck, volumeCheck, instanceCheck, securityGroupCheck, logGroupCheck, secretCheck, topicCheck, bucketCheck,
  backupVaultCheck, trailCheck, sessionDocumentCheck, loadBalancerCheck,
].map((c) => [c.resourceType, c]));
