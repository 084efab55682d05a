import { CfnMapping, Fn, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { C, NA, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
const GOOD_HBA = [
  'local   all all                  peer',
  'hostssl all all 10.20.0.0/16     scram-sha-256',
  'hostnossl all all 0.0.0.0/0      reject',
  'hostnossl all all ::/0           reject',
].join('\n');
const GOOD_TLS = "ssl = on\nssl_min_protocol_version = 'TLSv1.2'\nssl_cert_file = '/etc/timescale/tls/server.crt'\n";

/** An instance carrying PostgreSQL config files in AWS::CloudFormation::Init metadata. */
function hostWithInit(s: Stack, files: { [path: string]: unknown }, id = 'Host') {
  const host = plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1' }, id);
  host.addMetadata('AWS::CloudFormation::Init', {
    configSets: { default: ['config'] },
    config: { files: Object.fromEntries(Object.entries(files).map(([p, content]) => [p, { content, mode: '000640' }])) },
  });
  return host;
}

function hostWithUserData(s: Stack, script: string) {
  return new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', userData: Fn.base64(script) });
}

/** The typed L2 path: ec2.CloudFormationInit attached to an instance. */
function hostWithL2Init(s: Stack, files: { [path: string]: string }) {
  const host = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' });
  const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  ec2.CloudFormationInit.fromElements(...Object.entries(files).map(([p, c]) => ec2.InitFile.fromString(p, c)))
    .attach(host, { platform: ec2.OperatingSystemType.LINUX, instanceRole: role, userData: ec2.UserData.forLinux() });
  return host;
}

export const TEMPLATE_CASES: RuleCase[] = [
  // NoPrivateKeyMaterial
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'l2',
    title: 'parameter holding a certificate only',
    expect: C,
    build: (s) => new ssm.StringParameter(s, 'Cert', { stringValue: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'l2',
    title: 'parameter holding a private key',
    expect: NC,
    detail: /Properties\/Value/,
    build: (s) => new ssm.StringParameter(s, 'Key', { stringValue: PEM }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'plain',
    title: 'private key in an Init file',
    expect: NC,
    detail: /Metadata\/AWS::CloudFormation::Init/,
    build: (s) => hostWithInit(s, { '/etc/timescale/tls/server.key': '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'l1',
    title: 'private key inside joined user data',
    expect: NC,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', userData: Fn.base64(Fn.join('', ['#!/bin/bash\ncat > /k <<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----\n', param(s), '\nEOF\n'])) }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'plain',
    title: 'private key in pre-encoded base64 user data',
    expect: NC,
    detail: /UserData/,
    build: (s) => plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { UserData: Buffer.from(`#!/bin/bash\necho '${PEM}' > /k\n`).toString('base64') } }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'override',
    title: 'override writes a key into a parameter',
    expect: NC,
    build: (s) => {
      const p = new ssm.StringParameter(s, 'Key', { stringValue: 'placeholder' });
      (p.node.defaultChild as ssm.CfnParameter).addPropertyOverride('Value', PEM);
      return p;
    },
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'token',
    title: 'value from a parameter is not material in the template',
    expect: C,
    build: (s) => new ssm.StringParameter(s, 'Key', { stringValue: param(s) }),
  },

  // NoPasswordLiteral
  // Literals the template writes through a substitution, a join or a quoted value are literals too.
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'token',
    title: 'a PEM key in the variable map of an Fn::Sub in user data',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::Instance', {
      ImageId: 'ami-1',
      UserData: Fn.base64(Fn.sub('#!/bin/bash\ncat > /etc/app/key.pem <<EOF\n${Key}\nEOF\n', { Key: PEM })),
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'PGPASSWORD substituted from the variable map of an Fn::Sub',
    expect: NC,
    detail: /PGPASSWORD=\*\*\*\*/,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', UserData: Fn.base64(Fn.sub('#!/bin/bash\nexport PGPASSWORD=${P}\n', { P: 'hunter2' })) }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: 'PGPASSWORD quoted, with a space, or with parentheses',
    expect: NC,
    detail: /PGPASSWORD='\*\*\*\*'/,
    build: (s) => hostWithUserData(s, "#!/bin/bash\nexport PGPASSWORD='correct horse'\nexport PGPASSWORD=Xy7(q)z\n"),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: 'a pgpass file without the dot, named by PGPASSFILE',
    expect: NC,
    detail: /pgpass line/,
    build: (s) => hostWithUserData(s, "#!/bin/bash\necho 'db.internal:5432:app:admin:hunter2' > /etc/pg/pgpass\nexport PGPASSFILE=/etc/pg/pgpass\n"),
  },
  ...([['PGPASSWORD', 'hunter2'], ['DB_PASS', 'hunter2'], ['DB_PASSWORD', Fn.join('', ['hun', 'ter2'])]] as const).map(([name, value]): RuleCase => ({
    rule: 'NoPasswordLiteral',
    form: typeof value === 'string' ? 'plain' : 'token',
    title: `Lambda environment ${name} written ${typeof value === 'string' ? 'as a literal' : 'as a join of literals'}`,
    expect: NC,
    detail: new RegExp(`Environment/Variables/${name} is a literal`),
    build: (s) => plain(s, 'AWS::Lambda::Function', {
      Role: 'arn:aws:iam::111122223333:role/fn',
      Code: { ZipFile: 'x' },
      Handler: 'index.handler',
      Runtime: 'nodejs20.x',
      Environment: { Variables: { [name]: value } },
    }),
  })),
  // A value picked from the template's Mappings is written in the template all the same.
  ...([
    ['a literal', 'hunter2', NC],
    ['a secret ARN', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf', C],
  ] as const).map(([what, mapped, expect]): RuleCase => ({
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: `Lambda environment DB_PASSWORD picked by Region from a mapping that holds ${what}`,
    expect,
    detail: expect === NC ? /Environment\/Variables\/DB_PASSWORD is a literal \(Mappings\/Db\/us-east-1\/password/ : undefined,
    build: (s) => {
      new CfnMapping(s, 'Db', { mapping: { 'eu-west-1': { password: '{{resolve:secretsmanager:db:SecretString:password}}' }, 'us-east-1': { password: mapped } } });
      return plain(s, 'AWS::Lambda::Function', {
        Role: 'arn:aws:iam::111122223333:role/fn',
        Code: { ZipFile: 'x' },
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
        Environment: { Variables: { DB_PASSWORD: Fn.findInMap('Db', s.region, 'password') } },
      });
    },
  })),
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'an ECS environment token read from a mapping',
    expect: NC,
    detail: /ContainerDefinitions\/0\/Environment\/API_TOKEN is a literal \(Mappings\/Tokens\/prod\/api/,
    build: (s) => {
      new CfnMapping(s, 'Tokens', { mapping: { prod: { api: 'tok_3f9a8b7c' } } });
      return plain(s, 'AWS::ECS::TaskDefinition', {
        ContainerDefinitions: [{ Name: 'app', Image: 'app', Environment: [{ Name: 'API_TOKEN', Value: Fn.findInMap('Tokens', 'prod', 'api') }] }],
      });
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'a String SSM parameter named like a secret whose value is mapped',
    expect: NC,
    detail: /String parameter \/db\/password holds a literal \(Mappings\/Db\/prod\/password/,
    build: (s) => {
      new CfnMapping(s, 'Db', { mapping: { prod: { password: 'hunter2' } } });
      return plain(s, 'AWS::SSM::Parameter', { Type: 'String', Name: '/db/password', Value: Fn.findInMap('Db', 'prod', 'password') });
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'MasterUserPassword read from a mapping',
    expect: NC,
    detail: /property MasterUserPassword is a literal \(Mappings\/Db\/prod\/password/,
    build: (s) => {
      new CfnMapping(s, 'Db', { mapping: { prod: { password: 'hunter2' } } });
      return plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', MasterUsername: 'app', MasterUserPassword: Fn.findInMap('Db', 'prod', 'password') }, 'Database');
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'a mapped environment password whose keys miss, falling back to a DefaultValue literal',
    expect: NC,
    detail: /DB_PASSWORD is a literal \(Fn::FindInMap DefaultValue of Db\)/,
    build: (s) => {
      new CfnMapping(s, 'Db', { mapping: { 'eu-west-1': { user: 'app' } } });
      return plain(s, 'AWS::Lambda::Function', {
        Role: 'arn:aws:iam::111122223333:role/fn',
        Code: { ZipFile: 'x' },
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
        Environment: { Variables: { DB_PASSWORD: { 'Fn::FindInMap': ['Db', { Ref: 'AWS::Region' }, 'password', { DefaultValue: 'Hunter2Secret!' }] } } },
      });
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'an ECS environment variable whose secret-like name is substituted',
    expect: NC,
    detail: /ContainerDefinitions\/0\/Environment\/DB_PASSWORD is a literal/,
    build: (s) => plain(s, 'AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [{ Name: 'app', Image: 'app', Environment: [{ Name: { 'Fn::Sub': 'DB_PASSWORD' }, Value: 'Hunter2Secret!' }] }],
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'a String SSM parameter whose secret-like name is mapped',
    expect: NC,
    detail: /String parameter \/prod\/db\/password holds a literal/,
    build: (s) => {
      new CfnMapping(s, 'Names', { mapping: { prod: { db: '/prod/db/password' } } });
      return plain(s, 'AWS::SSM::Parameter', { Type: 'String', Name: Fn.findInMap('Names', 'prod', 'db'), Value: 'Hunter2Secret!' });
    },
  },
  ...([
    ['substituted', { 'Fn::Sub': 'Hunter2Secret!' }],
    ['joined', { 'Fn::Join': ['', ['Hunter2', 'Secret!']] }],
    ['selected from a literal list', { 'Fn::Select': [0, ['Hunter2Secret!']] }],
  ] as const).map(([how, value]): RuleCase => ({
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: `MasterUserPassword ${how}`,
    expect: NC,
    detail: /property MasterUserPassword is a literal/,
    build: (s) => plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', MasterUsername: 'app', MasterUserPassword: value }, 'Database'),
  })),
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'an environment password selected from a literal list',
    expect: NC,
    detail: /DB_PASSWORD is a literal/,
    build: (s) => plain(s, 'AWS::Lambda::Function', {
      Role: 'arn:aws:iam::111122223333:role/fn',
      Code: { ZipFile: 'x' },
      Handler: 'index.handler',
      Runtime: 'nodejs20.x',
      Environment: { Variables: { DB_PASSWORD: { 'Fn::Select': ['0', ['Hunter2Secret!', 'other']] } } },
    }),
  },
  ...([
    ['an IAM user\'s LoginProfile', 'AWS::IAM::User', { LoginProfile: { Password: 'Hunter2Secret!' } }, /LoginProfile\/Password/],
    ['an OpenSearch master user', 'AWS::OpenSearchService::Domain',
      { AdvancedSecurityOptions: { MasterUserOptions: { MasterUserName: 'admin', MasterUserPassword: 'Hunter2Secret!' } } }, /MasterUserOptions\/MasterUserPassword/],
    ['an ElastiCache user\'s Passwords', 'AWS::ElastiCache::User', { UserId: 'u', UserName: 'u', Engine: 'redis', Passwords: ['Hunter2Secret!Hunter2'] }, /property Passwords is a literal/],
  ] as const).map(([what, type, properties, detail]): RuleCase => ({
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: `a password nested in ${what}`,
    expect: NC,
    detail,
    build: (s) => plain(s, type, properties),
  })),
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'nested password settings that reference a secret or say whether to manage one',
    expect: C,
    build: (s) => plain(s, 'AWS::OpenSearchService::Domain', {
      AdvancedSecurityOptions: { MasterUserOptions: { MasterUserName: 'admin', MasterUserPassword: '{{resolve:secretsmanager:search:SecretString:password}}' } },
      ManageMasterUserPassword: true,
    }),
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'token',
    title: 'a private key in the list an Fn::Select picks from',
    expect: NC,
    build: (s) => plain(s, 'AWS::SSM::Parameter', { Type: 'String', Value: { 'Fn::Select': [1, ['none', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----']] } }, 'Key'),
  },
  // References to where a secret is are not literals, in the forms CDK writes them.
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'an RDS instance whose credentials CDK generates in Secrets Manager ({{resolve:...:password::}})',
    expect: C,
    build: (s) => new rds.DatabaseInstance(s, 'Generated', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc: new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] }),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('app'),
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'ssm-secure and versioned Secrets Manager references as passwords',
    expect: C,
    build: (s) => plain(s, 'AWS::RDS::DBInstance', {
      Engine: 'postgres',
      MasterUserPassword: SecretValue.ssmSecure('/db/password', '1').unsafeUnwrap(),
      Description: SecretValue.secretsManager('prod/db', { jsonField: 'password', versionStage: 'AWSCURRENT' }).unsafeUnwrap(),
    }, 'Database'),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'ECS secrets taken from Secrets Manager',
    expect: C,
    build: (s) => {
      const task = new ecs.FargateTaskDefinition(s, 'Task');
      task.addContainer('app', {
        image: ecs.ContainerImage.fromRegistry('app'),
        secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(s, 'Db'), 'password') },
      });
      return task;
    },
  },
  ...([
    ['passes a variable', 'def handler(e, c):\n    return psycopg2.connect(host=h, user=user, password=pw, sslmode="verify-full")\n', C],
    ['passes an attribute', 'exports.handler = async () => new Client({ user: cfg.user, password: cfg.db.password, ssl: true });\n', C],
    ['writes the password in quotes', 'def handler(e, c):\n    return psycopg2.connect(host=h, user="app", password="Hunter2Secret", sslmode="verify-full")\n', NC],
  ] as const).map(([what, code, expect]): RuleCase => ({
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: `inline Lambda code that ${what}`,
    expect,
    build: (s) => new lambda.Function(s, 'Fn', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler', code: lambda.Code.fromInline(code) }),
  })),
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'a StringList SSM parameter named like a secret',
    expect: NC,
    detail: /StringList parameter \/db\/password holds a literal/,
    build: (s) => plain(s, 'AWS::SSM::Parameter', { Type: 'StringList', Name: '/db/password', Value: 'hunter2' }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'a password reference substituted into an environment variable stays a reference',
    expect: C,
    build: (s) => plain(s, 'AWS::Lambda::Function', {
      Role: 'arn:aws:iam::111122223333:role/fn',
      Code: { ZipFile: 'x' },
      Handler: 'index.handler',
      Runtime: 'nodejs20.x',
      Environment: { Variables: { DB_PASSWORD: Fn.sub('{{resolve:secretsmanager:${Name}:SecretString:password}}', { Name: 'db' }) } },
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'MasterUserPassword literal',
    expect: NC,
    detail: /MasterUserPassword/,
    build: (s) => plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', MasterUsername: 'postgres', MasterUserPassword: 'hunter2' }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'dynamic reference to Secrets Manager',
    expect: C,
    build: (s) => plain(s, 'AWS::RDS::DBInstance', { MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}' }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: 'PGPASSWORD literal in user data',
    expect: NC,
    detail: /PGPASSWORD=\*\*\*\*/,
    build: (s) => hostWithUserData(s, '#!/bin/bash\nPGPASSWORD=hunter2 psql -h localhost -c "select 1"\n'),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: 'password fetched at boot',
    expect: C,
    build: (s) => hostWithUserData(s, '#!/bin/bash\nPGPASSWORD=$(aws secretsmanager get-secret-value --secret-id x --query SecretString --output text) psql\n'),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'password inside a connection URI',
    expect: NC,
    build: (s) => hostWithInit(s, { '/etc/app.env': 'DATABASE_URL=postgres://app:s3cret@db.internal:5432/app\n' }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'password_encryption setting is not a password',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/auth.conf': "password_encryption = 'scram-sha-256'\n" }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'SQL PASSWORD literal in an Init file',
    expect: NC,
    build: (s) => hostWithInit(s, { '/tmp/init.sql': "ALTER ROLE app PASSWORD 'hunter2';\n" }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'SQL password from a psql variable, and the file it is read from',
    expect: C,
    build: (s) => hostWithInit(s, {
      '/etc/timescale/sql/app.sql': "-- pass it with psql -v app_password=...\nALTER ROLE app PASSWORD :'app_password';\n",
      '/usr/local/sbin/run-app-sql': '#!/bin/bash\nrun-sql /etc/timescale/sql/app.sql app_password=/run/timescale/sql/app.app_password\n',
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'a SQL literal beside a psql variable is still found',
    expect: NC,
    detail: /PASSWORD '\*\*\*\*'/,
    build: (s) => hostWithInit(s, { '/tmp/init.sql': "ALTER ROLE app PASSWORD :'app_password';\nALTER ROLE b PASSWORD 'hunter2';\n" }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'override',
    title: 'override adds a password',
    expect: NC,
    build: (s) => {
      const db = plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', ManageMasterUserPassword: true });
      db.addPropertyOverride('MasterUserPassword', 'hunter2');
      return db;
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'password from a NoEcho parameter',
    expect: C,
    build: (s) => plain(s, 'AWS::RDS::DBInstance', { MasterUserPassword: param(s) }),
  },

  // PostgresRefusesPlaintext
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'hostssl + hostnossl reject + ssl = on',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': GOOD_HBA, '/etc/timescale/conf.d/tls.conf': GOOD_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'l2',
    title: 'ec2.CloudFormationInit files',
    expect: C,
    build: (s) => hostWithL2Init(s, { '/etc/timescale/pg_hba.conf': GOOD_HBA, '/etc/timescale/conf.d/tls.conf': GOOD_TLS }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'l2',
    title: 'ec2.CloudFormationInit with a host line',
    expect: NC,
    detail: /admits connections without TLS/,
    build: (s) => hostWithL2Init(s, { '/etc/timescale/pg_hba.conf': 'host all all 10.20.0.0/16 scram-sha-256\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'hostnossl line that is not reject',
    expect: NC,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': 'hostnossl all all 10.0.0.0/8 scram-sha-256\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'md5 on a TLS network line',
    expect: NC,
    detail: /md5/,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': 'hostssl all all 10.0.0.0/8 md5\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'trust with an address and mask column',
    expect: NC,
    detail: /trust/,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': 'hostssl all all 10.0.0.0 255.0.0.0 trust\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'ssl = off',
    expect: NC,
    detail: /ssl = off/,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': 'ssl = off\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'postgresql.conf fragment without ssl = on',
    expect: NC,
    detail: /sets ssl = on/,
    build: (s) => hostWithInit(s, { '/etc/postgresql/16/main/conf.d/tuning.conf': 'max_connections = 200\nshared_buffers = 1GB\n' }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'l1',
    title: 'pg_hba line appended from user data',
    expect: NC,
    build: (s) => hostWithUserData(s, '#!/bin/bash\necho "host all all 0.0.0.0/0 md5" >> /etc/postgresql/pg_hba.conf\n'),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'plain',
    title: 'a secure pg_hba.conf that an Init command rewrites with sed',
    expect: UNV,
    detail: /Init command 10-open: it changes pg_hba\.conf in ways the template does not show/,
    build: (s) => {
      const host = plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1' }, 'Host');
      host.addMetadata('AWS::CloudFormation::Init', {
        configSets: { default: ['config'] },
        config: {
          files: { '/etc/timescale/pg_hba.conf': { content: GOOD_HBA }, '/etc/timescale/conf.d/tls.conf': { content: GOOD_TLS } },
          commands: { '10-open': { command: "sed -i '1i host all all 0.0.0.0/0 trust' /etc/timescale/pg_hba.conf" } },
        },
      });
      return host;
    },
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'l1',
    title: 'user data without PostgreSQL config',
    expect: NA,
    build: (s) => hostWithUserData(s, '#!/bin/bash\nyum update -y\n'),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'override',
    title: 'override replaces pg_hba.conf',
    expect: NC,
    build: (s) => {
      const h = hostWithInit(s, { '/etc/timescale/pg_hba.conf': GOOD_HBA, '/etc/timescale/conf.d/tls.conf': GOOD_TLS });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/pg_hba\\.conf.content', 'host all all 0.0.0.0/0 trust');
      return h;
    },
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'token',
    title: 'auth method from a parameter',
    expect: UNV,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': Fn.join('', ['hostssl all all 10.0.0.0/8 ', param(s), '\n']) }),
  },
  {
    rule: 'PostgresRefusesPlaintext',
    form: 'token',
    title: 'allowed network from a parameter is fine',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': Fn.join('', ['hostssl all all ', param(s), ' scram-sha-256\n']), '/etc/timescale/conf.d/tls.conf': GOOD_TLS }),
  },

  // PostgresTlsMinimumVersion
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'TLSv1.2 minimum',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': GOOD_TLS }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'ssl = on with the default minimum',
    expect: C,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': 'ssl = on\n' }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'TLSv1.1 minimum',
    expect: NC,
    detail: /TLSv1\.1/,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': "ssl = on\nssl_min_protocol_version = 'TLSv1.1'\n" }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'l2',
    title: 'ec2.CloudFormationInit with TLSv1',
    expect: NC,
    build: (s) => hostWithL2Init(s, { '/etc/timescale/conf.d/tls.conf': "ssl = on\nssl_min_protocol_version = 'TLSv1'\n" }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'l1',
    title: 'ALTER SYSTEM in user data',
    expect: NC,
    build: (s) => hostWithUserData(s, "#!/bin/bash\npsql -c \"ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1'\"\n"),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'override',
    title: 'override lowers the minimum',
    expect: NC,
    build: (s) => {
      const h = hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': GOOD_TLS });
      h.addOverride('Metadata.AWS::CloudFormation::Init.config.files./etc/timescale/conf\\.d/tls\\.conf.content', "ssl = on\nssl_min_protocol_version = 'TLSv1.1'\n");
      return h;
    },
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'token',
    title: 'minimum from a parameter',
    expect: UNV,
    build: (s) => hostWithInit(s, { '/etc/timescale/conf.d/tls.conf': Fn.join('', ["ssl = on\nssl_min_protocol_version = '", param(s), "'\n"]) }),
  },
  {
    rule: 'PostgresTlsMinimumVersion',
    form: 'plain',
    title: 'pg_hba alone is not TLS settings',
    expect: NA,
    build: (s) => hostWithInit(s, { '/etc/timescale/pg_hba.conf': GOOD_HBA }),
  },
];
