import { Token } from 'aws-cdk-lib';

/**
 * Options for `PgBackRestConfig.render`: one stanza, one S3 repository.
 */
export interface PgBackRestConfigOptions {
  /** The stanza name (letters, digits, `-` and `_`). */
  readonly stanza: string;
  /** The repository bucket's name. */
  readonly bucketName: string;
  /** The bucket's Region. */
  readonly region: string;
  /**
   * The S3 endpoint.
   *
   * @default - `s3.<region>.amazonaws.com`, reached through the VPC's S3 gateway endpoint
   */
  readonly endpoint?: string;
  /** ARN or ID of the customer-managed key every object is stored under (`repo1-s3-kms-key-id`). */
  readonly kmsKeyId: string;
  /**
   * The repository's path inside the bucket.
   *
   * @default PgBackRestConfig.DEFAULT_REPO_PATH
   */
  readonly repoPath?: string;
  /** How many days full backups (and the WAL they need) are kept (`repo1-retention-full`, by time). */
  readonly retentionDays: number;
  /** The data directory. */
  readonly pgPath: string;
  /** The server's port. */
  readonly pgPort: number | string;
  /**
   * The directory of the server's Unix socket.
   *
   * @default '/run/postgresql'
   */
  readonly pgSocketPath?: string;
  /**
   * Parallel processes for backup, restore and asynchronous archiving.
   *
   * @default 2
   */
  readonly processMax?: number;
}

/**
 * pgBackRest's configuration as the host receives it, and the PostgreSQL settings that archive WAL
 * through it. One source for the construct, the rules' readers and the real-server test.
 *
 * What the rendered `pgbackrest.conf` holds, and what it deliberately does not:
 * - `repo1-type=s3` into the given bucket, every object stored with SSE-KMS under `repo1-s3-kms-key-id`,
 *   TLS verified (`repo1-storage-verify-tls=y`);
 * - client-side encryption, `repo1-cipher-type=aes-256-cbc`. The passphrase (`repo1-cipher-pass`) is never
 *   in this file: the host writes it at boot from Secrets Manager into `conf.d/` (root-owned, readable by
 *   the server's group only), as it writes the S3 credentials (`repo1-s3-key-type=shared`): short-lived
 *   credentials of a role that reaches only this repository, refreshed by root. The instance metadata
 *   service answers root only, so the `postgres` user, which runs `archive-push`, never holds the host
 *   role's credentials;
 * - asynchronous archiving with a spool directory, so a slow S3 call never holds up WAL recycling;
 * - retention by time, so the repository keeps what the bucket's object lock keeps.
 */
export class PgBackRestConfig {
  /** The directory of `pgbackrest.conf` and `conf.d/` (pgBackRest's `--config-path`). */
  public static readonly CONFIG_PATH = '/etc/timescale-pgbackrest';
  /** The rendered configuration file. */
  public static readonly CONFIG_FILE = `${PgBackRestConfig.CONFIG_PATH}/pgbackrest.conf`;
  /** The directory of the files written on the host (passphrase, S3 credentials), read after `pgbackrest.conf`. */
  public static readonly CONFIG_INCLUDE_PATH = `${PgBackRestConfig.CONFIG_PATH}/conf.d`;
  /** The file holding `repo1-cipher-pass`, written at boot from Secrets Manager. */
  public static readonly PASSPHRASE_FILE = `${PgBackRestConfig.CONFIG_INCLUDE_PATH}/10-cipher-pass.conf`;
  /** The file holding the repository role's short-lived S3 credentials, refreshed by root. */
  public static readonly CREDENTIALS_FILE = `${PgBackRestConfig.CONFIG_INCLUDE_PATH}/20-s3-credentials.conf`;
  /** Where WAL waits for the asynchronous archiver. */
  public static readonly SPOOL_PATH = '/var/spool/timescale-pgbackrest';
  /** pgBackRest's log directory. */
  public static readonly LOG_PATH = '/var/log/timescale-pgbackrest';
  /** The repository's path in the bucket. */
  public static readonly DEFAULT_REPO_PATH = '/pgbackrest';
  /** The line prefix of the passphrase file. */
  public static readonly CIPHER_PASS_PREFIX = 'repo1-cipher-pass=';

