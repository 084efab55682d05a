/**
 * Size and performance of one gp3 EBS volume of a `DatabaseHost`.
 *
 * Values are checked against the gp3 limits at synth time; unresolved tokens are accepted.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type
 */
export interface VolumeOptions {
  /**
   * Size of the volume in GiB, from 1 to 16384.
   *
   * @default - 20 GiB for the root and WAL volumes, 100 GiB for the data volume
   */
  readonly sizeGiB?: number;

  /**
   * Provisioned IOPS, from 3000 to 16000 and at most 500 per GiB of size.
   *
   * @default - 3000, the gp3 baseline included in the price
   */
  readonly iops?: number;

  /**
   * Provisioned throughput in MiB/s, from 125 to 1000 and at most 0.25 MiB/s per provisioned IOPS.
   *
   * @default - 125 MiB/s, the gp3 baseline included in the price
   */
  readonly throughputMiBps?: number;
}
