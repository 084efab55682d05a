import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { INSTALL_S3_RPMS, INSTALL_S3_RPMS_SCRIPT } from './private/bootstrap';

/**
 * Where a `DatabaseHost` gets PostgreSQL and TimescaleDB from. None of the sources uses the open
 * internet: the hosts run in subnets without an internet route.
 *
 * Whatever the source, the host needs, for the configured PostgreSQL major version: the PostgreSQL
 * server and its contrib modules, TimescaleDB, and pgaudit; and pgBackRest, which archives the WAL and
 * takes the backups (`archive_command` fails without it, and WAL then piles up on the WAL volume). The server configuration preloads both
 * `timescaledb` and `pgaudit` (`shared_preload_libraries`), and PostgreSQL refuses to start when a
 * preloaded library is missing: the host then never signals CloudFormation, and the stack rolls back.
 *
 * The packages must match the hosts' operating system and architecture:
 * - The hosts run Amazon Linux 2023. It is not a Red Hat Enterprise Linux 9 rebuild (it is built from
 *   Fedora sources, with its own package set and versions), so RPMs built for EL9, such as those of the
 *   PostgreSQL Global Development Group (PGDG) and Timescale, are not guaranteed to install: dnf must
 *   find every dependency they declare among the packages you provide or in Amazon Linux's own
 *   repositories, and any it cannot find fails the install. Install your set on an Amazon Linux 2023
 *   instance of the same architecture before deploying it.
 * - The default instance type, m7g (AWS Graviton), is arm64: the RPMs must be built for `aarch64` (or be
 *   `noarch`). An x86_64 instance type (m7i, for example) needs `x86_64` RPMs.
 * - Take the server, contrib, TimescaleDB and pgaudit from one family of repositories (for example PGDG's
 *   EL9 server with Timescale's EL9 TimescaleDB and PGDG's pgaudit), so that the extensions are built for,
 *   and installed into, the server the host runs. The host looks for the server in
 *   `/usr/pgsql-<version>/bin` (PGDG's layout), then in `/usr/bin` (Amazon Linux's).
 *
 * @see https://docs.aws.amazon.com/linux/al2023/ug/compare-with-al2.html
 */
export abstract class PackageSource {
  /**
   * The RPMs a bucket for `s3Bucket()` must hold (one of each, for the hosts' architecture), with
   * `{version}` for the PostgreSQL major version: PGDG's server, contrib and pgaudit packages, and
   * Timescale's TimescaleDB packages, and PGDG's pgBackRest (2.45 or later; not 2.55.0, which sends no
   * Content-MD5, and S3 refuses uploads without one to a bucket with Object Lock). Their other
   * dependencies come from Amazon Linux's repositories.
   */
  public static readonly MIRROR_PACKAGES: string[] = [
    'postgresql{version}',
    'postgresql{version}-libs',
    'postgresql{version}-server',
    'postgresql{version}-contrib',
    'timescaledb-2-postgresql-{version}',
    'timescaledb-2-loader-postgresql-{version}',
    'timescaledb-tools',
    'pgaudit_{version}',
    'pgbackrest',
  ];

  /**
   * The machine image already has PostgreSQL and TimescaleDB installed (an AMI you build, for
   * example with EC2 Image Builder). Nothing is installed at boot.
   *
   * The image must provide the `postgres` and `initdb` binaries of the configured PostgreSQL version
   * in `/usr/pgsql-<version>/bin` or `/usr/bin`, the `postgres` OS user, the TimescaleDB and pgaudit
   * libraries, `pgbackrest` on the `PATH`, and, for log shipping, the Amazon CloudWatch agent (otherwise it is installed from Amazon
   * Linux's repositories).
   */
  public static preinstalled(): PackageSource {
    return new PreinstalledSource();
  }

  /**
   * dnf installs the packages from the repositories configured on the hosts: Amazon Linux's own, which
   * are served from Amazon S3 and so reachable through an S3 gateway endpoint without internet access,
   * and any you add to the image.
   *
   * Amazon Linux 2023 packages PostgreSQL as `postgresql<version>-server`, but carries neither TimescaleDB
   * nor pgaudit: add repositories that do (on Amazon S3 or behind a VPC endpoint), or use
   * `PackageSource.s3Bucket()` with the RPMs, or `PackageSource.preinstalled()`. The packages must
   * install the server, its contrib modules, TimescaleDB and pgaudit (the server preloads it and does
   * not start without it).
   *
   * @param packages the dnf package names to install; `{version}` is replaced by the PostgreSQL major
   * version. Default: `postgresql{version}-server`, `postgresql{version}-contrib`,
   * `timescaledb-2-postgresql-{version}`, `pgaudit_{version}` (PGDG's name) and `pgbackrest`.
   */
  public static amazonLinuxRepositories(packages?: string[]): PackageSource {
    return new AmazonLinuxRepositoriesSource(packages ?? [
      'postgresql{version}-server',
      'postgresql{version}-contrib',
      'timescaledb-2-postgresql-{version}',
      'pgaudit_{version}',
      'pgbackrest',
    ]);
  }

