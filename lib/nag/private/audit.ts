import { RenderedResource, StackIndex } from './rendered';
import { sessionInputs } from './ssm';
import { isIntrinsic, referencedLogicalId } from './values';

/** Where an audit source (a trail, a session document) writes its logs. */
export type AuditDestination =
  /** no S3 destination */
  | { readonly kind: 'none' }
  /** a bucket of this stack */
  | { readonly kind: 'bucket'; readonly bucket: RenderedResource }
  /** a bucket outside the stack, or one only known at deploy time */
  | { readonly kind: 'elsewhere'; readonly value: unknown };

/** Whether a resource is a Session Manager session document: `yes`, `no`, or `unknown` (DocumentType is a token). */
export function isSessionDocument(r: RenderedResource): 'yes' | 'no' | 'unknown' {
  if (r.type !== 'AWS::SSM::Document') {
    return 'no';
  }
  const type = r.properties.DocumentType;
  return isIntrinsic(type) ? 'unknown' : type === 'Session' ? 'yes' : 'no';
}

/** Trails and session documents of the stack: the sources of the operator audit. */
export function auditSources(index: StackIndex): RenderedResource[] {
  return index.memo('audit-sources', () => [
    ...index.byType('AWS::CloudTrail::Trail'),
    ...index.byType('AWS::SSM::Document').filter((d) => isSessionDocument(d) === 'yes'),
  ]);
}

function bucketsByName(index: StackIndex): Map<string, RenderedResource> {
  return index.memo('buckets-by-name', () => new Map(index.byType('AWS::S3::Bucket')
    .filter((b) => typeof b.properties.BucketName === 'string')
    .map((b) => [b.properties.BucketName as string, b])));
}

/** The S3 bucket a trail or session document writes to. */
export function auditDestination(source: RenderedResource, index: StackIndex): AuditDestination {
  let value: unknown;
  if (source.type === 'AWS::CloudTrail::Trail') {
    value = source.properties.S3BucketName;
  } else {
    const inputs = sessionInputs(source.properties.Content);
    if (inputs === undefined) {
      return { kind: 'elsewhere', value: source.properties.Content };
    }
    value = inputs.s3BucketName;
  }
  if (value === undefined || value === null || value === '') {
    return { kind: 'none' };
  }
  const target = referencedLogicalId(value) !== undefined ? index.target(value) : undefined;
  const bucket = target?.type === 'AWS::S3::Bucket' ? target : typeof value === 'string' ? bucketsByName(index).get(value) : undefined;
  return bucket ? { kind: 'bucket', bucket } : { kind: 'elsewhere', value };
}

/** Buckets of the stack that receive audit logs, with the logical ids of the sources that write to them. */
export function auditBuckets(index: StackIndex): Map<RenderedResource, string[]> {
  return index.memo('audit-buckets', () => {
    const out = new Map<RenderedResource, string[]>();
    for (const source of auditSources(index)) {
      const destination = auditDestination(source, index);
      if (destination.kind === 'bucket') {
        out.set(destination.bucket, [...out.get(destination.bucket) ?? [], source.logicalId]);
      }
    }
    return out;
  });
}
