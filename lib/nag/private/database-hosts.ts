import { RenderedResource, StackIndex } from './rendered';
import { asArray } from './values';

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
