import { App, Aws, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ITimescaleService, PackageSource, TimescaleCloudSecurityChecks, TimescaleService } from '../../lib';

const CUSTOMER = { customerName: 'acme', peerVpcId: 'vpc-0a1b2c3d4e5f67890', peerCidrs: ['10.20.0.0/16'] };
/** A role of the customer's own account, which reads the credentials there. */
const CUSTOMER_APP = 'arn:aws:iam::222233334444:role/acme-app';

function build(operators = false): { app: App; stack: Stack; service: TimescaleService } {
  const app = new App();
  const stack = new Stack(app, 'Service', { env: { account: '111122223333', region: 'eu-west-1' } });
  const service = new TimescaleService(stack, 'Db', {
    serviceName: 'orders',
    serverName: 'db.example.com',
    packageSource: PackageSource.preinstalled(),
    customers: [CUSTOMER],
    ...(operators ? { operators: { operatorPrincipals: [new iam.AccountPrincipal('111122223333')], alertEmails: ['ops@example.com'] } } : {}),
  });
  return { app, stack, service };
}

/** A service of another stack, referenced by its attributes from a client stack. */
function referencedService(): { app: App; referenced: ITimescaleService } {
  const app = new App();
  const clientStack = new Stack(app, 'Client', { env: { account: '111122223333', region: 'eu-west-1' } });
  const referenced = TimescaleService.fromServiceAttributes(clientStack, 'Orders', {
    serviceName: 'orders',
    endpointAddress: 'db.example.com',
    caCertificateParameterName: '/timescale/orders/ca',
    securityGroupId: 'sg-0123456789abcdef0',
  });
  return { app, referenced };
}

const ingressOf = (template: Template) => Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);

