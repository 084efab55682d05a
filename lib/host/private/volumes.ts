import { Token } from 'aws-cdk-lib';
import type { VolumeOptions } from '../volume-options';

/** gp3 limits. @see https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type */
export const GP3 = {
  minSizeGiB: 1,
  maxSizeGiB: 16_384,
  minIops: 3_000,
  maxIops: 16_000,
  maxIopsPerGiB: 500,
  minThroughput: 125,
  maxThroughput: 1_000,
  maxThroughputPerIops: 0.25,
};

/** A volume's options with the size filled in. */
export interface ResolvedVolumeOptions {
  readonly sizeGiB: number;
  readonly iops?: number;
  readonly throughputMiBps?: number;
}

const known = (value: number | undefined): value is number => value !== undefined && !Token.isUnresolved(value);

/**
 * Validates `options` against the gp3 limits and fills in the default size. Throws an error naming
 * the property, the value received, what is accepted and how to fix it. Tokens are accepted, and
 * ratio checks are skipped when either side is a token.
 */
export function resolveVolumeOptions(what: string, options: VolumeOptions | undefined, defaultSizeGiB: number): ResolvedVolumeOptions {
  const sizeGiB = options?.sizeGiB ?? defaultSizeGiB;
  const { iops, throughputMiBps } = options ?? {};

  if (known(sizeGiB) && (!Number.isInteger(sizeGiB) || sizeGiB < GP3.minSizeGiB || sizeGiB > GP3.maxSizeGiB)) {
    throw new Error(`${what}.sizeGiB must be a whole number of GiB from ${GP3.minSizeGiB} to ${GP3.maxSizeGiB} (the gp3 limits); ` +
      `got ${sizeGiB}. Choose a size within that range.`);
  }
  if (known(iops) && (!Number.isInteger(iops) || iops < GP3.minIops || iops > GP3.maxIops)) {
    throw new Error(`${what}.iops must be a whole number from ${GP3.minIops} to ${GP3.maxIops} (the gp3 limits); got ${iops}. ` +
      `Leave it unset for the ${GP3.minIops} IOPS baseline, or choose a value within that range.`);
  }
  if (known(iops) && known(sizeGiB) && iops > sizeGiB * GP3.maxIopsPerGiB) {
    throw new Error(`${what}.iops must be at most ${GP3.maxIopsPerGiB} per GiB of size; got ${iops} IOPS for ${sizeGiB} GiB ` +
      `(at most ${sizeGiB * GP3.maxIopsPerGiB}). Lower the IOPS or raise sizeGiB to at least ${Math.ceil(iops / GP3.maxIopsPerGiB)}.`);
  }
  if (known(throughputMiBps) && (!Number.isInteger(throughputMiBps) || throughputMiBps < GP3.minThroughput || throughputMiBps > GP3.maxThroughput)) {
    throw new Error(`${what}.throughputMiBps must be a whole number from ${GP3.minThroughput} to ${GP3.maxThroughput} MiB/s ` +
      `(the gp3 limits); got ${throughputMiBps}. Leave it unset for the ${GP3.minThroughput} MiB/s baseline, or choose a value within that range.`);
  }
  // Without provisioned IOPS the volume has the 3000 IOPS baseline, which allows 750 MiB/s.
  const effectiveIops = iops ?? GP3.minIops;
  if (known(throughputMiBps) && known(effectiveIops) && throughputMiBps > effectiveIops * GP3.maxThroughputPerIops) {
    throw new Error(`${what}.throughputMiBps must be at most ${GP3.maxThroughputPerIops} MiB/s per provisioned IOPS; got ` +
      `${throughputMiBps} MiB/s for ${effectiveIops} IOPS${iops === undefined ? ' (the baseline)' : ''} ` +
      `(at most ${effectiveIops * GP3.maxThroughputPerIops}). Lower the throughput or raise iops to at least ` +
      `${Math.ceil(throughputMiBps / GP3.maxThroughputPerIops)}.`);
  }
  return { sizeGiB, iops, throughputMiBps };
}
