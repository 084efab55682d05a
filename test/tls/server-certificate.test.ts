import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CertificateKeyAlgorithm, CertificateSource, ServerCertificate, ServerCertificateProps } from '../../lib/tls';

const SERVER = 'db.example.internal';
const CA_ARN = 'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555';

function newStack() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const secretsKey = new kms.Key(stack, 'SecretsKey', { enableKeyRotation: true });
  const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
  return { stack, vpc, secretsKey, logsKey };
}

function build(props: Partial<ServerCertificateProps> = {}) {
  const { stack, secretsKey } = newStack();
  return () => new ServerCertificate(stack, 'Certificate', { serverName: SERVER, secretsKey, ...props });
}

describe('ServerCertificate with a self-managed CA, in a VPC', () => {
  let template: Template;
  let certificate: ServerCertificate;
  let stack: Stack;

  beforeAll(() => {
    const env = newStack();
    stack = env.stack;
    certificate = new ServerCertificate(stack, 'Certificate', {
      serverName: SERVER,
      subjectAlternativeNames: ['nlb.example.internal'],
      secretsKey: env.secretsKey,
      logsKey: env.logsKey,
      vpc: env.vpc,
      caCertificateParameterName: '/timescale/ca-certificate',
    });
    template = Template.fromStack(stack);
  });

  test('no private key material anywhere in the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  test('the certificate and CA secrets are encrypted with the secrets key and retained', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.allResources('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] } }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the custom resource issues for the server name and extra names, with the validity and renewal window', () => {
    template.hasResourceProperties('Custom::TimescaleServerCertificate', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CertificateIssuer'), 'Arn'] },
      ServerName: SERVER,
      SubjectAlternativeNames: [SERVER, 'nlb.example.internal'],
      ValidityDays: 365,
      RenewBeforeDays: 30,
      KeyAlgorithm: 'EC_P256',
      CaValidityDays: 3650,
      CertificateSecretArn: { Ref: Match.stringLikeRegexp('^CertificateSecret') },
      CaSecretArn: { Ref: Match.stringLikeRegexp('^CertificateCaSecret') },
      ServiceTimeout: '300',
    });
    // Invoked only once its permissions exist.
    template.hasResource('Custom::TimescaleServerCertificate', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CertificateIssuerPolicy'), Match.stringLikeRegexp('^CertificateIssuerRole')]),
    });
    // Lambda validates the VPC permissions when it creates the function.
    template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CertificateIssuerPolicy')]) });
  });

  test('the issuing function is hardened: newest Node.js on ARM, isolated subnets, own log group, no reserved concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      // Reserving any concurrency fails in accounts with the new-account quota of 10.
      ReservedConcurrentExecutions: Match.absent(),
      Timeout: 120,
      VpcConfig: {
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet') }]),
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^CertificateIssuerSecurityGroup'), 'GroupId'] }],
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^CertificateIssuerLogs') } },
      Environment: Match.absent(),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Certificate issuer'),
      SecurityGroupEgress: [Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('the function role is least privilege: the two secrets, the key only via Secrets Manager, its own logs', () => {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('Issues and renews') } });
    const [role] = Object.values(roles);
    // No AWS-managed policies and no inline policies: one customer-managed policy, below.
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^CertificateIssuerRole') }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'ReadAndWriteTheCertificateSecrets',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            Resource: [{ Ref: Match.stringLikeRegexp('^CertificateSecret') }, { Ref: Match.stringLikeRegexp('^CertificateCaSecret') }],
          },
          {
            Sid: 'UseTheSecretsKeyThroughSecretsManager',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          },
          Match.objectLike({ Sid: 'WriteOwnLogs', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
          Match.objectLike({ Sid: 'ManageVpcNetworkInterfaces', Resource: '*' }),
        ],
      },
    });
  });

  test('a daily rule runs the renewal check with the same configuration', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CertificateIssuer'), 'Arn'] },
        Input: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^\\{"renewal":\\{"CertificateSecretArn":"')])] },
      })],
    });
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
    expect(JSON.stringify(rule.Properties.Targets[0].Input)).toMatch(/\\"RenewBeforeDays\\":30/);
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });

  test('an alarm watches the issuer for failed renewals', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: Match.absent(),
    });
  });

  test('the alarm notifies the given topic', () => {
    const env = newStack();
    const topic = new sns.Topic(env.stack, 'Alerts', { masterKey: env.logsKey });
    new ServerCertificate(env.stack, 'Certificate', { serverName: SERVER, secretsKey: env.secretsKey, alarmTopic: topic });
    Template.fromStack(env.stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }] });
  });

  test('the CA certificate is published as a parameter and an output, from the custom resource', () => {
    const caPem = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Certificate[0-9A-F]{8}$'), 'CaCertificatePem'] };
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/timescale/ca-certificate', Type: 'String', Value: caPem });
    template.hasOutput('*', { Value: caPem, Description: Match.stringLikeRegexp('sslrootcert') });
    expect(stack.resolve(certificate.caCertificatePem)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Certificate/), 'CaCertificatePem'] });
    expect(certificate.serverName).toBe(SERVER);
    expect(certificate.caSecret).toBeDefined();
  });

  test('grantRead gives the host the certificate secret and the key through Secrets Manager', () => {
    const env = newStack();
    const cert = new ServerCertificate(env.stack, 'Certificate', { serverName: SERVER, secretsKey: env.secretsKey });
    const hostRole = new iam.Role(env.stack, 'Host', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    cert.grantRead(hostRole);
    Template.fromStack(env.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Host') }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: Match.stringLikeRegexp('^CertificateSecret') },
        })]),
      },
    });
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('ServerCertificate with AWS Private CA, outside a VPC', () => {
  let template: Template;
  let certificate: ServerCertificate;

  beforeAll(() => {
    const { stack, secretsKey } = newStack();
    const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN);
    certificate = new ServerCertificate(stack, 'Certificate', {
      serverName: SERVER,
      secretsKey,
      source: CertificateSource.privateCa(ca),
      keyAlgorithm: CertificateKeyAlgorithm.RSA_2048,
      validity: Duration.days(90),
      renewBefore: Duration.days(14),
    });
    template = Template.fromStack(stack);
  });

  test('no CA secret is created and the CA ARN is passed to the issuer', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(certificate.caSecret).toBeUndefined();
    template.hasResourceProperties('Custom::TimescaleServerCertificate', {
      CertificateAuthorityArn: CA_ARN,
      KeyAlgorithm: 'RSA_2048',
      ValidityDays: 90,
      RenewBeforeDays: 14,
      CaSecretArn: Match.absent(),
    });
  });

  test('the issuer may issue only end-entity server certificates from that CA', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'IssueServerCertificatesOnly',
            Effect: 'Allow',
            Action: 'acm-pca:IssueCertificate',
            Resource: CA_ARN,
            Condition: {
              ArnLike: {
                'acm-pca:TemplateArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':acm-pca:::template/EndEntityServerAuthCertificate/V1']] },
              },
            },
          },
          { Sid: 'ReadIssuedCertificates', Effect: 'Allow', Action: ['acm-pca:GetCertificate', 'acm-pca:DescribeCertificateAuthority'], Resource: CA_ARN },
        ]),
      },
    });
  });

  test('outside a VPC: no VPC config and no network-interface permissions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).not.toMatch(/ec2:CreateNetworkInterface/);
  });

  test('a CA given by ARN works the same way', () => {
    const { stack, secretsKey } = newStack();
    new ServerCertificate(stack, 'Certificate', { serverName: SERVER, secretsKey, source: CertificateSource.privateCaArn(CA_ARN) });
    Template.fromStack(stack).hasResourceProperties('Custom::TimescaleServerCertificate', { CertificateAuthorityArn: CA_ARN });
  });
});