describe('ITimescaleService', () => {
  test('a service describes its endpoint: address, port, CA certificate parameter and security group', () => {
    const { stack, service } = build();
    const asInterface: ITimescaleService = service;
    expect(asInterface.serviceName).toBe('orders');
    expect(asInterface.endpointAddress).toBe('db.example.com');
    expect(asInterface.endpointPort).toBe(5432);
    expect(asInterface.securityGroup).toBe(service.endpoint.securityGroup);
    expect(stack.resolve(asInterface.caCertificateParameter.parameterName))
      .toEqual(stack.resolve(service.certificate.caCertificateParameter.parameterName));
    expect(asInterface.connections.defaultPort?.toString()).toBe('5432');
  });

  test('connections admit a security group on the database port, through the endpoint\'s security group', () => {
    const { stack, service } = build();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc: service.network.vpc, allowAllOutbound: false });
    service.connections.allowDefaultPortFrom(client, 'from the client');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: stack.resolve(service.endpoint.securityGroup.securityGroupId),
      SourceSecurityGroupId: stack.resolve(client.securityGroupId),
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  test('connections admit a private CIDR block of a peered network', () => {
    const { stack, service } = build();
    service.connections.allowDefaultPortFrom(ec2.Peer.ipv4('10.50.0.0/16'));
    const template = Template.fromStack(stack);
    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: '10.50.0.0/16', FromPort: 5432 })]) },
    });
    expect(Object.keys(groups)).toEqual([stack.getLogicalId(service.endpoint.securityGroup.node.defaultChild as ec2.CfnSecurityGroup)]);
  });

  test('connections refuse every address, a public range and a prefix list: the database is reachable from private networks only', () => {
    const { service } = build();
    expect(() => service.connections.allowDefaultPortFromAnyIpv4()).toThrow(/refusing|must not contain '0\.0\.0\.0\/0'/);
    expect(() => service.connections.allowFrom(ec2.Peer.anyIpv6(), ec2.Port.tcp(5432))).toThrow(/::\/0/);
    expect(() => service.connections.allowDefaultPortFrom(ec2.Peer.ipv4('203.0.113.0/24')))
      .toThrow(/refusing '203\.0\.113\.0\/24', which is not a private address range.*TimescaleServiceProps\.allowedNetworks/);
    expect(() => service.connections.allowDefaultPortFrom(ec2.Peer.prefixList('pl-0123456789abcdef0'))).toThrow(/prefix list pl-0123456789abcdef0/);
    expect(() => service.connections.allowDefaultPortFrom(ec2.Peer.ipv4('10.0.0.1/8'))).toThrow(/canonical/);
  });

  describe('ingress that reaches the endpoint\'s security group around connections.allowFrom is checked at synth', () => {
    test.each([
      ['securityGroup.addIngressRule with every address', (service: TimescaleService) =>
        service.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432)), /refusing '0\.0\.0\.0\/0'/],
      ['securityGroup.addIngressRule with half of the IPv6 space', (service: TimescaleService) =>
        service.securityGroup.addIngressRule(ec2.Peer.ipv6('8000::/1'), ec2.Port.tcp(5432)), /refusing '8000::\/1'/],
      ['securityGroup.addIngressRule with a prefix list', (service: TimescaleService) =>
        service.securityGroup.addIngressRule(ec2.Peer.prefixList('pl-0123456789abcdef0'), ec2.Port.tcp(5432)), /prefix list pl-0123456789abcdef0/],
      ['a Connections of a public peer that allowTo the service', (service: TimescaleService) =>
        new ec2.Connections({ peer: ec2.Peer.ipv4('203.0.113.0/24') }).allowTo(service, ec2.Port.tcp(5432)), /refusing '203\.0\.113\.0\/24'/],
      ['a Connections of a public peer passed to allowFrom', (service: TimescaleService) =>
        service.connections.allowFrom(new ec2.Connections({ peer: ec2.Peer.anyIpv4() }), ec2.Port.tcp(5432)), /refusing '0\.0\.0\.0\/0'/],
    ])('%s fails synth, naming the security group', (_how, open, message) => {
      const { app, service } = build();
      open(service);
      expect(() => app.synth()).toThrow(message);
      expect(() => app.synth()).toThrow(/TimescaleService Service\/Db: the security group Service\/Db\/Endpoint\/SecurityGroup has an ingress rule/);
    });

    test('a security group, a private range and an allowed network pass synth', () => {
      const app = new App();
      const stack = new Stack(app, 'Service', { env: { account: '111122223333', region: 'eu-west-1' } });
      const service = new TimescaleService(stack, 'Db', {
        serviceName: 'orders',
        serverName: 'db.example.com',
        packageSource: PackageSource.preinstalled(),
        customers: [CUSTOMER],
        allowedNetworks: ['10.0.0.0/16', '198.51.100.0/24'],
      });
      service.securityGroup.addIngressRule(ec2.Peer.ipv4('10.60.0.0/16'), ec2.Port.tcp(5432));
      service.securityGroup.addIngressRule(ec2.Peer.ipv4('198.51.100.0/24'), ec2.Port.tcp(5432));
      new ec2.Connections({ securityGroups: [new ec2.SecurityGroup(stack, 'Client', { vpc: service.network.vpc })] }).allowTo(service, ec2.Port.tcp(5432));
      expect(() => app.synth()).not.toThrow();
    });

    test('the endpoint\'s group imported again by its id, in the stack or in another, still refuses public ingress', () => {
      const { app, stack, service } = build();
      ec2.SecurityGroup.fromSecurityGroupId(stack, 'Again', service.securityGroup.securityGroupId).addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432));
      expect(() => app.synth()).toThrow(/refusing '0\.0\.0\.0\/0'.*\(Service\/Again\//);

      const other = build();
      const elsewhere = new Stack(other.app, 'Elsewhere', { env: { account: '111122223333', region: 'eu-west-1' } });
      ec2.SecurityGroup.fromSecurityGroupId(elsewhere, 'Again', other.service.securityGroup.securityGroupId)
        .addIngressRule(ec2.Peer.ipv6('::/0'), ec2.Port.tcp(5432));
      expect(() => other.app.synth()).toThrow(/refusing '::\/0'.*\(Elsewhere\/Again\//);
    });

    test('a second security group on the endpoint\'s load balancer fails synth', () => {
      const { app, stack, service } = build();
      const open = new ec2.SecurityGroup(stack, 'Open', { vpc: service.network.vpc });
      open.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432));
      (service.endpoint.loadBalancer as elbv2.NetworkLoadBalancer).addSecurityGroup(open);
      expect(() => app.synth()).toThrow(/the load balancer Service\/Db\/Endpoint\/LoadBalancer has the security group .*Open.* besides the endpoint's/);
    });

    test('a CIDR that is a token resolving to every address is refused on an imported group too', () => {
      const { app, referenced } = referencedService();
      referenced.connections.allowFrom(ec2.Peer.ipv4(Lazy.string({ produce: () => '0.0.0.0/0' })), ec2.Port.tcp(5432));
      expect(() => app.synth()).toThrow(/refusing '0\.0\.0\.0\/0'/);
    });

    test('a service referenced by its attributes refuses public ingress added to its imported group', () => {
      const { app, referenced } = referencedService();
      referenced.securityGroup.addIngressRule(ec2.Peer.ipv4('0.0.0.0/1'), ec2.Port.tcp(5432));
      expect(() => app.synth()).toThrow(/refusing '0\.0\.0\.0\/1', which is not a private address range/);
    });
  });

  test('another stack references the service by its attributes, and opens the port from its own security group', () => {
    const { app, stack } = build();
    const clientStack = new Stack(app, 'Client', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(clientStack, 'Vpc', { maxAzs: 1, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const fn = new lambda.Function(clientStack, 'App', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      vpc,
    });
    const referenced = TimescaleService.fromServiceAttributes(clientStack, 'Orders', {
      serviceName: 'orders',
      endpointAddress: 'db.example.com',
      caCertificateParameterName: '/timescale/orders/ca',
      securityGroupId: 'sg-0123456789abcdef0',
    });
    referenced.connections.allowDefaultPortFrom(fn);
    referenced.grantCaCertificateRead(fn);

    expect(referenced.endpointPort).toBe(5432);
    const template = Template.fromStack(clientStack);
    expect(ingressOf(template)).toEqual([expect.objectContaining({
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: clientStack.resolve(fn.connections.securityGroups[0].securityGroupId),
    })]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ssm:GetParameter']), Effect: 'Allow' })]) },
    });
    expect(() => referenced.connections.allowDefaultPortFromAnyIpv4()).toThrow(/0\.0\.0\.0\/0/);
    // Nothing was added to the service's own stack.
    expect(ingressOf(Template.fromStack(stack)).some((p) => p.GroupId === 'sg-0123456789abcdef0')).toBe(false);
  });

  test('fromServiceAttributes refuses an empty attribute and a port out of range, naming them', () => {
    const stack = new Stack();
    const attrs = { serviceName: 'orders', endpointAddress: 'db.example.com', caCertificateParameterName: '/ca', securityGroupId: 'sg-0123456789abcdef0' };
    expect(() => TimescaleService.fromServiceAttributes(stack, 'A', { ...attrs, securityGroupId: '' })).toThrow(/securityGroupId must not be empty/);
    expect(() => TimescaleService.fromServiceAttributes(stack, 'B', { ...attrs, endpointPort: 70000 })).toThrow(/endpointPort must be a whole number from 1 to 65535; got 70000/);
  });
});

