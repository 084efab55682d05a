import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, customerKey, param, plain } from '../helpers';

const ARCHIVE_PATH = '/etc/timescale/conf.d/60-archive.conf';
const CONF_PATH = '/etc/timescale-pgbackrest/pgbackrest.conf';
const ARCHIVE = "archive_mode = on\narchive_command = 'pgbackrest --stanza=db archive-push %p'\n";
const conf = (...global: string[]) => ['[global]', ...global, '[db]', 'pg1-path=/var/lib/timescale/data/pgdata', ''].join('\n');
const S3_REPO = ['repo1-type=s3', 'repo1-s3-bucket=backups-in-another-stack', 'repo1-s3-region=eu-west-1'];
const GOOD_CONF = conf(...S3_REPO, `repo1-s3-kms-key-id=${CMK_ARN}`, 'repo1-cipher-type=aes-256-cbc');
/** A second repository in the conf.d beside CONF_PATH: pgBackRest merges it into the same configuration. */
const REPO2_PATH = '/etc/timescale-pgbackrest/conf.d/30-repo2.conf';
const REPO2_PLAIN = '[global]\nrepo2-type=s3\nrepo2-s3-bucket=somewhere-else\nrepo2-s3-region=eu-west-1\n';
const REPO2_GOOD = `${REPO2_PLAIN}repo2-s3-kms-key-id=${CMK_ARN}\nrepo2-cipher-type=aes-256-cbc\n`;

/** An instance (a database host unless `tags` says otherwise) carrying files and commands in its Init metadata. */
function host(s: Stack, files: { [path: string]: unknown }, options: { tags?: unknown[]; commands?: { [key: string]: unknown } } = {}) {
  const instance = plain(s, 'AWS::EC2::Instance', {
    ImageId: 'ami-1',
    Tags: options.tags ?? [{ Key: 'timescale:service', Value: 'orders' }],
  }, 'Host');
  const rendered = Object.fromEntries(Object.entries(files).map(([p, content]) => [p, { content, owner: 'root', group: 'postgres', mode: '000640' }]));
  instance.addMetadata('AWS::CloudFormation::Init', {
    configSets: { default: ['config'] },
    config: { files: rendered, ...(options.commands ? { commands: options.commands } : {}) },
  });
  return instance;
}

/** A customer-managed-key bucket of the stack and the conf that names it and the key, through intrinsics (as PgBackRestBackups renders it). */
function repositoryInStack(s: Stack, encryption: s3.BucketEncryption = s3.BucketEncryption.KMS) {
  const key = customerKey(s);
  const bucket = new s3.Bucket(s, 'Repository', encryption === s3.BucketEncryption.KMS ? { encryption, encryptionKey: key } : { encryption });
  const content = Fn.join('', [
    '[global]\nrepo1-type=s3\nrepo1-s3-bucket=', bucket.bucketName, '\nrepo1-s3-kms-key-id=', key.keyArn,
    '\nrepo1-cipher-type=aes-256-cbc\n[db]\npg1-path=/data\n',
  ]);
  return { bucket, content };
}

