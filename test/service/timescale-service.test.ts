import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PackageSource, parsePgHba, parsePostgresqlConf, PgHbaConnectionType, TimescaleService, TimescaleServiceProps, TlsVersion } from '../../lib';

const CERTIFICATE_TYPE = 'Custom::TimescaleServerCertificate';
const PACKAGES = PackageSource.preinstalled();
const CUSTOMER = { customerName: 'acme', peerVpcId: 'vpc-0a1b2c3d4e5f67890', peerCidrs: ['10.20.0.0/16'] };

function build(extra: Partial<TimescaleServiceProps> = {}): { stack: Stack; service: TimescaleService } {
  const stack = new Stack(new App(), 'Service');
  const service = new TimescaleService(stack, 'Db', { serviceName: 'orders', serverName: 'db.example.com', packageSource: PACKAGES, customers: [CUSTOMER], ...extra });
  return { stack, service };
}

function init(stack: Stack): any {
  const instances = Object.values(Template.fromStack(stack).findResources('AWS::EC2::Instance'));
  expect(instances).toHaveLength(1);
  return instances[0].Metadata['AWS::CloudFormation::Init'];
}

const file = (config: any, path: string): string => config.serverConfig.files[path].content;

describe('TimescaleService with defaults', () => {
  let stack: Stack;
  let service: TimescaleService;
  let template: Template;
  let config: any;

  beforeAll(() => {
    ({ stack, service } = build());
    service.addCustomer({ customerName: 'globex', peerVpcId: 'vpc-0f9e8d7c6b5a43210', peerCidrs: ['10.30.0.0/16'] });
    template = Template.fromStack(stack);
    config = init(stack);
  });

  test('delivers a pg_hba.conf that refuses plaintext and admits TLS only from the network and every customer, even one added later', () => {
    const entries = parsePgHba(file(config, '/etc/timescale/pg_hba.conf'));
    expect(entries.slice(0, 2).map((e) => [e.type, e.address, e.method])).toEqual([
      [PgHbaConnectionType.HOSTNOSSL, '0.0.0.0/0', 'reject'],
      [PgHbaConnectionType.HOSTNOSSL, '::/0', 'reject'],
    ]);
    const tls = entries.filter((e) => e.type === PgHbaConnectionType.HOSTSSL);
    expect(tls.map((e) => e.address)).toEqual(['10.80.0.0/16', '10.20.0.0/16', '10.30.0.0/16']);
    expect(tls.every((e) => e.method === 'scram-sha-256')).toBe(true);
    expect(entries.filter((e) => e.type === PgHbaConnectionType.HOST)).toEqual([]);
  });

  test('delivers TLS settings (TLS 1.2 minimum) and the audit settings after them', () => {
    const tls = parsePostgresqlConf(file(config, '/etc/timescale/conf.d/50-tls.conf'));
    expect(tls).toMatchObject({
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      ssl_cert_file: '/etc/timescale/tls/server.crt',
      ssl_key_file: '/etc/timescale/tls/server.key',
      password_encryption: 'scram-sha-256',
    });
    const audit = parsePostgresqlConf(file(config, '/etc/timescale/conf.d/90-audit.conf'));
    expect(audit.shared_preload_libraries).toBe('timescaledb,pgaudit');
  });

  test('fetches the certificate and its private key from Secrets Manager at boot, the key readable by postgres only', () => {
    const commands = JSON.stringify(config.secretFiles.commands);
    expect(commands).toMatch(/'certificate' '\/etc\/timescale\/tls\/server.crt' 000644 postgres postgres/);
    expect(commands).toMatch(/'privateKey' '\/etc\/timescale\/tls\/server.key' 000600 postgres postgres/);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/PRIVATE KEY/);
  });

  test('boots the instance only after the certificate is issued', () => {
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    const certificate = Object.keys(template.findResources(CERTIFICATE_TYPE));
    expect(certificate).toHaveLength(1);
    expect(instance.DependsOn).toEqual(expect.arrayContaining(certificate));
  });

  test('admits the database port on the endpoint from each customer and on the host from the endpoint only', () => {
    for (const cidr of ['10.20.0.0/16', '10.30.0.0/16']) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: cidr, FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' });
    }
    const hostGroup = stack.getLogicalId(service.host.securityGroup.node.defaultChild as any);
    const endpointGroup = stack.getLogicalId(service.endpoint.securityGroup.node.defaultChild as any);
    const hostIngress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [hostGroup, 'GroupId'] } },
    })) as any[];
    expect(hostIngress.map((r) => [r.Properties.SourceSecurityGroupId, r.Properties.FromPort])).toEqual([
      [{ 'Fn::GetAtt': [endpointGroup, 'GroupId'] }, 5432],
    ]);
  });

  test('backs up both database volumes daily into the vault under the backup key', () => {
    const data = stack.getLogicalId(service.host.dataVolume);
    const wal = stack.getLogicalId(service.host.walVolume);
    const selection = JSON.stringify(template.findResources('AWS::Backup::BackupSelection'));
    expect(selection).toContain(data);
    expect(selection).toContain(wal);
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DbKeysBackupKey'), 'Arn'] } });
  });

  test('gives operators no database role: the access script only removes approved roles', () => {
    const sql: string = config.sqlScripts.files['/etc/timescale/sql/approved-operator-access.sql'].content;
    // Only the NOLOGIN marker group is created; every member (an approved role) is dropped.
    expect([...sql.matchAll(/CREATE ROLE (\S+)/g)].map((m) => m[1])).toEqual(['approved_operator_access']);
    expect(sql).toMatch(/DROP ROLE/i);
    expect(config.sqlScripts.commands['000-approved-operator-access'].command).not.toMatch(/operator_password/);
  });

  test('creates no operator role and no session access when no operators are given', () => {
    expect(service.operatorAccess).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toMatch(/ssm:StartSession/);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('TimescaleService with operators', () => {
  const operator = (stack: Stack) => iam.Role.fromRoleArn(stack, 'OnCall', 'arn:aws:iam::111111111111:role/oncall');

  test('logs sessions from the host, runs them as the operator OS user, and alerts on failed certificate renewals', () => {
    const stack = new Stack(new App(), 'Ops');
    const service = new TimescaleService(stack, 'Db', { serviceName: 'orders', serverName: 'db.example.com', packageSource: PACKAGES, customers: [CUSTOMER] });
    expect(service.operatorAccess).toBeUndefined();

    const withOps = new Stack(new App(), 'WithOps');
    const ops = new TimescaleService(withOps, 'Db', {
      serviceName: 'orders', serverName: 'db.example.com', packageSource: PACKAGES, customers: [CUSTOMER], operators: { operatorPrincipals: [operator(withOps)] },
    });
    const config = init(withOps);
    expect(config.osUsers.commands['10-user-timescale-operator'].command).toBe('useradd --create-home --shell /bin/bash timescale-operator');
    const template = Template.fromStack(withOps);
    const hostPolicy = JSON.stringify(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: withOps.getLogicalId(ops.host.role.node.defaultChild as any) }] },
    }));
    expect(hostPolicy).toContain('session-logs/*');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: withOps.getLogicalId(ops.operatorAccess!.alertTopic.node.defaultChild as any) }],
    });
  });

  test('a customer approval creates the expiring operator role with a password generated in Secrets Manager', () => {
    const stack = new Stack(new App(), 'Approved');
    const expires = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const service = new TimescaleService(stack, 'Db', {
      serviceName: 'orders',
      serverName: 'db.example.com',
      packageSource: PACKAGES,
      customers: [CUSTOMER],
      operators: {
        operatorPrincipals: [operator(stack)],
        approval: { operator: 'alice', reason: 'Slow queries on the orders table', ticket: 'CASE-1234', expires },
      },
    });
    const config = init(stack);
    const sql: string = config.sqlScripts.files['/etc/timescale/sql/approved-operator-access.sql'].content;
    expect(sql).toMatch(/approved_alice/);
    expect(sql).toMatch(/LOGIN VALID UNTIL/);
    expect(sql).toContain(":'operator_password'");
    const command = JSON.stringify(config.sqlScripts.commands['000-approved-operator-access'].command);
    expect(command).toContain('operator_password=/run/timescale/sql/approved-operator-access.operator_password');
    // The operator reads the password with their role; it is never in the template.
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
      Description: Match.stringLikeRegexp('alice.*CASE-1234'),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"SecretString":/);
    expect(service.operatorAccess).toBeDefined();
  });

  test('selects TLS 1.3 as the minimum when asked', () => {
    const { stack } = build({ minTlsVersion: TlsVersion.TLS_1_3 });
    expect(parsePostgresqlConf(file(init(stack), '/etc/timescale/conf.d/50-tls.conf')).ssl_min_protocol_version).toBe('TLSv1.3');
  });
});