describe('grants', () => {
  test('a role of the customer\'s account may read the customer\'s credentials: named in the secret\'s and the key\'s policies', () => {
    const { app, stack, service } = build();
    const reader = iam.Role.fromRoleArn(stack, 'AcmeApp', CUSTOMER_APP);
    const grant = service.grantCustomerCredentialsRead(service.customers[0], reader);
    expect(grant.success).toBe(true);

    const template = Template.fromStack(stack);
    const secretId = stack.getLogicalId(service.customers[0].adminSecret.node.defaultChild as any);
    const policy = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'))
      .find((r) => JSON.stringify(r.Properties.SecretId) === JSON.stringify({ Ref: secretId }))!.Properties.ResourcePolicy;
    expect(policy.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Allow', Principal: { AWS: CUSTOMER_APP }, Action: expect.arrayContaining(['secretsmanager:GetSecretValue']) }),
    ]));
    // The Deny of reads to unnamed principals of this account is unchanged: the reader is of another account.
    const keyPolicy = Object.values(template.findResources('AWS::KMS::Key'))
      .map((k) => k.Properties.KeyPolicy).find((p) => JSON.stringify(p).includes('Secrets Manager') || JSON.stringify(p).includes('secretsmanager'))!;
    expect(keyPolicy.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: CUSTOMER_APP },
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      }),
    ]));

    // The service's own pack accepts it: a customer's account may read its credentials (G8).
    const pack = new TimescaleCloudSecurityChecks(app);
    const report = pack.validateScope(app);
    expect(report.violations.filter((v) => /DatabaseCredentials|SecretRead/.test(v.ruleName))).toEqual([]);
  });

  test('the granted role\'s reads are expected: the customer\'s secret-read alert leaves them out, as it does the host\'s', () => {
    const { stack, service } = build(true);
    service.grantCustomerCredentialsRead(service.customers[0], iam.Role.fromRoleArn(stack, 'AcmeApp', CUSTOMER_APP));
    const secretName = stack.resolve((service.customers[0].adminSecret.node.defaultChild as any).ref);
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .filter((r) => JSON.stringify(r.Properties.EventPattern?.detail?.requestParameters ?? {}).includes(JSON.stringify(secretName)));
    expect(rules).toHaveLength(1);
    const callers = rules[0].Properties.EventPattern.detail.$or;
    expect(callers[0].userIdentity.sessionContext.sessionIssuer.arn).toEqual([
      { 'anything-but': [stack.resolve(service.host.role.roleArn), CUSTOMER_APP] },
    ]);
    expect(() => service.operatorAccess!.expectSecretReads(new events.Rule(stack, 'Other', { schedule: events.Schedule.rate(Duration.days(1)) })))
      .toThrow(/is not a rule alertOnSecretReads of this construct/);
  });

  test('a principal of the service\'s own account is refused: there only the host reads a customer\'s credentials', () => {
    const { stack, service } = build(true);
    const customer = service.customers[0];
    const own = 'arn:aws:iam::111122223333:role/ops';
    // Named with the account written out: refused as the service's own.
    for (const principal of [new iam.ArnPrincipal(own), new iam.CompositePrincipal(new iam.ArnPrincipal(own)),
      new iam.ArnPrincipal(own).withConditions({ Bool: { 'aws:SecureTransport': 'true' } }), new iam.SessionTagsPrincipal(new iam.ArnPrincipal(own)),
      iam.Role.fromRoleArn(stack, 'Ops', own)]) {
      expect(() => service.grantCustomerCredentialsRead(customer, principal)).toThrow(/account 111122223333, the service's own account.*\(G8\)/);
    }
    // An account only known at deploy time (a role of this stack, this account's root, the operator role by ARN) cannot be
    // seen not to be the service's own: refused too.
    for (const principal of [new iam.Role(stack, 'Reporting', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
      new iam.AccountRootPrincipal(), new iam.AnyPrincipal(), new iam.ServicePrincipal('lambda.amazonaws.com'),
      iam.Role.fromRoleArn(stack, 'Admin', `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/Admin`, { mutable: false }),
      iam.Role.fromRoleArn(stack, 'OpsRef', service.operatorAccess!.role.roleArn),
      new iam.CompositePrincipal(new iam.ArnPrincipal(CUSTOMER_APP), new iam.ArnPrincipal(own))]) {
      expect(() => service.grantCustomerCredentialsRead(customer, principal)).toThrow(/needs a principal whose account is written in the app/);
    }
    // Nothing was granted, and no read was taken off the alert.
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::SecretsManager::ResourcePolicy'));
    expect(policy).not.toContain('role/ops');
    expect(policy).not.toContain('role/Admin');
  });

  test('in an environment-agnostic stack a template rule refuses to deploy into the account that may read the credentials', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const service = new TimescaleService(stack, 'Db', {
      serviceName: 'orders',
      serverName: 'db.example.com',
      packageSource: PackageSource.preinstalled(),
      customers: [{ ...CUSTOMER, adminSecretReaderAccount: '555566667777' }],
    });
    service.grantCustomerCredentialsRead(service.customers[0], iam.Role.fromRoleArn(stack, 'AcmeApp', CUSTOMER_APP));
    service.grantCustomerCredentialsRead(service.customers[0], iam.Role.fromRoleArn(stack, 'AcmeBatch', 'arn:aws:iam::222233334444:role/batch'));
    const rules = Template.fromStack(stack).toJSON().Rules;
    const assertions = Object.entries<any>(rules).filter(([id]) => /ReaderNotInServiceAccount/.test(id)).map(([, r]) => r.Assertions[0].Assert);
    expect(assertions).toEqual([
      { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '555566667777'] }] },
      { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '222233334444'] }] },
    ]);
  });

  test('adminSecretReaderAccount cannot be the service\'s own account', () => {
    const stack = new Stack(new App(), 'Own', { env: { account: '111122223333', region: 'eu-west-1' } });
    expect(() => new TimescaleService(stack, 'Db', {
      serviceName: 'orders',
      serverName: 'db.example.com',
      packageSource: PackageSource.preinstalled(),
      customers: [{ ...CUSTOMER, adminSecretReaderAccount: '111122223333' }],
    })).toThrow(/adminSecretReaderAccount 111122223333 is, the service's own account.*\(G8\)/);
  });

  test('a customer of another service is refused', () => {
    const { service } = build();
    const other = build().service;
    expect(() => service.grantCustomerCredentialsRead(other.customers[0], iam.Role.fromRoleArn(other, 'X', CUSTOMER_APP)))
      .toThrow(/is not a customer of this service/);
  });

  test('grantCaCertificateRead lets a principal read the CA certificate parameter only', () => {
    const { stack, service } = build();
    const client = new iam.Role(stack, 'Client', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const grant = service.grantCaCertificateRead(client);
    expect(grant.principalStatements.flatMap((s) => s.actions).sort())
      .toEqual(['ssm:DescribeParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters']);
  });

  test('OperatorAccess.grantHostLogging takes any grantee, returns the grant, and grants once', () => {
    const { stack, service } = build(true);
    const other = new iam.Role(stack, 'OtherHost', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const grant = service.operatorAccess!.grantHostLogging(other);
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['s3:PutObject', 'logs:PutLogEvents', 'kms:GenerateDataKey']));
    const again = service.operatorAccess!.grantHostLogging(other);
    expect(again.principalStatements).toEqual([]);
  });
});

