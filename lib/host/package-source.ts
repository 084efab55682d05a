import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { INSTALL_S3_RPMS, INSTALL_S3_RPMS_SCRIPT } from './private/bootstrap';

/**
 * Where a `DatabaseHost` gets PostgreSQL and TimescaleDB from. None of the sources uses the open
 * internet: the hosts run in subnets without an internet route.
 */
export abstract class PackageSource {
  /**
   * The machine image already has PostgreSQL and TimescaleDB installed (an AMI you build, for
   * example with EC2 Image Builder). Nothing is installed at boot.
   *
   * The image must provide the `postgres` and `initdb` binaries of the configured PostgreSQL version
   * in `/usr/pgsql-<version>/bin` or `/usr/bin`, the `postgres` OS user and the TimescaleDB library,
   * and, for log shipping, the Amazon CloudWatch agent (otherwise it is installed from Amazon
   * Linux's repositories).
   */
  public static preinstalled(): PackageSource {
    return new PreinstalledSource();
  }

  /**
   * dnf installs the packages from Amazon Linux's own repositories, which are served from Amazon S3
   * and so reachable through an S3 gateway endpoint without internet access.
   *
   * Amazon Linux 2023 packages PostgreSQL as `postgresql<version>-server`. If the repositories your
   * hosts use do not carry the TimescaleDB package, use `PackageSource.s3Bucket()` with the
   * TimescaleDB RPMs, or `PackageSource.preinstalled()`.
   *
   * @param packages the dnf package names to install; `{version}` is replaced by the PostgreSQL major
   * version. Default: `postgresql{version}-server`, `postgresql{version}-contrib`,
   * `timescaledb-2-postgresql-{version}`.
   */
  public static amazonLinuxRepositories(packages?: string[]): PackageSource {
    return new AmazonLinuxRepositoriesSource(packages ?? [
      'postgresql{version}-server',
      'postgresql{version}-contrib',
      'timescaledb-2-postgresql-{version}',
    ]);
  }

  /**
   * RPMs you put in an S3 bucket (for example TimescaleDB's packages, mirrored from its repository).
   * Every `.rpm` under the prefix is downloaded through the S3 gateway endpoint and installed with
   * dnf, which takes their dependencies (such as the PostgreSQL server) from Amazon Linux's
   * repositories. The host's role may read objects under the prefix only.
   *
   * @param bucket the bucket holding the RPMs
   * @param prefix the key prefix of the RPMs, for example `rpms/timescaledb/`. Default: the whole bucket.
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
