import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { C, NA, NC, RuleCase, UNV } from './types';
import { PgHba, TlsSettings } from '../../../lib/postgres';
import { param, plain } from '../helpers';

// PostgreSQL configuration read with the shared parser (lib/postgres): pg_hba order and methods,
// includes, later conf.d fragments, cipher strings and boot SQL.
const HBA = '/etc/timescale/pg_hba.conf';
const CONF_D = '/etc/timescale/conf.d';
const TLS = `${CONF_D}/50-tls.conf`;
const SQL = '/etc/timescale/sql/10-customers.sql';
const RENDERED_HBA = PgHba.render({ allowedNetworks: ['10.20.0.0/16'] });
const RENDERED_TLS = TlsSettings.render({ certFile: '/etc/timescale/tls/server.crt', keyFile: '/etc/timescale/tls/server.key' });
const REJECTS = ['hostnossl all all 0.0.0.0/0 reject', 'hostnossl all all ::/0 reject'];
const CUSTOMER = 'hostssl acme +acme_login 10.20.0.0/16 scram-sha-256';
const hba = (...lines: string[]) => lines.join('\n') + '\n';
const BASE_CONF = `listen_addresses = '*'\ninclude_dir '${CONF_D}'\n`;
const GOOD_SQL = 'CREATE ROLE acme_admin LOGIN NOSUPERUSER NOCREATEROLE;\nGRANT CONNECT ON DATABASE acme TO acme_admin;\n';

/** An instance with files (root:postgres 000640) and optional commands in AWS::CloudFormation::Init. */
function host(s: Stack, files: { [path: string]: unknown }, commands?: { [key: string]: unknown }) {
  const h = plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1' }, 'Host');
  const rendered = Object.fromEntries(Object.entries(files).map(([p, content]) => [p, { content, owner: 'root', group: 'postgres', mode: '000640' }]));
  h.addMetadata('AWS::CloudFormation::Init', { configSets: { default: ['config'] }, config: { files: rendered, ...(commands ? { commands } : {}) } });
  return h;
}

/** The typed path: ec2.CloudFormationInit on an L1 instance. */
function l2Host(s: Stack, files: { [path: string]: string }) {
  const h = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' });
  const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  ec2.CloudFormationInit.fromElements(...Object.entries(files).map(([p, c]) => ec2.InitFile.fromString(p, c, { owner: 'root', group: 'postgres', mode: '000640' })))
    .attach(h, { platform: ec2.OperatingSystemType.LINUX, instanceRole: role, userData: ec2.UserData.forLinux() });
  return h;
}

const override = (path: string) => `Metadata.AWS::CloudFormation::Init.config.files.${path.replace(/\./g, '\\.')}.content`;

