import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { C, NA, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

// The pg_hba shapes the rules judge.
const REJECTS = [
  'hostnossl all      all      0.0.0.0/0     reject',
  'hostnossl all      all      ::/0          reject',
  'hostssl   all      postgres 0.0.0.0/0     reject',
  'hostssl   all      postgres ::/0          reject',
];
const PER_CUSTOMER = 'hostssl   acme     +acme_login 10.20.0.0/16 scram-sha-256';
const LOCAL = 'local     all      postgres              peer';
const hba = (...lines: string[]) => lines.join('\n') + '\n';
const GOOD_HBA = hba(...REJECTS, PER_CUSTOMER, LOCAL);
const HBA = '/etc/timescale/pg_hba.conf';

interface FileSpec {
  readonly content: unknown;
  readonly owner?: unknown;
  readonly group?: unknown;
  readonly mode?: unknown;
}

/** An instance carrying files in AWS::CloudFormation::Init metadata. */
function hostWithInit(s: Stack, files: { [path: string]: string | FileSpec }, type = 'AWS::EC2::Instance') {
  const host = plain(s, type, type === 'AWS::EC2::Instance' ? { ImageId: 'ami-1' } : { LaunchTemplateData: { ImageId: 'ami-1' } }, 'Host');
  const rendered = Object.fromEntries(Object.entries(files).map(([p, f]) => [p, typeof f === 'string'
    ? { content: f, owner: 'root', group: 'postgres', mode: '000640' } : f]));
  host.addMetadata('AWS::CloudFormation::Init', { configSets: { default: ['config'] }, config: { files: rendered } });
  return host;
}

/** The typed L2 path: ec2.CloudFormationInit attached to an instance. */
function hostWithL2Init(s: Stack, files: { [path: string]: { content: string; options?: ec2.InitFileOptions } }) {
  const host = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' });
  const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  ec2.CloudFormationInit.fromElements(...Object.entries(files).map(([p, f]) => ec2.InitFile.fromString(p, f.content, f.options)))
    .attach(host, { platform: ec2.OperatingSystemType.LINUX, instanceRole: role, userData: ec2.UserData.forLinux() });
  return host;
}

const ROOT_640: ec2.InitFileOptions = { owner: 'root', group: 'postgres', mode: '000640' };

export const SERVER_CONFIG_CASES: RuleCase[] = [
  // PostgresSuperuserRejectedFromNetwork
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'superuser rejected over TLS from both families before the customer lines',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: GOOD_HBA }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'host ... reject and an address column of all cover TLS too',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: hba('host all postgres all reject', PER_CUSTOMER) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'l2',
    title: 'ec2.CloudFormationInit with only the hostnossl rejects',
    expect: NC,
    detail: /before a reject of the superuser postgres from 0\.0\.0\.0\/0 and ::\/0 over TLS/,
    build: (s) => hostWithL2Init(s, { [HBA]: { content: hba(REJECTS[0], REJECTS[1], PER_CUSTOMER, LOCAL), options: ROOT_640 } }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'a customer line ahead of the superuser rejects',
    expect: NC,
    detail: /line 1 .*comes before/,
    build: (s) => hostWithInit(s, { [HBA]: hba(PER_CUSTOMER, ...REJECTS) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'an IPv4 reject only',
    expect: NC,
    detail: /from ::\/0/,
    build: (s) => hostWithInit(s, { [HBA]: hba(REJECTS[2], PER_CUSTOMER) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'a replication line without a replication reject',
    expect: NC,
    detail: /\(replication\)/,
    build: (s) => hostWithInit(s, { [HBA]: hba(...REJECTS, 'hostssl replication +replicators 10.0.0.0/16 scram-sha-256') }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'no TCP lines and no superuser rejects',
    expect: NC,
    detail: /has no line rejecting TLS logins/,
    build: (s) => hostWithInit(s, { [HBA]: hba(LOCAL) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'the same pg_hba.conf on a launch template',
    expect: NC,
    build: (s) => hostWithInit(s, { [HBA]: hba(PER_CUSTOMER) }, 'AWS::EC2::LaunchTemplate'),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'a pg_hba.conf with an include cannot be judged',
    expect: UNV,
    detail: /pulls in another file/,
    build: (s) => hostWithInit(s, { [HBA]: hba('include /etc/extra.conf', ...REJECTS) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'hosts without a pg_hba.conf are not judged',
    expect: NA,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': 'ssl = on\n' }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'override',
    title: 'override puts an all-roles line first',
    expect: NC,
    build: (s) => {
      const h = hostWithInit(s, { [HBA]: GOOD_HBA });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/pg_hba\\.conf.content', hba('hostssl all all 10.0.0.0/8 scram-sha-256', ...REJECTS));
      return h;
    },
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'token',
    title: 'customer network from a parameter is fine',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: Fn.join('', [hba(...REJECTS), 'hostssl acme acme_admin ', param(s), ' scram-sha-256\n']) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'token',
    title: 'a reject whose user comes from a parameter',
    expect: UNV,
    build: (s) => hostWithInit(s, { [HBA]: Fn.join('', ['hostssl all ', param(s), ' 0.0.0.0/0 reject\nhostssl all ', param(s, 'P2'), ' ::/0 reject\n', PER_CUSTOMER, '\n']) }),
  },

  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'rejects for all roles cover the superuser',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: hba('hostssl all all 0.0.0.0/0 reject', 'hostssl all all ::/0 reject', 'local all postgres peer') }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'rejects for one database only do not cover the others',
    expect: NC,
    build: (s) => hostWithInit(s, { [HBA]: hba('hostssl postgres postgres 0.0.0.0/0 reject', 'hostssl postgres postgres ::/0 reject', PER_CUSTOMER) }),
  },
  {
    rule: 'PostgresSuperuserRejectedFromNetwork',
    form: 'plain',
    title: 'TLS rejects do not cover a GSSAPI-encrypted line',
    expect: NC,
    detail: /over hostgssenc/,
    build: (s) => hostWithInit(s, { [HBA]: hba(REJECTS[2], REJECTS[3], 'hostgssenc all all 10.0.0.0/8 gss') }),
  },

  // PostgresNetworkAccessPerCustomer
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'plain',
    title: 'each customer line names its database and roles',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: hba(...REJECTS, PER_CUSTOMER, 'hostssl globex all 10.30.0.0/16 scram-sha-256', LOCAL) }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'l2',
    title: 'ec2.CloudFormationInit with an all all network line',
    expect: NC,
    detail: /admits every database as every role from 10\.20\.0\.0\/16/,
    build: (s) => hostWithL2Init(s, { [HBA]: { content: hba(...REJECTS, 'hostssl all all 10.20.0.0/16 scram-sha-256'), options: ROOT_640 } }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'plain',
    title: 'all all rejects are fine',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: hba(...REJECTS, 'hostssl all all 0.0.0.0/0 reject') }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'plain',
    title: 'an all all host line',
    expect: NC,
    build: (s) => hostWithInit(s, { [HBA]: hba('host all,acme all 10.0.0.0/8 scram-sha-256') }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'plain',
    title: 'no pg_hba.conf',
    expect: NA,
    build: (s) => hostWithInit(s, { '/etc/timescale/postgresql.conf': "listen_addresses = '*'\n" }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'override',
    title: 'override widens a customer line to all all',
    expect: NC,
    build: (s) => {
      const h = hostWithInit(s, { [HBA]: GOOD_HBA });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/pg_hba\\.conf.content', hba(...REJECTS, 'hostssl all all 10.20.0.0/16 scram-sha-256'));
      return h;
    },
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'token',
    title: 'database from a parameter with every role',
    expect: UNV,
    build: (s) => hostWithInit(s, { [HBA]: Fn.join('', ['hostssl ', param(s), ' all 10.20.0.0/16 scram-sha-256\n']) }),
  },
  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'token',
    title: 'customer CIDR from a parameter',
    expect: C,
    build: (s) => hostWithInit(s, { [HBA]: Fn.join('', ['hostssl acme +acme_login ', param(s), ' scram-sha-256\n']) }),
  },

  {
    rule: 'PostgresNetworkAccessPerCustomer',
    form: 'plain',
    title: 'sameuser with every role names no database',
    expect: NC,
    build: (s) => hostWithInit(s, { [HBA]: hba(...REJECTS, 'hostssl sameuser all 10.20.0.0/16 scram-sha-256') }),
  },

  // PostgresConfigNotWritableByServer
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'l2',
    title: 'root:postgres 000640 through ec2.CloudFormationInit',
    expect: C,
    build: (s) => hostWithL2Init(s, {
      [HBA]: { content: GOOD_HBA, options: ROOT_640 },
      '/etc/timescale/postgresql.conf': { content: 'ssl = on\n', options: ROOT_640 },
      '/etc/timescale/conf.d/tls.conf': { content: 'ssl = on\n', options: ROOT_640 },
    }),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'l2',
    title: 'pg_hba.conf owned by postgres',
    expect: NC,
    detail: /pg_hba\.conf is owned by postgres/,
    build: (s) => hostWithL2Init(s, { [HBA]: { content: GOOD_HBA, options: { owner: 'postgres', group: 'postgres', mode: '000600' } } }),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'plain',
    title: 'cfn-init defaults (root, 000644)',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/postgresql/16/main/postgresql.conf': { content: 'ssl = on\n' } }),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'plain',
    title: 'group-writable conf.d fragment',
    expect: NC,
    detail: /mode 000660, writable by its group/,
    build: (s) => hostWithInit(s, { '/etc/postgresql/16/main/conf.d/tuning.conf': { content: 'max_connections = 10\n', owner: 'root', group: 'postgres', mode: '000660' } }),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'plain',
    title: 'postgresql.auto.conf owned by a numeric uid on a launch template',
    expect: NC,
    build: (s) => hostWithInit(s, { '/var/lib/postgresql/16/main/postgresql.auto.conf': { content: '', owner: '999', mode: '000600' } }, 'AWS::EC2::LaunchTemplate'),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'plain',
    title: 'other files are not judged',
    expect: NA,
    build: (s) => hostWithInit(s, { '/etc/cfn/cfn-hup.conf': { content: '[main]\n', owner: 'ec2-user', mode: '000666' } }),
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'override',
    title: 'override hands pg_hba.conf to postgres',
    expect: NC,
    build: (s) => {
      const h = hostWithInit(s, { [HBA]: GOOD_HBA });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/pg_hba\\.conf.owner', 'postgres');
      return h;
    },
  },
  {
    rule: 'PostgresConfigNotWritableByServer',
    form: 'token',
    title: 'owner from a parameter',
    expect: UNV,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_ident.conf': { content: '', owner: param(s), mode: '000640' } }),
  },
];
