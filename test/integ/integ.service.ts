import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { dropNonexistentInvokeAction } from './support';
import { PackageSource, TimescaleService } from '../../lib';

/**
 * Context keys for a real deployment: the bucket (and prefix) holding the RPMs the hosts install.
 * Their defaults keep the snapshot stable; a deployment needs a bucket of its own.
 */
export const PACKAGE_BUCKET_CONTEXT = 'timescale-integ:packageBucket';
export const PACKAGE_PREFIX_CONTEXT = 'timescale-integ:packagePrefix';

const SERVER_NAME = 'db.integ.example.com';
const CUSTOMER_CIDR = '10.20.0.0/16';

/**
 * A TimescaleService with one sample customer, whose VPC is created beside it in the same account,
 * and assertions that run once it is deployed: PostgreSQL refuses plaintext and passes TLS verify-full
 * with the published CA; the volumes use the data key; the host requires IMDSv2 and has no public
 * address; the session document logs to CloudWatch Logs and S3 under KMS.
 */
export function buildServiceIntegration(app: App): IntegTest {
  const stack = new Stack(app, 'TimescaleServiceInteg');
  const bucketName: string = app.node.tryGetContext(PACKAGE_BUCKET_CONTEXT) ?? 'timescale-integ-packages';
  const prefix: string = app.node.tryGetContext(PACKAGE_PREFIX_CONTEXT) ?? 'al2023/aarch64/';

  // The customer's side: a VPC without internet access, peered in the same account.
  const customerVpc = new ec2.Vpc(stack, 'SampleCustomerVpc', {
    ipAddresses: ec2.IpAddresses.cidr(CUSTOMER_CIDR),
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'clients', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });

  const service = new TimescaleService(stack, 'Timescale', {
    serviceName: 'timescale-integ',
    serverName: SERVER_NAME,
    packageSource: PackageSource.s3Bucket(s3.Bucket.fromBucketName(stack, 'PackageMirror', bucketName), prefix),
    customers: [{ customerName: 'integ-customer', peerVpcId: customerVpc.vpcId, peerCidrs: [CUSTOMER_CIDR], peerVpcCidrs: [CUSTOMER_CIDR] }],
    // Key policies refuse principals that do not exist: the on-call role is part of the test.
    operators: { operatorPrincipals: [new iam.Role(stack, 'OnCallRole', { assumedBy: new iam.AccountRootPrincipal() })] },
  });

  // The probe runs where the load balancer's health checks come from: the service network, which
  // the endpoint admits by default. It only needs the database port.
  const probeSecurityGroup = new ec2.SecurityGroup(stack, 'ProbeSecurityGroup', {
    vpc: service.network.vpc,
    allowAllOutbound: false,
    description: 'Integration test probe: the database port inside the service network only',
  });
  probeSecurityGroup.addEgressRule(ec2.Peer.ipv4(service.network.vpcCidrBlock), ec2.Port.tcp(service.endpoint.port));
  const probe = new lambda.Function(stack, 'ConnectionProbe', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'probe')),
    timeout: Duration.seconds(30),
    vpc: service.network.vpc,
    vpcSubnets: service.network.databaseSubnets,
    securityGroups: [probeSecurityGroup],
    environment: {
      DB_HOST: service.endpoint.loadBalancer.loadBalancerDnsName,
      DB_PORT: String(service.endpoint.port),
      DB_SERVER_NAME: service.serverName,
      DB_CA_PEM: service.certificate.caCertificatePem,
    },
  });

  const integ = new IntegTest(app, 'TimescaleService', {
    testCases: [stack],
    diffAssets: true,
  });
  dropNonexistentInvokeAction(integ);

  // Retried for a while: the load balancer may still be registering the host when the stack completes.
  integ.assertions
    .invokeFunction({ functionName: probe.functionName })
    .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson({ plaintext: 'refused', tls: 'verified' }) }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

  const dataKeyArn = service.keys.dataKey.keyArn;
  for (const volume of [service.host.dataVolume, service.host.walVolume]) {
    integ.assertions
      .awsApiCall('EC2', 'describeVolumes', { VolumeIds: [volume.volumeId] })
      .expect(ExpectedResult.objectLike({ Volumes: [Match.objectLike({ Encrypted: true, KmsKeyId: dataKeyArn })] }));
  }
  integ.assertions
    .awsApiCall('EC2', 'describeVolumes', {
      Filters: [
        { Name: 'attachment.instance-id', Values: [service.host.instance.instanceId] },
        { Name: 'attachment.device', Values: ['/dev/xvda'] },
      ],
    })
    .expect(ExpectedResult.objectLike({ Volumes: [Match.objectLike({ Encrypted: true, KmsKeyId: dataKeyArn })] }));

  integ.assertions
    .awsApiCall('EC2', 'describeInstances', { InstanceIds: [service.host.instance.instanceId] })
    .expect(ExpectedResult.objectLike({
      Reservations: [Match.objectLike({
        Instances: [Match.objectLike({ MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpEndpoint: 'enabled' }) })],
      })],
    }));
  // `ip-address` is the public IPv4 address: with any value at all, the instance must not be found.
  integ.assertions
    .awsApiCall('EC2', 'describeInstances', {
      Filters: [
        { Name: 'instance-id', Values: [service.host.instance.instanceId] },
        { Name: 'ip-address', Values: ['*'] },
      ],
    })
    .expect(ExpectedResult.objectLike({ Reservations: [] }));

  const access = service.operatorAccess!;
  integ.assertions
    .awsApiCall('SSM', 'getDocument', { Name: access.sessionDocumentName })
    .expect(ExpectedResult.objectLike({
      DocumentType: 'Session',
      Content: Match.serializedJson(Match.objectLike({
        inputs: Match.objectLike({
          s3BucketName: access.auditBucket.bucketName,
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: access.sessionLogGroup.logGroupName,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: service.keys.logsKey.keyArn,
        }),
      })),
    }));
  return integ;
}

if (require.main === module) {
  const app = new App();
  buildServiceIntegration(app);
  app.synth();
}