export const POSTGRES_CONFIG_CASES: RuleCase[] = [
  // PostgresRefusesPlaintext: hostnogssenc, methods, quoting, later fragments
  { rule: 'PostgresRefusesPlaintext', form: 'l2', title: 'the rendered pg_hba.conf and TLS settings', expect: C, build: (s) => l2Host(s, { [HBA]: RENDERED_HBA, [TLS]: RENDERED_TLS }) },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'a hostnogssenc line admits plaintext',
    expect: NC,
    detail: /hostnogssenc .* admits connections without TLS/,
    build: (s) => host(s, { [HBA]: hba(...REJECTS, 'hostnogssenc all all 10.0.0.0/8 scram-sha-256'), [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'ident on a TLS network line',
    expect: NC,
    detail: /uses ident authentication on a network line/,
    build: (s) => host(s, { [HBA]: hba(...REJECTS, 'hostssl all all 10.0.0.0/8 ident'), [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'password on a TLS network line',
    expect: NC,
    detail: /uses password authentication/,
    build: (s) => host(s, { [HBA]: hba(...REJECTS, 'hostssl all all 10.0.0.0/8 password'), [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'local all all trust',
    expect: NC,
    detail: /uses trust: any OS user/,
    build: (s) => host(s, { [HBA]: hba(...REJECTS, CUSTOMER, 'local all all trust'), [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'local peer and a quoted "#" are fine',
    expect: C,
    build: (s) => host(s, { [HBA]: hba(...REJECTS, 'hostssl acme "#acme" 10.20.0.0/16 scram-sha-256 # host all all 0.0.0.0/0 trust', 'local all postgres peer'), [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'a later conf.d fragment sets ssl = off',
    expect: NC,
    detail: /90-tuning\.conf line 2: ssl = off/,
    build: (s) => host(s, { [HBA]: RENDERED_HBA, [TLS]: RENDERED_TLS, [`${CONF_D}/90-tuning.conf`]: "work_mem = 4MB\nssl = 'off'   # for the benchmark\n" }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'a "#" inside a quoted value is not a comment',
    expect: C,
    build: (s) => host(s, { [HBA]: RENDERED_HBA, [TLS]: `${RENDERED_TLS}log_line_prefix = '%m # ssl = off'\n` }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'a fragment PostgreSQL would refuse cannot be judged',
    expect: UNV,
    detail: /not a value PostgreSQL reads unquoted/,
    build: (s) => host(s, { [HBA]: RENDERED_HBA, [TLS]: RENDERED_TLS, [`${CONF_D}/90-tuning.conf`]: 'data_directory = /var/lib/pg\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'override',
    title: 'override appends a hostnogssenc line',
    expect: NC,
    build: (s) => {
      const h = host(s, { [HBA]: RENDERED_HBA, [TLS]: RENDERED_TLS });
      h.addOverride(override(HBA), `${RENDERED_HBA}hostnogssenc all all 10.0.0.0/8 scram-sha-256\n`);
      return h;
    },
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'token',
    title: 'ssl from a parameter',
    expect: UNV,
    detail: /ssl is only known at deploy time|may set ssl/,
    build: (s) => host(s, { [HBA]: RENDERED_HBA, [TLS]: Fn.join('', ['ssl = ', param(s), '\n']) }),
  },

  // PostgresPlaintextRejectedFirst
  { rule: 'PostgresPlaintextRejectedFirst', form: 'l2', title: 'the rendered pg_hba.conf rejects plaintext first', expect: C, build: (s) => l2Host(s, { [HBA]: RENDERED_HBA }) },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'plain',
    title: 'a hostssl line ahead of the hostnossl rejects',
    expect: NC,
    detail: /line 1 .* admits logins before "hostnossl all all 0\.0\.0\.0\/0 reject"/,
    build: (s) => host(s, { [HBA]: hba(CUSTOMER, ...REJECTS) }),
  },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'plain',
    title: 'only an IPv4 reject before the customer line',
    expect: NC,
    detail: /::\/0 reject/,
    build: (s) => host(s, { [HBA]: hba(REJECTS[0], CUSTOMER, REJECTS[1]) }),
  },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'plain',
    title: 'a quoted "all" reject is for a database named all',
    expect: NC,
    build: (s) => host(s, { [HBA]: hba('hostnossl "all" all 0.0.0.0/0 reject', 'hostnossl "all" all ::/0 reject', CUSTOMER) }),
  },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'plain',
    title: 'host ... all reject covers both families',
    expect: C,
    build: (s) => host(s, { [HBA]: hba('host all all all reject', CUSTOMER, 'local all postgres peer') }),
  },
  { rule: 'PostgresPlaintextRejectedFirst', form: 'plain', title: 'no pg_hba.conf', expect: NA, build: (s) => host(s, { [TLS]: RENDERED_TLS }) },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'override',
    title: 'override moves a customer line first',
    expect: NC,
    build: (s) => {
      const h = host(s, { [HBA]: RENDERED_HBA });
      h.addOverride(override(HBA), `${CUSTOMER}\n${RENDERED_HBA}`);
      return h;
    },
  },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'token',
    title: 'customer network from a parameter after the rejects',
    expect: C,
    build: (s) => host(s, { [HBA]: Fn.join('', [hba(...REJECTS), 'hostssl acme +acme_login ', param(s), ' scram-sha-256\n']) }),
  },
  {
    rule: 'PostgresPlaintextRejectedFirst',
    form: 'token',
    title: 'a reject whose address comes from a parameter',
    expect: UNV,
    build: (s) => host(s, { [HBA]: Fn.join('', ['hostnossl all all ', param(s), ' reject\n', CUSTOMER, '\n']) }),
  },

  // PostgresConfigIncludesInTemplate
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'l2',
    title: 'include_dir of the conf.d the template writes',
    expect: C,
    build: (s) => l2Host(s, { '/etc/timescale/postgresql.conf': BASE_CONF, [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'plain',
    title: 'include of a file the template does not deliver',
    expect: NC,
    detail: /include '\/etc\/postgresql\/extra\.conf'\) reads/,
    build: (s) => host(s, { '/etc/timescale/postgresql.conf': `${BASE_CONF}include '/etc/postgresql/extra.conf'\n`, [TLS]: RENDERED_TLS }),
  },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'plain',
    title: 'include_if_exists in a conf.d fragment, relative to it',
    expect: NC,
    detail: /reads \/etc\/timescale\/conf\.d\/local\.conf/,
    build: (s) => host(s, { [TLS]: `${RENDERED_TLS}include_if_exists = 'local.conf'\n` }),
  },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'plain',
    title: 'include_dir of a directory the template leaves empty',
    expect: NC,
    build: (s) => host(s, { '/etc/timescale/postgresql.conf': "include_dir 'other.d'\n" }),
  },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'plain',
    title: 'an include of a delivered file, relative',
    expect: C,
    build: (s) => host(s, { '/etc/timescale/postgresql.conf': "include 'conf.d/50-tls.conf'\n", [TLS]: RENDERED_TLS }),
  },
  { rule: 'PostgresConfigIncludesInTemplate', form: 'plain', title: 'no includes', expect: NA, build: (s) => host(s, { [TLS]: RENDERED_TLS }) },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'override',
    title: 'override adds an include',
    expect: NC,
    build: (s) => {
      const h = host(s, { '/etc/timescale/postgresql.conf': BASE_CONF, [TLS]: RENDERED_TLS });
      h.addOverride(override(TLS), `${RENDERED_TLS}include '/tmp/weaker.conf'\n`);
      return h;
    },
  },
  {
    rule: 'PostgresConfigIncludesInTemplate',
    form: 'token',
    title: 'an include of a path from a parameter',
    expect: UNV,
    build: (s) => host(s, { '/etc/timescale/postgresql.conf': Fn.join('', ["include '", param(s), "'\n"]) }),
  },

  // PostgresTlsMinimumVersion: later fragments and boot SQL
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'a later fragment lowers the minimum',
    expect: NC,
    detail: /90-compat\.conf line 1: ssl_min_protocol_version = TLSv1$/,
    build: (s) => host(s, { [TLS]: RENDERED_TLS, [`${CONF_D}/90-compat.conf`]: 'ssl_min_protocol_version TLSv1\n' }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'ALTER SYSTEM in a boot SQL file',
    expect: NC,
    build: (s) => host(s, { [TLS]: RENDERED_TLS, [SQL]: "ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.1';\n" }),
  },

  // PostgresTlsCiphers
  { rule: 'PostgresTlsCiphers', form: 'l2', title: 'the rendered default cipher list', expect: C, build: (s) => l2Host(s, { [TLS]: RENDERED_TLS }) },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'ALL',
    expect: NC,
    detail: /ssl_ciphers = 'ALL' enables \d+ weak suite/,
    build: (s) => host(s, { [TLS]: "ssl = on\nssl_ciphers = 'ALL'\n" }),
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'HIGH:!aNULL still has static-RSA suites',
    expect: NC,
    detail: /static RSA key exchange/,
    build: (s) => host(s, { [TLS]: "ssl = on\nssl_ciphers = 'HIGH:!aNULL'\n" }),
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'a later fragment adds anonymous suites',
    expect: NC,
    detail: /anonymous/,
    build: (s) => host(s, { [TLS]: RENDERED_TLS, [`${CONF_D}/90-compat.conf`]: "ssl_ciphers = 'ECDHE+AESGCM:ADH'\n" }),
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'exclusions make a broad list safe',
    expect: C,
    build: (s) => host(s, { [TLS]: "ssl = on\nssl_ciphers = 'HIGH:!aNULL:!kRSA:!PSK:!SRP'\n" }),
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'ALTER SYSTEM SET ssl_ciphers in user data',
    expect: NC,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', userData: Fn.base64("#!/bin/bash\npsql -c \"ALTER SYSTEM SET ssl_ciphers = 'RC4-SHA:DES-CBC3-SHA'\"\n") }),
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'plain',
    title: 'no file sets ssl_ciphers, so the server default applies',
    expect: NC,
    detail: /no conf file .* sets ssl_ciphers, so PostgreSQL's default applies: ssl_ciphers = 'HIGH:MEDIUM:\+3DES:!aNULL' enables .*static RSA/,
    build: (s) => host(s, { [TLS]: "ssl = on\nssl_min_protocol_version = 'TLSv1.2'\n" }),
  },
  { rule: 'PostgresTlsCiphers', form: 'plain', title: 'no PostgreSQL configuration', expect: NA, build: (s) => host(s, { '/etc/cfn/cfn-hup.conf': '[main]\n' }) },
  {
    rule: 'PostgresTlsCiphers',
    form: 'override',
    title: 'override widens the cipher list',
    expect: NC,
    build: (s) => {
      const h = host(s, { [TLS]: RENDERED_TLS });
      h.addOverride(override(TLS), "ssl = on\nssl_ciphers = 'DEFAULT'\n");
      return h;
    },
  },
  {
    rule: 'PostgresTlsCiphers',
    form: 'token',
    title: 'cipher list from a parameter',
    expect: UNV,
    build: (s) => host(s, { [TLS]: Fn.join('', ["ssl = on\nssl_ciphers = '", param(s), "'\n"]) }),
  },

  // PostgresBootSqlKeepsTlsSettings
  { rule: 'PostgresBootSqlKeepsTlsSettings', form: 'l2', title: 'boot SQL that creates roles', expect: C, build: (s) => l2Host(s, { [SQL]: GOOD_SQL }) },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'plain',
    title: 'ALTER SYSTEM SET ssl = off',
    expect: NC,
    detail: /ALTER SYSTEM SET ssl = off overrides/,
    build: (s) => host(s, { [SQL]: `${GOOD_SQL}ALTER SYSTEM SET ssl = off;\n` }),
  },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'plain',
    title: 'ALTER SYSTEM with a quoted name, even to a strong value',
    expect: NC,
    build: (s) => host(s, { [SQL]: "ALTER SYSTEM SET \"ssl_min_protocol_version\" TO 'TLSv1.3';\n" }),
  },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'plain',
    title: 'ALTER SYSTEM in a comment or on other settings',
    expect: C,
    build: (s) => host(s, { [SQL]: "-- ALTER SYSTEM SET ssl = off;\n/* ALTER SYSTEM SET ssl = off; */\nALTER SYSTEM SET work_mem = '8MB';\n" }),
  },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'plain',
    title: 'ALTER SYSTEM in an Init command',
    expect: NC,
    build: (s) => host(s, {}, { '10-tls': { command: "psql -c \"ALTER SYSTEM SET ssl_ciphers = 'ALL'\"" } }),
  },
  { rule: 'PostgresBootSqlKeepsTlsSettings', form: 'plain', title: 'no boot SQL', expect: NA, build: (s) => host(s, { [TLS]: RENDERED_TLS }) },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'override',
    title: 'override appends an ALTER SYSTEM',
    expect: NC,
    build: (s) => {
      const h = host(s, { [SQL]: GOOD_SQL });
      h.addOverride(override(SQL), `${GOOD_SQL}ALTER SYSTEM RESET ssl_min_protocol_version;\n`);
      return h;
    },
  },
  {
    rule: 'PostgresBootSqlKeepsTlsSettings',
    form: 'token',
    title: 'ALTER SYSTEM of a parameter named at deploy time',
    expect: UNV,
    build: (s) => host(s, { [SQL]: Fn.join('', ['ALTER SYSTEM SET ', param(s), " = 'x';\n"]) }),
  },

  // PostgresBootSqlGrantsNoSuperuser
  { rule: 'PostgresBootSqlGrantsNoSuperuser', form: 'l2', title: 'customer roles without SUPERUSER', expect: C, build: (s) => l2Host(s, { [SQL]: GOOD_SQL }) },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'plain',
    title: 'CREATE ROLE ... WITH SUPERUSER',
    expect: NC,
    detail: /makes acme_admin a superuser/,
    build: (s) => host(s, { [SQL]: 'CREATE ROLE acme_admin WITH LOGIN\n  SUPERUSER;\n' }),
  },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'plain',
    title: 'ALTER USER inside a DO block',
    expect: NC,
    build: (s) => host(s, { [SQL]: "DO $$ BEGIN EXECUTE 'ALTER USER ops SUPERUSER'; END $$;\n" }),
  },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'plain',
    title: 'GRANT postgres TO a customer role',
    expect: NC,
    detail: /grants the superuser role postgres/,
    build: (s) => host(s, { [SQL]: `${GOOD_SQL}GRANT "postgres" TO acme_admin;\n` }),
  },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'plain',
    title: 'NOSUPERUSER, comments and object grants are fine',
    expect: C,
    build: (s) => host(s, { [SQL]: '-- CREATE ROLE x SUPERUSER;\nALTER ROLE ops NOSUPERUSER;\nGRANT SELECT ON TABLE postgres TO ops;\n' }),
  },
  { rule: 'PostgresBootSqlGrantsNoSuperuser', form: 'plain', title: 'no boot SQL', expect: NA, build: (s) => host(s, { [HBA]: RENDERED_HBA }) },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'override',
    title: 'override makes the admin a superuser',
    expect: NC,
    build: (s) => {
      const h = host(s, { [SQL]: GOOD_SQL });
      h.addOverride(override(SQL), 'CREATE ROLE acme_admin LOGIN SUPERUSER;\n');
      return h;
    },
  },
  {
    rule: 'PostgresBootSqlGrantsNoSuperuser',
    form: 'token',
    title: 'role attributes from a parameter',
    expect: UNV,
    build: (s) => host(s, { [SQL]: Fn.join('', ['CREATE ROLE acme_admin ', param(s), ';\n']) }),
  },
];
