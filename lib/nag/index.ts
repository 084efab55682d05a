export * from './evidence';
export * from './guarantees';
export * from './nag-pack-plugin';
export * from './packs/timescale-cloud-security-checks';
export * from './packs/data-residency-checks';