  /** The `pgbackrest.conf` the host receives. */
  public static render(options: PgBackRestConfigOptions): string {
    validateStanza(options.stanza);
    const repoPath = options.repoPath ?? PgBackRestConfig.DEFAULT_REPO_PATH;
    if (!Token.isUnresolved(repoPath) && !/^\/[A-Za-z0-9._/-]*$/.test(repoPath)) {
      throw new Error(`PgBackRestConfigOptions.repoPath must be an absolute path of letters, digits and . _ - /; got '${repoPath}'. For example '/pgbackrest'.`);
    }
    const days = options.retentionDays;
    if (!Token.isUnresolved(days) && (!Number.isInteger(days) || days < 1 || days > 9999999)) {
      throw new Error(`PgBackRestConfigOptions.retentionDays must be a whole number of days from 1; got ${options.retentionDays}.`);
    }
    const processMax = options.processMax ?? 2;
    if (!Number.isInteger(processMax) || processMax < 1 || processMax > 32) {
      throw new Error(`PgBackRestConfigOptions.processMax must be a whole number from 1 to 32; got ${processMax}.`);
    }
    return [
      '# Written by cdk-timescale-security. The passphrase and the S3 credentials are written on the host',
      `# into ${PgBackRestConfig.CONFIG_INCLUDE_PATH}, never here.`,
      '[global]',
      'repo1-type=s3',
      `repo1-path=${repoPath}`,
      `repo1-s3-bucket=${options.bucketName}`,
      `repo1-s3-region=${options.region}`,
      `repo1-s3-endpoint=${options.endpoint ?? `s3.${options.region}.amazonaws.com`}`,
      'repo1-s3-uri-style=host',
      'repo1-storage-verify-tls=y',
      'repo1-s3-key-type=shared',
      `repo1-s3-kms-key-id=${options.kmsKeyId}`,
      'repo1-cipher-type=aes-256-cbc',
      // Small files go into bundles: far fewer S3 requests per backup.
      'repo1-bundle=y',
      'repo1-retention-full-type=time',
      `repo1-retention-full=${options.retentionDays}`,
      'archive-async=y',
      `spool-path=${PgBackRestConfig.SPOOL_PATH}`,
      `process-max=${processMax}`,
      'compress-type=gz',
      'start-fast=y',
      'delta=y',
      'log-level-console=warn',
      'log-level-file=info',
      `log-path=${PgBackRestConfig.LOG_PATH}`,
      '',
      `[${options.stanza}]`,
      `pg1-path=${options.pgPath}`,
      `pg1-port=${options.pgPort}`,
      `pg1-socket-path=${options.pgSocketPath ?? '/run/postgresql'}`,
      '',
    ].join('\n');
  }

  /**
   * The PostgreSQL settings (a conf.d fragment) that archive every WAL segment through pgBackRest:
   * `archive_mode = on`, `archive_command` pushing to the stanza, and `archive_timeout`, the longest
   * a committed transaction waits before its segment is archived (the recovery point objective).
   */
  public static renderArchiveSettings(stanza: string, archiveTimeoutSeconds: number = 60): string {
    validateStanza(stanza);
    if (!Number.isInteger(archiveTimeoutSeconds) || archiveTimeoutSeconds < 10 || archiveTimeoutSeconds > 3600) {
      throw new Error(`archiveTimeoutSeconds must be a whole number of seconds from 10 to 3600; got ${archiveTimeoutSeconds}. ` +
        'It bounds how much committed data a lost host can take with it; 60 is a sound default.');
    }
    return [
      '# Written by cdk-timescale-security: every WAL segment is archived through pgBackRest (asynchronously).',
      'wal_level = replica',
      'archive_mode = on',
      `archive_command = '${PgBackRestConfig.command(stanza, 'archive-push %p')}'`,
      `archive_timeout = ${archiveTimeoutSeconds}`,
      '',
    ].join('\n');
  }

  /** A pgBackRest command line with this configuration path and stanza, for example `backup --type=full`. */
  public static command(stanza: string, args: string): string {
    validateStanza(stanza);
    return `pgbackrest --config-path=${PgBackRestConfig.CONFIG_PATH} --stanza=${stanza} ${args}`;
  }

  private constructor() {}
}

function validateStanza(stanza: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(stanza)) {
    throw new Error(`The pgBackRest stanza must be 1-63 letters, digits, _ and -, starting with a letter or digit; got '${stanza}'.`);
  }
}
