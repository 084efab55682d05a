import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CUSTOMER_ACCOUNT, newStack, propertiesOf, SERVICE_ACCOUNT } from './network-test-util';
import { CustomerPeeringAccepter, CustomerPeeringAccepterProps } from '../../lib/network';

const CUSTOMER_VPC = 'vpc-0a1b2c3d4e5f67890';
const SERVICE_VPC = 'vpc-0123456789abcdef0';
const PCX = 'pcx-0123456789abcdef0';
const CUSTOMER_ENV = { account: CUSTOMER_ACCOUNT, region: 'us-east-1' };

function baseProps(props: Partial<CustomerPeeringAccepterProps> = {}): CustomerPeeringAccepterProps {
  return {
    customerVpcId: CUSTOMER_VPC,
    serviceAccountId: SERVICE_ACCOUNT,
    serviceVpcId: SERVICE_VPC,
    serviceRegion: 'eu-west-1',
    serviceCidrs: ['10.80.0.0/16'],
    ...props,
  };
}

describe('CustomerPeeringAccepter, fully configured', () => {
  let stack: Stack;
  let accepter: CustomerPeeringAccepter;
  let clients: ec2.ISecurityGroup;
  let template: Template;

  beforeAll(() => {
    stack = newStack({ env: CUSTOMER_ENV });
    clients = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Clients', 'sg-0123456789abcdef0');
    accepter = new CustomerPeeringAccepter(stack, 'Accepter', baseProps({
      vpcPeeringConnectionId: PCX,
      routeTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'],
      clientSecurityGroup: clients,
      roleName: 'timescale-peering-accepter',
    }));
    template = Template.fromStack(stack);
  });

  test('the role can be assumed by the service account only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'timescale-peering-accepter',
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${SERVICE_ACCOUNT}:root`]] } },
        }],
      },
    });
  });

  test('the role may accept only the peering between the service VPC and this customer VPC', () => {
    const role = Object.values(template.findResources('AWS::IAM::Role', { Properties: { RoleName: 'timescale-peering-accepter' } }))[0];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    const policies = propertiesOf(template, 'AWS::IAM::ManagedPolicy').filter((p) => JSON.stringify(p.Roles) === JSON.stringify([stack.resolve(accepter.role.roleName)]));
    expect(policies).toHaveLength(1);
    expect(propertiesOf(template, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Roles) === JSON.stringify([stack.resolve(accepter.role.roleName)]))).toHaveLength(0);
    const arn = (service: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, service]] });
    expect(policies[0].PolicyDocument.Statement).toEqual([
      {
        Sid: 'AcceptOnlyThePeeringOfTheServiceVpcWithThisVpc',
        Effect: 'Allow',
        Action: 'ec2:AcceptVpcPeeringConnection',
        Resource: arn(`:ec2:us-east-1:${CUSTOMER_ACCOUNT}:vpc-peering-connection/*`),
        Condition: {
          ArnEquals: {
            'ec2:AccepterVpc': arn(`:ec2:us-east-1:${CUSTOMER_ACCOUNT}:vpc/${CUSTOMER_VPC}`),
            'ec2:RequesterVpc': arn(`:ec2:eu-west-1:${SERVICE_ACCOUNT}:vpc/${SERVICE_VPC}`),
          },
        },
      },
      {
        Sid: 'OnThisVpcOnly',
        Effect: 'Allow',
        Action: 'ec2:AcceptVpcPeeringConnection',
        Resource: arn(`:ec2:us-east-1:${CUSTOMER_ACCOUNT}:vpc/${CUSTOMER_VPC}`),
      },
    ]);
    expect(stack.resolve(accepter.serviceVpcArn)).toEqual(arn(`:ec2:eu-west-1:${SERVICE_ACCOUNT}:vpc/${SERVICE_VPC}`));
  });

  test('routes only the service CIDR over the peering from each given route table', () => {
    const routes = propertiesOf(template, 'AWS::EC2::Route');
    expect(routes).toEqual([
      { RouteTableId: 'rtb-0000000000000000a', DestinationCidrBlock: '10.80.0.0/16', VpcPeeringConnectionId: PCX },
      { RouteTableId: 'rtb-0000000000000000b', DestinationCidrBlock: '10.80.0.0/16', VpcPeeringConnectionId: PCX },
    ]);
  });

  test('lets the clients reach the service CIDR on the database port only', () => {
    expect(propertiesOf(template, 'AWS::EC2::SecurityGroupEgress')).toEqual([{
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      CidrIp: '10.80.0.0/16',
      Description: 'Database clients to the TimescaleDB service 10.80.0.0/16',
    }]);
  });

  test('enables DNS resolution on the accepter side, with a grant scoped to this peering and VPC', () => {
    const resource = Object.values(template.findResources('Custom::VpcPeeringDnsResolution'))[0];
    const create = JSON.parse(resource.Properties.Create);
    expect(create.parameters).toEqual({ VpcPeeringConnectionId: PCX, AccepterPeeringConnectionOptions: { AllowDnsResolutionFromRemoteVpc: true } });
    const policy = propertiesOf(template, 'AWS::IAM::Policy').find((p) => JSON.stringify(p).includes('ModifyVpcPeeringConnectionOptions'))!;
    expect(policy.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'ec2:ModifyVpcPeeringConnectionOptions',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:us-east-1:${CUSTOMER_ACCOUNT}:vpc-peering-connection/${PCX}`]] },
      Condition: { ArnEquals: { 'ec2:AccepterVpc': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:us-east-1:${CUSTOMER_ACCOUNT}:vpc/${CUSTOMER_VPC}`]] } } },
    }]);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('CustomerPeeringAccepter with a logs key', () => {
  test('encrypts the custom resource function\'s log group with it', () => {
    const stack = newStack({ env: CUSTOMER_ENV });
    const logsKey = new kms.Key(stack, 'Key');
    new CustomerPeeringAccepter(stack, 'Accepter', baseProps({ vpcPeeringConnectionId: PCX, logsKey }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: stack.resolve(logsKey.keyArn), RetentionInDays: 365 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: Match.anyValue() } });
  });
});

describe('CustomerPeeringAccepter, first step (before the peering exists)', () => {
  test('creates only the role', () => {
    const stack = newStack({ env: CUSTOMER_ENV });
    new CustomerPeeringAccepter(stack, 'Accepter', baseProps({ serviceRegion: undefined }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.resourceCountIs('Custom::VpcPeeringDnsResolution', 0);
    // Same Region by default
    expect(JSON.stringify(template.toJSON())).toContain(`:ec2:us-east-1:${SERVICE_ACCOUNT}:vpc/${SERVICE_VPC}`);
  });
});

describe('CustomerPeeringAccepter bad input', () => {
  function attempt(props: Partial<CustomerPeeringAccepterProps>) {
    const stack = newStack({ env: CUSTOMER_ENV });
    return () => new CustomerPeeringAccepter(stack, 'Accepter', baseProps(props));
  }

  test('fails for an AWS-managed logs key', () => {
    const stack = newStack({ env: CUSTOMER_ENV });
    expect(() => new CustomerPeeringAccepter(stack, 'Accepter', baseProps({ logsKey: kms.Alias.fromAliasName(stack, 'Aws', 'alias/aws/logs') })))
      .toThrow(/CustomerPeeringAccepterProps\.logsKey must be a customer-managed KMS key/);
  });

  test('fails when routes are asked for before the peering id is known', () => {
    expect(attempt({ routeTableIds: ['rtb-0000000000000000a'] })).toThrow(/routeTableIds needs vpcPeeringConnectionId/);
  });

  test('fails for a default route to the service', () => {
    expect(attempt({ serviceCidrs: ['0.0.0.0/0'] })).toThrow(/serviceCidrs\[0\] must not be a default route; got '0\.0\.0\.0\/0'/);
  });

  test('fails for a service CIDR larger than any VPC', () => {
    expect(attempt({ serviceCidrs: ['10.0.0.0/8'] })).toThrow(/serviceCidrs\[0\] '10\.0\.0\.0\/8' is larger than any VPC/);
  });

  test('fails for overlapping service CIDRs', () => {
    expect(attempt({ serviceCidrs: ['10.80.0.0/16', '10.80.1.0/24'] })).toThrow(/'10\.80\.0\.0\/16' overlaps '10\.80\.1\.0\/24'/);
  });

  test('fails for no service CIDR', () => {
    expect(attempt({ serviceCidrs: [] })).toThrow(/serviceCidrs is empty/);
  });

  test('fails when the service account is the customer\'s own account', () => {
    expect(attempt({ serviceAccountId: CUSTOMER_ACCOUNT })).toThrow(/serviceAccountId '222222222222' is this stack's own account.*needs no accepter role/);
  });

  test.each([
    [{ customerVpcId: 'my-vpc' }, /customerVpcId must be a VPC id such as 'vpc-0a1b2c3d4e5f67890'; got 'my-vpc'/],
    [{ serviceVpcId: 'vpc-xyz' }, /serviceVpcId must be a VPC id/],
    [{ serviceAccountId: '1234' }, /serviceAccountId must be a 12-digit AWS account id; got '1234'/],
    [{ vpcPeeringConnectionId: 'peering-1' }, /vpcPeeringConnectionId must be a peering connection id such as 'pcx-0a1b2c3d4e5f67890'; got 'peering-1'/],
    [{ databasePort: 0 }, /databasePort must be a whole number from 1 to 65535; got 0/],
  ])('fails for %o', (props, message) => {
    expect(attempt(props as Partial<CustomerPeeringAccepterProps>)).toThrow(message);
  });
});
