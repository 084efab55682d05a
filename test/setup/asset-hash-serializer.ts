/**
 * Jest snapshot serializer that keeps snapshots stable across machines and CDK versions:
 * asset hashes (64 hex characters, alone or inside an S3 key) become a fixed placeholder.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;
const PLACEHOLDER = 'ASSET-HASH';

export function test(value: unknown): boolean {
  return typeof value === 'string' && value !== value.replace(ASSET_HASH, PLACEHOLDER);
}

export function serialize(value: string): string {
  return JSON.stringify(value.replace(ASSET_HASH, PLACEHOLDER));
}