describe('metrics', () => {
  test('CPU, status checks and free storage of the host, and connections through the endpoint', () => {
    const { stack, service } = build();
    const instance = stack.resolve(service.host.instance.instanceId);
    const m = (metric: cloudwatch.Metric) => ({
      namespace: metric.namespace, name: metric.metricName, dimensions: stack.resolve(metric.dimensions), statistic: metric.statistic,
    });
    expect(m(service.metricCpuUtilization())).toEqual({ namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: instance }, statistic: 'Average' });
    expect(m(service.metricStatusCheckFailed())).toEqual({ namespace: 'AWS/EC2', name: 'StatusCheckFailed', dimensions: { InstanceId: instance }, statistic: 'Maximum' });
    expect(m(service.metricDataVolumeFreeStorage())).toEqual({
      namespace: 'TimescaleService/Host', name: 'disk_free', dimensions: { InstanceId: instance, path: '/var/lib/timescale/data' }, statistic: 'Minimum',
    });
    expect(m(service.metricWalVolumeFreeStorage()).dimensions.path).toBe('/var/lib/timescale/wal');
    expect(m(service.metricConnections())).toEqual({
      namespace: 'AWS/NetworkELB',
      name: 'ActiveFlowCount_TCP',
      dimensions: { LoadBalancer: stack.resolve((service.endpoint.loadBalancer as any).loadBalancerFullName) },
      statistic: 'Average',
    });
    // An alarm on free WAL space renders with the agent's namespace and dimensions.
    service.metricWalVolumeFreeStorage().createAlarm(stack, 'WalAlmostFull', {
      threshold: 2 * 1024 ** 3, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TimescaleService/Host',
      MetricName: 'disk_free',
      Dimensions: Match.arrayWith([{ Name: 'path', Value: '/var/lib/timescale/wal' }]),
    });
  });

  test('the service network has the CloudWatch monitoring endpoint the agent publishes through, and the host waits for it', () => {
    const { stack, service } = build();
    const monitoring = service.network.interfaceEndpointFor(ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING);
    expect(monitoring).toBeDefined();
    const instance = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(service.host.instance.node.defaultChild as ec2.CfnInstance)];
    expect(instance.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(monitoring!.node.defaultChild as ec2.CfnVPCEndpoint)]));
  });
});
