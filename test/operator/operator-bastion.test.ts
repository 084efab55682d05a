import { Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, REGION, asList, dependencyCycles, logicalIdOf, newOperatorStack, statementsOfRole } from './operator-test-util';
import { OperatorAccess, OperatorBastion, OperatorBastionProps, VmAccessAudit } from '../../lib/operator';

function newBastionStack(props: Partial<OperatorBastionProps> = {}, subnets: ec2.SubnetConfiguration[] = [
  { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
]) {
  const { stack, access, logsKey } = newOperatorStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: subnets });
  const volumeKey = new kms.Key(stack, 'DataKey');
  const database = new ec2.SecurityGroup(stack, 'DatabaseSg', { vpc, allowAllOutbound: false });
  const create = () => new OperatorBastion(stack, 'Bastion', { vpc, operatorAccess: access, volumeKey, database, ...props });
  return { stack, access, logsKey, vpc, volumeKey, database, create };
}

describe('OperatorBastion with defaults', () => {
  let stack: Stack;
  let access: OperatorAccess;
  let bastion: OperatorBastion;
  let template: Template;
  let instanceId: string;
  let volumeKeyId: string;
  let databaseSgId: string;

  beforeAll(() => {
    const built = newBastionStack();
    stack = built.stack;
    access = built.access;
    bastion = built.create();
    template = Template.fromStack(stack);
    instanceId = logicalIdOf(stack, bastion.instance);
    volumeKeyId = logicalIdOf(stack, built.volumeKey);
    databaseSgId = logicalIdOf(stack, built.database);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('has no dependency cycle', () => {
    expect(dependencyCycles(template.toJSON() as any)).toEqual([]);
  });

  test('requires IMDSv2 with a hop limit of 1', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
    });
  });

  test('has no public address and no key pair', () => {
    const props = template.toJSON().Resources[instanceId].Properties;
    expect(props.NetworkInterfaces).toEqual([expect.objectContaining({ AssociatePublicIpAddress: false, DeviceIndex: '0' })]);
    expect(props.KeyName).toBeUndefined();
    expect(props.KeyPairName).toBeUndefined();
  });

  test('runs in an isolated subnet', () => {
    const subnet = template.toJSON().Resources[instanceId].Properties.NetworkInterfaces[0].SubnetId.Ref;
    expect(subnet).toMatch(/^VpcdbSubnet/);
  });

  test('encrypts its root volume with the given customer-managed key', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [{
        DeviceName: '/dev/xvda',
        Ebs: Match.objectLike({ Encrypted: true, KmsKeyId: { 'Fn::GetAtt': [volumeKeyId, 'Arn'] }, VolumeType: 'gp3' }),
      }],
    });
  });

  test('is reached through Session Manager only: no inbound rule', () => {
    const sgId = logicalIdOf(stack, bastion.securityGroup);
    const sg = template.toJSON().Resources[sgId].Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r) => JSON.stringify(r.Properties.GroupId).includes(sgId));
    expect(ingress).toEqual([]);
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })]);
  });

  test('may reach the database on 5432', () => {
    const sgId = logicalIdOf(stack, bastion.securityGroup);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [databaseSgId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] }, FromPort: 5432, ToPort: 5432,
    });
  });

  test("is tagged with the service, so the operator role's sessions reach it", () => {
    template.hasResourceProperties('AWS::EC2::Instance', { Tags: Match.arrayWith([{ Key: OperatorAccess.SERVICE_TAG_KEY, Value: 'orders' }]) });
  });

  test('creates the non-root run-as user at boot', () => {
    const userData = template.toJSON().Resources[instanceId].Properties.UserData['Fn::Base64'];
    expect(userData).toContain('useradd --create-home --shell /bin/bash timescale-operator');
  });

  test('its role has the Session Manager agent policy and writes session logs', () => {
    const roleId = logicalIdOf(stack, bastion.role as any);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    const actions = statementsOfRole(template, roleId).flatMap((s) => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 'logs:PutLogEvents', 'kms:Decrypt']));
  });

  test('port forwarding belongs to a separate role, allowed only through the bastion with the document check', () => {
    const forwarding = statementsOfRole(template, logicalIdOf(stack, access.portForwardingRole as any));
    const startSession = forwarding.filter((s) => asList(s.Action).includes('ssm:StartSession'));
    expect(startSession).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}:${ACCOUNT}:instance/`, { Ref: instanceId }]] },
        Condition: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
      }),
      expect.objectContaining({
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${REGION}::document/AWS-StartPortForwardingSessionToRemoteHost`]] },
        Condition: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
      }),
    ]));
    // Every instance it may reach is the bastion: no wildcard, no database host.
    const instances = startSession.flatMap((s) => asList(s.Resource)).filter((r) => JSON.stringify(r).includes(':instance/'));
    expect(instances).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}:${ACCOUNT}:instance/`, { Ref: instanceId }]] }]);
  });

  test('the shell role is allowed no port-forwarding document, so it cannot combine one with a database host', () => {
    const shell = statementsOfRole(template, logicalIdOf(stack, access.role));
    const documents = shell.filter((s) => asList(s.Action).includes('ssm:StartSession'))
      .flatMap((s) => asList(s.Resource)).filter((r) => JSON.stringify(r).includes(':document/'));
    expect(JSON.stringify(documents)).not.toContain('PortForwarding');
  });

  test('the port-forwarding role has the same MFA trust as the shell role', () => {
    const trustOf = (role: any) => template.toJSON().Resources[logicalIdOf(stack, role)].Properties.AssumeRolePolicyDocument;
    expect(trustOf(access.portForwardingRole)).toEqual(trustOf(access.role));
  });

  test('is tagged as a bastion', () => {
    template.hasResourceProperties('AWS::EC2::Instance', { Tags: Match.arrayWith([{ Key: OperatorAccess.HOST_ROLE_TAG_KEY, Value: 'bastion' }]) });
  });

  test('port forwarding to any other host raises an alert', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ssm'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': Match.objectLike({
          eventName: ['StartSession'],
          requestParameters: { documentName: ['AWS-StartPortForwardingSessionToRemoteHost'], target: [{ 'anything-but': [{ Ref: instanceId }] }] },
        }),
      },
      Targets: [Match.objectLike({ Arn: { Ref: logicalIdOf(stack, access.alertTopic) } })],
    });
  });

  test('grants access to the machines to the operator role only', () => {
    const operatorRoles = [logicalIdOf(stack, access.role), logicalIdOf(stack, access.portForwardingRole as any)];
    expect(VmAccessAudit.findGrantsInStack(stack, operatorRoles)).toEqual([]);
  });
});

describe('OperatorBastion options and bad input', () => {
  test('port forwarding through a database host is refused at synth', () => {
    const built = newBastionStack();
    const databaseHost = new ec2.Instance(built.stack, 'DatabaseHost', {
      vpc: built.vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
    });
    Tags.of(databaseHost).add(OperatorAccess.HOST_ROLE_TAG_KEY, 'database');
    built.access.allowPortForwarding(databaseHost);
    expect(() => Template.fromStack(built.stack)).toThrow(
      /OperatorAccess\.allowPortForwarding\(Test\/DatabaseHost\): the host is a database host \(tag timescale:role = database\)\. Port forwarding through it would reach its local PostgreSQL and its metadata service; forward through an OperatorBastion instead/);
  });

  test('port forwarding through an untagged instance is accepted', () => {
    const built = newBastionStack();
    const other = new ec2.Instance(built.stack, 'Other', {
      vpc: built.vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    built.access.allowPortForwarding(other);
    expect(() => Template.fromStack(built.stack)).not.toThrow();
  });

  test('forwards to a custom database port', () => {
    const built = newBastionStack({ databasePort: 6432 });
    built.create();
    Template.fromStack(built.stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6432, ToPort: 6432 });
  });

  test('an x86 instance type gets an x86 image', () => {
    const built = newBastionStack({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO) });
    built.create();
    const params = Template.fromStack(built.stack).toJSON().Parameters;
    expect(Object.keys(params).some((p) => /al2023amikernel.*x8664/i.test(p))).toBe(true);
  });

  test('fails in a public subnet', () => {
    const built = newBastionStack({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ]);
    expect(built.create).toThrow(/vpcSubnets must select private or isolated subnets; got a selection of public subnets/);
  });

  test('fails when public subnets are asked for, even in a VPC that has none', () => {
    const built = newBastionStack({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    expect(built.create).toThrow(/vpcSubnets must select private or isolated subnets; got a selection of public subnets/);
  });

  test('fails when a selection by name resolves to public subnets', () => {
    const built = newBastionStack({ vpcSubnets: { subnetGroupName: 'edge' } }, [
      { name: 'edge', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ]);
    expect(built.create).toThrow(/must select private or isolated subnets.*"subnetGroupName":"edge"/);
  });

  test('fails with an AWS-managed volume key', () => {
    const built = newBastionStack();
    const volumeKey = kms.Alias.fromAliasName(built.stack, 'Ebs', 'alias/aws/ebs');
    expect(() => new OperatorBastion(built.stack, 'B', {
      vpc: built.vpc, operatorAccess: built.access, volumeKey, database: built.database,
    })).toThrow(/OperatorBastionProps.volumeKey must be a customer-managed KMS key/);
  });

  test('fails with a database port out of range', () => {
    const built = newBastionStack({ databasePort: 70000 });
    expect(built.create).toThrow(/databasePort must be a whole number from 1 to 65535; got 70000/);
  });
});
