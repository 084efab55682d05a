import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { PackageSource, TimescaleService } from '../lib';

/** The app shape the synth comparison measures: one database service per stack. */
export type ServiceKind = 'timescale' | 'rds';

const ENV = { account: '111122223333', region: 'eu-central-1' };
const CUSTOMER = { customerName: 'acme', peerVpcId: 'vpc-0a1b2c3d4e5f67890', peerCidrs: ['10.20.0.0/16'] };

/** One `TimescaleService` with its defaults (no packs). */
export function buildTimescaleStack(app: App, id: string): Stack {
  const stack = new Stack(app, id, { env: ENV });
  new TimescaleService(stack, 'Db', {
    serviceName: id.toLowerCase(),
    serverName: `${id.toLowerCase()}.db.example.com`,
    packageSource: PackageSource.preinstalled(),
    customers: [CUSTOMER],
  });
  return stack;
}

/**
 * The choice a user would make instead: RDS for PostgreSQL with a customer-managed key, TLS forced by the
 * parameter group (rds.force_ssl=1), isolated subnets, Multi-AZ, generated credentials, deletion protection.
 */
export function buildRdsStack(app: App, id: string): Stack {
  const stack = new Stack(app, id, { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Network', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });
  const parameterGroup = new rds.ParameterGroup(stack, 'Parameters', { engine, parameters: { 'rds.force_ssl': '1' } });
  const db = new rds.DatabaseInstance(stack, 'Database', {
    engine,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: new ec2.InstanceType('m7g.large'),
    multiAz: true,
    storageEncrypted: true,
    storageEncryptionKey: key,
    credentials: rds.Credentials.fromGeneratedSecret('postgres', { encryptionKey: key }),
    parameterGroup,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.SNAPSHOT,
  });
  db.connections.allowDefaultPortFrom(ec2.Peer.ipv4(CUSTOMER.peerCidrs[0]));
  return stack;
}

export function buildStack(kind: ServiceKind, app: App, id: string): Stack {
  return kind === 'rds' ? buildRdsStack(app, id) : buildTimescaleStack(app, id);
}