  /**
   * RPMs you put in an S3 bucket (a mirror of PGDG's and Timescale's packages, for example). Every
   * `.rpm` under the prefix is downloaded through the S3 gateway endpoint and installed with dnf, which
   * takes their other dependencies from Amazon Linux's repositories. The host's role may read objects
   * under the prefix only.
   *
   * The prefix must hold, for the configured PostgreSQL major version and the hosts' architecture
   * (`aarch64` for the default m7g), the RPMs of `PackageSource.MIRROR_PACKAGES`: with PostgreSQL 16,
   * `postgresql16`, `postgresql16-libs`, `postgresql16-server`, `postgresql16-contrib`,
   * `timescaledb-2-postgresql-16`, `timescaledb-2-loader-postgresql-16`, `timescaledb-tools`,
   * `pgaudit_16` and `pgbackrest`. Without pgaudit the server does not start; without pgBackRest no
   * WAL is archived. Keep nothing else under the prefix: every
   * RPM there is installed.
   *
   * The bucket must be in the service's own account: the S3 gateway endpoint lets the VPC reach no
   * other account's bucket.
   *
   * @param bucket the bucket holding the RPMs
   * @param prefix the key prefix of the RPMs, for example `rpms/al2023-aarch64/pg16/`. Default: the whole bucket.
   */
  public static s3Bucket(bucket: s3.IBucket, prefix?: string): PackageSource {
    return new S3BucketSource(bucket, prefix ?? '');
  }

  /**
   * Init elements that install the packages, and any grants the role needs for them.
   *
   * @internal
   */
  public abstract _bind(role: iam.IRole, postgresVersion: string): ec2.InitElement[];
}

class PreinstalledSource extends PackageSource {
  public _bind(): ec2.InitElement[] {
    return [];
  }
}

class AmazonLinuxRepositoriesSource extends PackageSource {
  constructor(private readonly packages: string[]) {
    super();
    if (packages.length === 0) {
      throw new Error('PackageSource.amazonLinuxRepositories() needs at least one package name; got an empty list. ' +
        'Pass the dnf package names, or omit the argument for PostgreSQL and TimescaleDB.');
    }
    for (const name of packages) {
      if (!/^[A-Za-z0-9_.+{}-]+$/.test(name)) {
        throw new Error(`PackageSource.amazonLinuxRepositories() package names may contain letters, digits and . _ + - only; got '${name}'.`);
      }
    }
  }

  public _bind(_role: iam.IRole, postgresVersion: string): ec2.InitElement[] {
    const names = this.packages.map((name) => name.split('{version}').join(postgresVersion));
    return [
      ec2.InitCommand.shellCommand(`dnf install -y --setopt=install_weak_deps=False ${names.join(' ')}`, {
        key: '10-install-packages',
        // Skip when everything is installed: re-runs must not upgrade the server under a running cluster.
        testCmd: `! rpm -q ${names.join(' ')} >/dev/null`,
      }),
    ];
  }
}

const MARKER = '/var/lib/timescale-host/s3-rpms-installed';

class S3BucketSource extends PackageSource {
  constructor(private readonly bucket: s3.IBucket, private readonly prefix: string) {
    super();
  }

  public _bind(role: iam.IRole): ec2.InitElement[] {
    // Explicit actions rather than grantRead's s3:GetObject*/s3:List*: read the prefix, nothing else.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(`${this.prefix}*`)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } },
    }));
    this.bucket.encryptionKey?.grantDecrypt(role);
    return [
      ec2.InitFile.fromString(INSTALL_S3_RPMS, INSTALL_S3_RPMS_SCRIPT, { mode: '000700', owner: 'root', group: 'root' }),
      ec2.InitCommand.shellCommand(`${INSTALL_S3_RPMS} 's3://${this.bucket.bucketName}/${this.prefix}'`, {
        key: '10-install-s3-rpms',
        // Installed once; later package updates come from patching.
        testCmd: `! test -f ${MARKER}`,
      }),
      ec2.InitCommand.shellCommand(`mkdir -p $(dirname ${MARKER}) && touch ${MARKER}`, { key: '11-mark-s3-rpms-installed' }),
    ];
  }
}