describe('TimescaleService bad input', () => {
  test('fails for a service name that cannot name resources', () => {
    expect(() => build({ serviceName: 'Orders DB' })).toThrow(/serviceName must be 3-40 lower-case letters, digits and -.*got 'Orders DB'/);
  });

  test('fails when two customers overlap, naming both ranges', () => {
    const { service } = build();
    expect(() => service.addCustomer({ customerName: 'initech', peerVpcId: 'vpc-0aaaaaaaaaaaaaaaa', peerCidrs: ['10.20.128.0/17'] }))
      .toThrow(/10\.20\.128\.0\/17.*10\.20\.0\.0\/16|10\.20\.0\.0\/16.*10\.20\.128\.0\/17/);
  });

  test('fails for an approval that expired', () => {
    const stack = new Stack(new App(), 'Expired');
    expect(() => new TimescaleService(stack, 'Db', {
      serviceName: 'orders',
      serverName: 'db.example.com',
      packageSource: PACKAGES,
      operators: {
        operatorPrincipals: [iam.Role.fromRoleArn(stack, 'OnCall', 'arn:aws:iam::111111111111:role/oncall')],
        approval: { operator: 'alice', reason: 'Slow queries', ticket: 'CASE-1', expires: '2020-01-01T00:00:00Z' },
      },
    })).toThrow(/expires/);
  });

  test('warns nowhere on the secure defaults', () => {
    const { stack } = build();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-timescale-security'))).toEqual([]);
  });
});