export const BACKUP_CASES: RuleCase[] = [
  // A repository defined in conf.d is part of the configuration pgBackRest reads.
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'a second, unencrypted repository in the conf.d beside pgbackrest.conf',
    expect: NC,
    detail: /30-repo2\.conf: repo2 has no repo2-cipher-type/,
    build: (s) => host(s, { [ARCHIVE_PATH]: ARCHIVE, [CONF_PATH]: GOOD_CONF, [REPO2_PATH]: REPO2_PLAIN }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a second, unencrypted repository in conf.d',
    expect: NC,
    detail: /30-repo2\.conf: repo2 has no repo2-cipher-type/,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF, [REPO2_PATH]: REPO2_PLAIN }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a second, encrypted repository in conf.d',
    expect: C,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF, [REPO2_PATH]: REPO2_GOOD }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a repository in a conf.d whose pgbackrest.conf is not in the template',
    expect: UNV,
    detail: /repo2-cipher-type may be set in a pgbackrest\.conf that is not in the template/,
    build: (s) => host(s, { [REPO2_PATH]: REPO2_PLAIN }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'plain',
    title: 'a second S3 repository in conf.d without a KMS key',
    expect: NC,
    detail: /repo2 is on S3 without repo2-s3-kms-key-id/,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF, [REPO2_PATH]: `${REPO2_PLAIN}repo2-cipher-type=aes-256-cbc\n` }),
  },
  // DatabaseHostArchivesWal
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'a host archiving through pgbackrest into an encrypted repository',
    expect: C,
    build: (s) => host(s, { [ARCHIVE_PATH]: ARCHIVE, [CONF_PATH]: GOOD_CONF }),
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'l2',
    title: 'ec2.CloudFormationInit with archive settings but no pgbackrest.conf',
    expect: NC,
    detail: /no pgbackrest\.conf/,
    build: (s) => {
      const instance = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', tags: [{ key: 'timescale:service', value: 'orders' }] });
      const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      ec2.CloudFormationInit.fromElements(ec2.InitFile.fromString(ARCHIVE_PATH, ARCHIVE))
        .attach(instance, { platform: ec2.OperatingSystemType.LINUX, instanceRole: role, userData: ec2.UserData.forLinux() });
      return instance;
    },
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'a host without archive settings',
    expect: NC,
    detail: /sets archive_mode/,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF }),
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'archiving with cp, not pgBackRest',
    expect: NC,
    detail: /does not run pgbackrest archive-push/,
    build: (s) => host(s, { [ARCHIVE_PATH]: "archive_mode = on\narchive_command = 'cp %p /mnt/wal/%f'\n", [CONF_PATH]: GOOD_CONF }),
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'archiving into an unencrypted repository',
    expect: NC,
    detail: /no repo1-cipher-type/,
    build: (s) => host(s, { [ARCHIVE_PATH]: ARCHIVE, [CONF_PATH]: conf(...S3_REPO, `repo1-s3-kms-key-id=${CMK_ARN}`) }),
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'plain',
    title: 'an instance that is not a database host',
    expect: NA,
    build: (s) => host(s, {}, { tags: [{ Key: 'Name', Value: 'web' }] }),
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'override',
    title: 'an override switches archive_mode off',
    expect: NC,
    detail: /archive_mode = off/,
    build: (s) => {
      const h = host(s, { [ARCHIVE_PATH]: ARCHIVE, [CONF_PATH]: GOOD_CONF });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/conf\\.d/60-archive\\.conf.content',
        "archive_mode = off\narchive_command = 'pgbackrest --stanza=db archive-push %p'\n");
      return h;
    },
  },
  {
    rule: 'DatabaseHostArchivesWal',
    form: 'token',
    title: 'archive_mode from a parameter',
    expect: UNV,
    build: (s) => host(s, { [ARCHIVE_PATH]: Fn.join('', ['archive_mode = ', param(s), "\narchive_command = 'pgbackrest --stanza=db archive-push %p'\n"]), [CONF_PATH]: GOOD_CONF }),
  },

  // PgBackRestRepositoryEncrypted
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'an aes-256-cbc repository whose passphrase is written on the host',
    expect: C,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a repository without a cipher',
    expect: NC,
    detail: /no repo1-cipher-type/,
    build: (s) => host(s, { [CONF_PATH]: conf(...S3_REPO) }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a second repository with cipher-type none',
    expect: NC,
    detail: /repo2-cipher-type=none/,
    build: (s) => host(s, { [CONF_PATH]: conf('repo1-cipher-type=aes-256-cbc', 'repo2-path=/backup', 'repo2-cipher-type=none') }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'the passphrase written in pgbackrest.conf',
    expect: NC,
    detail: /sets repo1-cipher-pass/,
    build: (s) => host(s, { [CONF_PATH]: conf('repo1-cipher-type=aes-256-cbc', 'repo1-cipher-pass=correct-horse-battery-staple') }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'the passphrase exported by an Init command',
    expect: NC,
    detail: /Init command .* passphrase/,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF }, {
      commands: { '10-backup': { command: 'PGBACKREST_REPO1_CIPHER_PASS=hunter2 pgbackrest --stanza=db backup' } },
    }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'plain',
    title: 'a resource without pgBackRest',
    expect: NA,
    build: (s) => host(s, { [ARCHIVE_PATH]: ARCHIVE }),
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'override',
    title: 'an override drops the cipher',
    expect: NC,
    build: (s) => {
      const h = host(s, { [CONF_PATH]: GOOD_CONF });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale-pgbackrest/pgbackrest\\.conf.content', conf(...S3_REPO));
      return h;
    },
  },
  {
    rule: 'PgBackRestRepositoryEncrypted',
    form: 'token',
    title: 'the cipher type from a parameter',
    expect: UNV,
    build: (s) => host(s, { [CONF_PATH]: Fn.join('', ['[global]\nrepo1-cipher-type=', param(s), '\n']) }),
  },

  // PgBackRestRepositoryCustomerManagedKey
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'l2',
    title: 'the key and the bucket of the stack, both customer-managed',
    expect: C,
    build: (s) => host(s, { [CONF_PATH]: repositoryInStack(s).content }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'plain',
    title: 'an S3 repository without repo1-s3-kms-key-id',
    expect: NC,
    detail: /without repo1-s3-kms-key-id/,
    build: (s) => host(s, { [CONF_PATH]: conf(...S3_REPO, 'repo1-cipher-type=aes-256-cbc') }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'plain',
    title: 'the AWS-managed S3 key',
    expect: NC,
    detail: /AWS-managed/,
    build: (s) => host(s, { [CONF_PATH]: conf(...S3_REPO, 'repo1-s3-kms-key-id=alias/aws/s3', 'repo1-cipher-type=aes-256-cbc') }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'l2',
    title: 'a bucket of the stack under S3-managed keys',
    expect: NC,
    detail: /repository bucket .*SSEAlgorithm/,
    build: (s) => host(s, { [CONF_PATH]: repositoryInStack(s, s3.BucketEncryption.S3_MANAGED).content }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'plain',
    title: 'a bucket outside the stack',
    expect: UNV,
    build: (s) => host(s, { [CONF_PATH]: GOOD_CONF }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'plain',
    title: 'a posix repository (judged by the volume rules)',
    expect: NA,
    build: (s) => host(s, { [CONF_PATH]: conf('repo1-path=/backup', 'repo1-cipher-type=aes-256-cbc') }),
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'override',
    title: 'an override switches the repository bucket to SSE-S3',
    expect: NC,
    build: (s) => {
      const { bucket, content } = repositoryInStack(s);
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration',
        [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
      return host(s, { [CONF_PATH]: content });
    },
  },
  {
    rule: 'PgBackRestRepositoryCustomerManagedKey',
    form: 'token',
    title: 'the key from a parameter',
    expect: UNV,
    build: (s) => host(s, { [CONF_PATH]: Fn.join('', ['[global]\nrepo1-type=s3\nrepo1-s3-kms-key-id=', param(s), '\nrepo1-s3-bucket=x\n']) }),
  },
];
