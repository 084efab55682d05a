import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PackageSource, PgHba, PgHbaConnectionType, PostgresqlConf, TimescaleService, TimescaleServiceProps, TlsVersion } from '../../lib';

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

/** The command that runs one SQL script, found by the script's name (commands are keyed <index>-<name>). */
function sqlCommand(config: any, name: string): string {
  const found = Object.entries(config.sqlScripts.commands).filter(([key]) => key.replace(/^\d+-/, '') === name);
  expect(found).toHaveLength(1);
  return JSON.stringify((found[0][1] as any).command);
}

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

  test('delivers a pg_hba.conf that refuses plaintext and the superuser, then admits each customer to its own database only', () => {
    const entries = PgHba.parse(file(config, '/etc/timescale/pg_hba.conf'));
    expect(entries.map((e) => [e.type, e.database, e.user, e.address, e.method])).toEqual([
      [PgHbaConnectionType.HOSTNOSSL, 'all', 'all', '0.0.0.0/0', 'reject'],
      [PgHbaConnectionType.HOSTNOSSL, 'all', 'all', '::/0', 'reject'],
      [PgHbaConnectionType.HOSTSSL, 'all', 'postgres', '0.0.0.0/0', 'reject'],
      [PgHbaConnectionType.HOSTSSL, 'all', 'postgres', '::/0', 'reject'],
      // acme is added at construction and globex afterwards: both reach the file.
      [PgHbaConnectionType.HOSTSSL, 'acme', '+acme_login', '10.20.0.0/16', 'scram-sha-256'],
      [PgHbaConnectionType.HOSTSSL, 'globex', '+globex_login', '10.30.0.0/16', 'scram-sha-256'],
      // The service network (load balancer health checks, a bastion) admits approved operator roles only.
      [PgHbaConnectionType.HOSTSSL, 'all', '+approved_operator_access', '10.80.0.0/16', 'scram-sha-256'],
      [PgHbaConnectionType.LOCAL, 'all', 'postgres', undefined, 'peer'],
    ]);
  });

  test('gives each customer a database owned by its own admin, with the password read from Secrets Manager at boot', () => {
    for (const name of ['acme', 'globex']) {
      const sql: string = config.sqlScripts.files[`/etc/timescale/sql/customer-${name}.sql`].content;
      expect(sql).toContain(`${name}_admin`);
      expect(sql).toContain(`${name}_login`);
      expect(sql).toMatch(/NOSUPERUSER/);
      expect(sqlCommand(config, `customer-${name}`)).toContain(`admin_password=/run/timescale/sql/customer-${name}.admin_password`);
    }
    expect(service.customers.map((c) => [c.adminRole, c.loginGroup, c.databases])).toEqual([
      ['acme_admin', 'acme_login', ['acme']],
      ['globex_admin', 'globex_login', ['globex']],
    ]);
  });

  test("keeps each customer admin's credentials in a retained secret under the secrets key, generated, never in the template", () => {
    for (const customer of service.customers) {
      const id = stack.getLogicalId(customer.adminSecret.node.defaultChild as any);
      const secret = template.toJSON().Resources[id];
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(JSON.stringify(secret.Properties.KmsKeyId)).toMatch(/DbKeysSecretsKey/);
      expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({
        username: customer.adminRole, dbname: customer.databases[0], host: 'db.example.com', port: 5432,
      });
      expect(secret.Properties.SecretString).toBeUndefined();
    }
  });

  test('denies reading each secret to every principal of the account but its readers, and changing it to all but the deployers and its writers', () => {
    const deployer = {
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
    };
    const hostRole = stack.resolve(service.host.role.roleArn);
    const issuerRole = { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.includes('IssuerRole')), 'Arn'] };
    const secretIds = (secret: any) => stack.getLogicalId(secret.node.defaultChild);
    const expected: Array<[string, unknown[], unknown[]]> = [
      ...service.customers.map((c): [string, unknown[], unknown[]] => [secretIds(c.adminSecret), [hostRole], [deployer]]),
      [secretIds(service.certificate.certificateSecret), [hostRole, issuerRole], [deployer, issuerRole]],
      [secretIds(service.certificate.caSecret), [issuerRole], [deployer, issuerRole]],
      [secretIds(service.databaseBackups.passphrase), [hostRole], [deployer]],
    ];
    const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'));
    expect(policies).toHaveLength(expected.length);
    for (const [secretId, readers, changers] of expected) {
      const policy = policies.find((p: any) => p.Properties.SecretId.Ref === secretId) as any;
      expect(policy.Properties.BlockPublicPolicy).toBe(true);
      const denies = policy.Properties.ResourcePolicy.Statement.filter((st: any) => st.Effect === 'Deny');
      expect(denies.map((st: any) => [st.Sid, st.Principal, st.Condition])).toEqual([
        ['DenyReadToUnnamedPrincipalsOfThisAccount', { AWS: '*' }, {
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } }, ArnNotLike: { 'aws:PrincipalArn': readers },
        }],
        ['DenyChangesToUnnamedPrincipalsOfThisAccount', { AWS: '*' }, {
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } }, ArnNotLike: { 'aws:PrincipalArn': changers },
        }],
      ]);
      expect(denies[0].Action).toBe('secretsmanager:GetSecretValue');
      expect(denies[1].Action).toEqual(expect.arrayContaining(['secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:PutSecretValue']));
    }
  });

  test('has no superuser secret: the superuser has no password', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as any[];
    expect(secrets.filter((s) => JSON.stringify(s).includes('"username\\":\\"postgres'))).toEqual([]);
    expect(JSON.stringify(secrets)).not.toMatch(/superuser \(postgres\)/i);
  });

  test('enforces the end of an approval on the host every 30 seconds', () => {
    const sql: string = config.sqlScripts.files['/etc/timescale/sql/approved-operator-expiry.sql'].content;
    expect(sql).toMatch(/pg_terminate_backend/);
    expect(JSON.stringify(config)).toMatch(/OnUnitActiveSec=30s/);
  });

  test('delivers TLS settings (TLS 1.2 minimum) and the audit settings after them', () => {
    const tls = PostgresqlConf.parse(file(config, '/etc/timescale/conf.d/50-tls.conf'));
    expect(tls).toMatchObject({
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      ssl_cert_file: '/etc/timescale/tls/server.crt',
      ssl_key_file: '/etc/timescale/tls/server.key',
      password_encryption: 'scram-sha-256',
    });
    const audit = PostgresqlConf.parse(file(config, '/etc/timescale/conf.d/90-audit.conf'));
    expect(audit.shared_preload_libraries).toBe('timescaledb,pgaudit');
  });

  test('fetches the certificate and its private key from Secrets Manager at boot, root-owned, the key readable by the postgres group only', () => {
    const commands = JSON.stringify(config.secretFiles.commands);
    expect(commands).toMatch(/'certificate' '\/etc\/timescale\/tls\/server.crt' 000644 root postgres/);
    expect(commands).toMatch(/'privateKey' '\/etc\/timescale\/tls\/server.key' 000640 root postgres/);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/PRIVATE KEY/);
  });

  test("limits the host's HTTPS egress to the VPC and the Region's S3 prefix list, looked up at deploy time", () => {
    const hostGroup = stack.getLogicalId(service.host.securityGroup.node.defaultChild as any);
    const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [hostGroup, 'GroupId'] } },
    })).map((r: any) => r.Properties);
    const egress = [...template.toJSON().Resources[hostGroup].Properties.SecurityGroupEgress, ...separate];
    expect(egress.filter((rule: any) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')).toEqual([]);
    const lookups = template.findResources('Custom::S3PrefixListLookup');
    expect(Object.keys(lookups)).toHaveLength(1);
    const [lookupId] = Object.keys(lookups);
    expect(JSON.stringify(lookups[lookupId].Properties.Create)).toContain('prefix-list-name');
    expect(egress).toEqual(expect.arrayContaining([expect.objectContaining({
      DestinationPrefixListId: { 'Fn::GetAtt': [lookupId, 'PrefixLists.0.PrefixListId'] }, FromPort: 443, ToPort: 443,
    })]));
  });

  test('boots the instance only after the certificate is issued', () => {
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    const certificate = Object.keys(template.findResources(CERTIFICATE_TYPE));
    expect(certificate).toHaveLength(1);
    expect(instance.DependsOn).toEqual(expect.arrayContaining(certificate));
  });

  test('names every user in every key policy: no statement but break glass names the account', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as any[];
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      const accountWide = key.Properties.KeyPolicy.Statement.filter((st: any) => JSON.stringify(st.Principal).includes(':root'));
      expect(accountWide.map((st: any) => st.Sid)).toEqual(['RootUserMayOnlyReplaceThePolicy']);
    }
  });

  test('boots the instance only once the DNS firewall holds the VPC', () => {
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    const association = Object.keys(template.findResources('AWS::Route53Resolver::FirewallRuleGroupAssociation'));
    expect(association).toHaveLength(1);
    expect(instance.DependsOn).toEqual(expect.arrayContaining(association));
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

  test('backs up the host\'s instance (all its volumes at one moment) daily into the vault under the backup key', () => {
    const selections = Object.values(template.findResources('AWS::Backup::BackupSelection'));
    expect(selections.map((s: any) => s.Properties.BackupSelection.Resources)).toEqual([[{
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':instance/',
        { Ref: stack.getLogicalId(service.host.instance.node.defaultChild as CfnElement) }]],
    }]]);
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DbKeysBackupKey'), 'Arn'] } });
  });

  test('gives operators no database role: the access script only removes approved roles', () => {
    const sql: string = config.sqlScripts.files['/etc/timescale/sql/approved-operator-access.sql'].content;
    // Only the NOLOGIN marker group is created; every member (an approved role) is dropped.
    expect([...sql.matchAll(/CREATE ROLE (\S+)/g)].map((m) => m[1])).toEqual(['approved_operator_access']);
    expect(sql).toMatch(/DROP ROLE/i);
    expect(sqlCommand(config, 'approved-operator-access')).not.toMatch(/operator_password/);
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
    // No sudo: the session user joins no group and nothing writes a sudoers rule.
    const initText = JSON.stringify(config);
    expect(initText).not.toMatch(/sudoers|usermod|wheel|gpasswd/);
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
    const command = sqlCommand(config, 'approved-operator-access');
    expect(command).toContain('operator_password=/run/timescale/sql/approved-operator-access.operator_password');
    // The operator reads the password with their role; it is never in the template.
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
      Description: Match.stringLikeRegexp('alice.*CASE-1234'),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"SecretString":/);
    // Only the approved operator's own sessions of the operator role may read it.
    const roleId = stack.getLogicalId(service.operatorAccess!.role.node.defaultChild as any);
    const reads = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(reads).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' } } })]);
  });

  test("an approval opens the only customer's database, and must name the databases when there are several", () => {
    const expires = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
    const approval = { operator: 'alice', reason: 'Debug', ticket: 'CASE-1', expires };
    const approvedSql = (customers: any[], databases?: string[]) => {
      const stack = new Stack(new App(), 'Approval');
      new TimescaleService(stack, 'Db', {
        serviceName: 'orders',
        serverName: 'db.example.com',
        packageSource: PACKAGES,
        customers,
        operators: { operatorPrincipals: [operator(stack)], approval: { ...approval, databases } },
      });
      return init(stack).sqlScripts.files['/etc/timescale/sql/approved-operator-access.sql'].content as string;
    };
    const connectOn = (sql: string) => [...sql.matchAll(/GRANT CONNECT ON DATABASE (\w+)/g)].map((m) => m[1]);
    expect(connectOn(approvedSql([CUSTOMER]))).toEqual(['acme']);
    const globex = { customerName: 'globex', peerVpcId: 'vpc-0f9e8d7c6b5a43210', peerCidrs: ['10.30.0.0/16'] };
    expect(connectOn(approvedSql([CUSTOMER, globex], ['globex']))).toEqual(['globex']);
    expect(() => approvedSql([CUSTOMER, globex])).toThrow(
      /operators\.approval must list the databases the customer approved \(OperatorAccessApproval\.databases\), because the service has 2 customers \(acme; globex\)/);
  });

  test("an approval may not grant a customer's admin or login role", () => {
    const stack = new Stack(new App(), 'Forbidden');
    const expires = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
    new TimescaleService(stack, 'Db', {
      serviceName: 'orders',
      serverName: 'db.example.com',
      packageSource: PACKAGES,
      customers: [CUSTOMER],
      operators: {
        operatorPrincipals: [operator(stack)],
        approval: { operator: 'alice', reason: 'Debug', ticket: 'CASE-1', expires, grantedRoles: ['acme_admin'] },
      },
    });
    expect(() => Template.fromStack(stack)).toThrow(/acme_admin/);
  });

  test("lets the customer's account read its admin credentials when asked, through the secret's policy and Secrets Manager only", () => {
    const { stack, service } = build({ customers: [{ ...CUSTOMER, adminSecretReaderAccount: '222222222222' }] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: stack.getLogicalId(service.customers[0].adminSecret.node.defaultChild as any) },
      ResourcePolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
        })]),
      },
    });
    const keyPolicy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))
      .filter((k: any) => JSON.stringify(k).includes('222222222222')));
    expect(keyPolicy).toContain('secretsmanager.');
  });

  test('selects TLS 1.3 as the minimum when asked', () => {
    const { stack } = build({ minTlsVersion: TlsVersion.TLS_1_3 });
    expect(PostgresqlConf.parse(file(init(stack), '/etc/timescale/conf.d/50-tls.conf')).ssl_min_protocol_version).toBe('TLSv1.3');
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

  test('fails when two customers would share a database, naming both', () => {
    const { service } = build();
    expect(() => service.addCustomer({ customerName: 'Acme', peerVpcId: 'vpc-0aaaaaaaaaaaaaaaa', peerCidrs: ['10.40.0.0/16'] }))
      .toThrow(/customers 'Customer-acme' and 'Customer-Acme' would share the database 'acme'\. Give one of them another databaseName/);
  });

  test('fails for a customer whose name cannot make a database name, and for a bad reader account', () => {
    const { service } = build();
    expect(() => service.addCustomer({ customerName: '1st', peerVpcId: 'vpc-0aaaaaaaaaaaaaaaa', peerCidrs: ['10.40.0.0/16'] }))
      .toThrow(/databaseName cannot be derived from customerName '1st': it must start with a letter/);
    expect(() => service.addCustomer({ ...CUSTOMER, customerName: 'x', databaseName: 'x', peerCidrs: ['10.50.0.0/16'], adminSecretReaderAccount: '12345' }))
      .toThrow(/adminSecretReaderAccount must be a 12-digit AWS account id; got '12345'/);
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