describe('ServerCertificate issuer dependencies', () => {
  test('the custom resource waits for the given endpoints, so the first issue can reach the APIs and reply', () => {
    const { stack, vpc, secretsKey } = newStack();
    const secretsEndpoint = vpc.addInterfaceEndpoint('SecretsManager', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER });
    const s3Endpoint = vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    new ServerCertificate(stack, 'Certificate', { serverName: SERVER, secretsKey, vpc, issuerDependencies: [secretsEndpoint, s3Endpoint] });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::TimescaleServerCertificate', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^VpcS3'), Match.stringLikeRegexp('^VpcSecretsManager')]),
    });
  });
});

describe('ServerCertificate bad input', () => {
  test('fails when the validity is not longer than the renewal window', () => {
    expect(build({ validity: Duration.days(30), renewBefore: Duration.days(30) }))
      .toThrow(/validity \(30 days\) must be longer than the renewal window renewBefore \(30 days\)/);
    expect(build({ validity: Duration.days(20) }))
      .toThrow(/validity \(20 days\) must be longer than the renewal window renewBefore \(30 days\).*Raise validity or lower renewBefore/);
  });

  test('fails when the renewal window is shorter than two daily checks', () => {
    expect(build({ renewBefore: Duration.days(1) })).toThrow(/renewBefore must be at least 2 days; got 1 days/);
  });

  test('fails for durations that are not whole days', () => {
    expect(build({ validity: Duration.hours(36) })).toThrow(/validity must be a whole number of days; got 1 day 12 hours/);
  });

  test('fails for a validity above ten years', () => {
    expect(build({ validity: Duration.days(4000) })).toThrow(/validity must be from 1 to 3650 days; got 4000 days/);
  });

  test('fails when the server certificate would outlive the self-managed CA', () => {
    expect(build({ source: CertificateSource.selfManagedCa({ validity: Duration.days(365) }) }))
      .toThrow(/SelfManagedCaOptions.validity \(365 days\) must be longer than ServerCertificateProps.validity \(365 days\)/);
  });

  test('fails for a server name that is not a DNS name', () => {
    expect(build({ serverName: 'db example' })).toThrow(/serverName must be a DNS name .* got 'db example'/);
    expect(build({ serverName: '-db.example.internal' })).toThrow(/serverName must be a DNS name/);
  });

  test('fails for a server name longer than the common-name limit', () => {
    const long = `${'a'.repeat(60)}.example.internal`;
    expect(build({ serverName: long })).toThrow(/serverName must be at most 64 characters .* \(77 characters\)/);
  });

  test('fails for an invalid extra name', () => {
    expect(build({ subjectAlternativeNames: ['ok.example.internal', 'bad_name!'] }))
      .toThrow(/subjectAlternativeNames\[1\] must be a DNS name .* got 'bad_name!'/);
  });

  test('accepts wildcard names, IPv4 addresses and tokens as extra names', () => {
    const { stack, secretsKey } = newStack();
    const nlbName = new ec2.Vpc(stack, 'Other', { natGateways: 0 }).vpcId; // any token
    expect(() => new ServerCertificate(stack, 'Certificate', {
      serverName: SERVER, secretsKey, subjectAlternativeNames: ['*.example.internal', '10.0.0.5', nlbName],
    })).not.toThrow();
  });

  test('fails for an AWS-managed secrets key', () => {
    const { stack } = newStack();
    const awsManaged = kms.Alias.fromAliasName(stack, 'Managed', 'alias/aws/secretsmanager');
    expect(() => new ServerCertificate(stack, 'Certificate', { serverName: SERVER, secretsKey: awsManaged }))
      .toThrow(/ServerCertificateProps.secretsKey must be a customer-managed KMS key/);
  });
});
