import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CustomerPeeringAccepter } from '../../lib';

/**
 * Context keys for a real deployment: the service's account (it must differ from the account this
 * test deploys to, as a customer's does) and the service VPC. The defaults keep the snapshot stable;
 * the service VPC need not exist for these assertions, which only read IAM's decision.
 */
export const SERVICE_ACCOUNT_CONTEXT = 'timescale-integ:serviceAccount';
export const SERVICE_VPC_CONTEXT = 'timescale-integ:serviceVpc';

const SERVICE_CIDR = '10.0.0.0/16';

/**
 * What a customer deploys in its own account (`CustomerPeeringAccepter`), with assertions that run
 * once it is deployed: IAM lets the service account accept exactly the peering between the service
 * VPC and this customer VPC, and nothing else; the client security group reaches only the service
 * network on the database port.
 */
export function buildPeeringAccepterIntegration(app: App): IntegTest {
  const stack = new Stack(app, 'TimescalePeeringAccepterInteg');
  const serviceAccountId: string = app.node.tryGetContext(SERVICE_ACCOUNT_CONTEXT) ?? '111111111111';
  const serviceVpcId: string = app.node.tryGetContext(SERVICE_VPC_CONTEXT) ?? 'vpc-0123456789abcdef0';

  const customerVpc = new ec2.Vpc(stack, 'CustomerVpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.20.0.0/16'),
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'clients', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const clients = new ec2.SecurityGroup(stack, 'DatabaseClients', {
    vpc: customerVpc,
    allowAllOutbound: false,
    description: 'Database clients of the TimescaleDB service',
  });
  const accepter = new CustomerPeeringAccepter(stack, 'Accepter', {
    customerVpcId: customerVpc.vpcId,
    serviceAccountId,
    serviceVpcId,
    serviceCidrs: [SERVICE_CIDR],
    clientSecurityGroup: clients,
  });

  const integ = new IntegTest(app, 'CustomerPeeringAccepter', { testCases: [stack], diffAssets: true });

  const peeringArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-peering-connection/pcx-0123456789abcdef0`;
  const otherVpcArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${serviceAccountId}:vpc/vpc-0fedcba9876543210`;
  const simulate = (action: string, resource: string, accepterVpc: string, requesterVpc: string) =>
    integ.assertions.awsApiCall('IAM', 'simulatePrincipalPolicy', {
      PolicySourceArn: accepter.role.roleArn,
      ActionNames: [action],
      ResourceArns: [resource],
      ContextEntries: [
        { ContextKeyName: 'ec2:AccepterVpc', ContextKeyType: 'string', ContextKeyValues: [accepterVpc] },
        { ContextKeyName: 'ec2:RequesterVpc', ContextKeyType: 'string', ContextKeyValues: [requesterVpc] },
      ],
    });
  const decision = (evalDecision: string) =>
    ExpectedResult.objectLike({ EvaluationResults: [Match.objectLike({ EvalDecision: evalDecision })] });

  simulate('ec2:AcceptVpcPeeringConnection', peeringArn, accepter.customerVpcArn, accepter.serviceVpcArn)
    .expect(decision('allowed'));
  simulate('ec2:AcceptVpcPeeringConnection', accepter.customerVpcArn, accepter.customerVpcArn, accepter.serviceVpcArn)
    .expect(decision('allowed'));
  // Another VPC of the service's account (or anyone's) asking to peer with this VPC is refused.
  simulate('ec2:AcceptVpcPeeringConnection', peeringArn, accepter.customerVpcArn, otherVpcArn)
    .expect(decision('implicitDeny'));
  // The role accepts; it never creates, changes or deletes anything.
  simulate('ec2:DeleteVpcPeeringConnection', peeringArn, accepter.customerVpcArn, accepter.serviceVpcArn)
    .expect(decision('implicitDeny'));

  integ.assertions
    .awsApiCall('IAM', 'getRole', { RoleName: accepter.role.roleName })
    .expect(ExpectedResult.objectLike({
      Role: Match.objectLike({
        AssumeRolePolicyDocument: Match.stringLikeRegexp(`arn%3Aaws[a-z-]*%3Aiam%3A%3A${serviceAccountId}%3Aroot`),
      }),
    }));

  // The group holds CDK's placeholder rule (no traffic) and the accepter's rule: find it by its fields.
  integ.assertions
    .awsApiCall('EC2', 'describeSecurityGroups', {
      Filters: [
        { Name: 'group-id', Values: [clients.securityGroupId] },
        { Name: 'egress.ip-permission.cidr', Values: [SERVICE_CIDR] },
        { Name: 'egress.ip-permission.protocol', Values: ['tcp'] },
        { Name: 'egress.ip-permission.from-port', Values: ['5432'] },
        { Name: 'egress.ip-permission.to-port', Values: ['5432'] },
      ],
    })
    .expect(ExpectedResult.objectLike({ SecurityGroups: [Match.objectLike({ GroupId: clients.securityGroupId })] }));
  return integ;
}

if (require.main === module) {
  const app = new App();
  buildPeeringAccepterIntegration(app);
  app.synth();
}
