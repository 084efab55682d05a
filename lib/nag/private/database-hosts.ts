import { RenderedResource, StackIndex } from './rendered';
import { asArray, isIntrinsic } from './values';

/** The tag every database host carries (see lib/host). */
export const SERVICE_TAG = 'timescale:service';

export function isDatabaseHost(r: RenderedResource): boolean {
  if (r.type !== 'AWS::EC2::Instance') {
    return false;
  }
  return asArray<any>(r.properties.Tags).some((t) => t?.Key === SERVICE_TAG);
}

/** Database hosts of the stack (built once per index). */
export function databaseHosts(index: StackIndex): RenderedResource[] {
  return index.memo('database-hosts', () => index.byType('AWS::EC2::Instance').filter(isDatabaseHost));
}

/** The tag that says what a host is: `database` for database hosts, `bastion` for the operator bastion. */
export const HOST_ROLE_TAG = 'timescale:role';

/** The tag that says what a secret holds: `database-superuser` for the superuser's credentials. */
export const SECRET_TAG = 'timescale:secret';

/** The value of tag `key` on a resource (Tags as a list of Key/Value, or a map); `unknown` when only known at deploy time. */
export function tagValue(r: RenderedResource, key: string): string | undefined | { unknown: true } {
  const tags = r.properties.Tags;
  if (tags === undefined) {
    return undefined;
  }
  if (isIntrinsic(tags)) {
    return { unknown: true };
  }
  if (!Array.isArray(tags)) {
    const value = (tags as any)[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : { unknown: true };
  }
  let unknown = false;
  for (const t of tags) {
    if (isIntrinsic(t) || typeof t?.Key !== 'string') {
      unknown = true;
    } else if (t.Key === key) {
      return typeof t.Value === 'string' ? t.Value : { unknown: true };
    }
  }
  return unknown ? { unknown: true } : undefined;
}

/**
 * Whether an instance can be a database host: tagged `timescale:role` = `database`, or tagged
 * `timescale:service` without `timescale:role` = `bastion`.
 */
export function canBeDatabaseHost(r: RenderedResource): 'yes' | 'no' | 'unknown' {
  if (r.type !== 'AWS::EC2::Instance') {
    return 'no';
  }
  const role = tagValue(r, HOST_ROLE_TAG);
  if (role === 'database') {
    return 'yes';
  }
  if (role === 'bastion') {
    return 'no';
  }
  const service = tagValue(r, SERVICE_TAG);
  if (typeof role === 'object' || typeof service === 'object') {
    return 'unknown';
  }
  return service !== undefined ? 'yes' : 'no';
}
