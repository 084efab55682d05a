import { Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { OperatorAccess } from './operator-access';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { assertInRange } from '../private/validation';

/**
 * Properties of an `OperatorBastion`.
 */
export interface OperatorBastionProps {
  /** The VPC the bastion runs in (the database's VPC). */
  readonly vpc: ec2.IVpc;

  /**
   * Where the bastion runs. Public subnets are refused: the bastion has no public address and is
   * reached through Session Manager only. The subnets need a route to the Systems Manager, KMS,
   * CloudWatch Logs and S3 endpoints (VPC endpoints in an isolated subnet).
   *
   * @default - the VPC's PRIVATE_ISOLATED subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /** The operator access whose role, session document and logging cover the bastion. */
  readonly operatorAccess: OperatorAccess;

  /**
   * The customer-managed KMS key that encrypts the bastion's root volume (for example
   * `ServiceKeys.dataKey`).
   */
  readonly volumeKey: kms.IKey;

  /** The database the bastion forwards to; it is allowed to reach it on `databasePort`. */
  readonly database: ec2.IConnectable;

  /**
   * The database's port.
   *
   * @default 5432
   */
  readonly databasePort?: number;

  /**
   * The bastion's instance type. The image (Amazon Linux 2023) follows its architecture.
   *
   * @default t4g.nano
   */
  readonly instanceType?: ec2.InstanceType;
}

/**
 * A hardened bastion host for teams that must have one: reached through Session Manager only, with
 * the same logged session document and operator role as the database hosts, and able to forward a
 * port to the database.
 *
 * No public address, no key pair, no inbound rule; IMDSv2 required with a hop limit of 1; the root
 * volume encrypted with a customer-managed key; tagged `timescale:service` so that the operator
 * role's sessions reach it, and `timescale:role` = `bastion`.
 *
 * Port forwarding to the database, from an operator's machine, as the operator access's
 * `portForwardingRole` (the shell role cannot forward ports, so port forwarding never reaches a
 * database host itself):
 *
 * ```sh
 * aws ssm start-session --target <bastion instance id> \
 *   --document-name AWS-StartPortForwardingSessionToRemoteHost \
 *   --parameters '{"host":["<database address>"],"portNumber":["5432"],"localPortNumber":["15432"]}'
 * psql "host=<database DNS name> hostaddr=127.0.0.1 port=15432 sslmode=verify-full ..."
 * ```
 *
 * TLS still ends at PostgreSQL (`host` names the server for certificate verification, `hostaddr`
 * reaches the forwarded port), and the operator still needs a database role, which only a customer
 * approval creates. Session Manager does not record the traffic of port-forwarding sessions; their
 * start and end are in CloudTrail and raise the session alert, and the statements are in pgaudit.
 */
export class OperatorBastion extends Construct {
  /** The bastion instance. */
  public readonly instance: ec2.IInstance;
  /** The bastion's role. */
  public readonly role: iam.IRole;
  /** The bastion's security group: no inbound rules. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The Session document to use for port forwarding. */
  public readonly portForwardingDocumentName: string = OperatorAccess.PORT_FORWARDING_DOCUMENT;

  constructor(scope: Construct, id: string, props: OperatorBastionProps) {
    super(scope, id);
    assertCustomerManagedKey(props.volumeKey, 'OperatorBastionProps.volumeKey');
    const port = props.databasePort ?? 5432;
    assertInRange('OperatorBastionProps.databasePort', port, 1, 65535);
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    assertNotPublic(props.vpc, vpcSubnets);

    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO);
    const cpuType = instanceType.architecture === ec2.InstanceArchitecture.ARM_64
      ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Operator bastion: no inbound rules (Session Manager only); HTTPS to AWS endpoints and the database port out.',
      allowAllOutbound: false,
    });
    // In an isolated subnet HTTPS reaches only the VPC endpoints (interface and S3 gateway, whose
    // addresses are public and not known at synthesis).
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS service endpoints (SSM, KMS, CloudWatch Logs, S3)');

    const role = new iam.Role(this, 'Role', {
      description: 'Operator bastion: Session Manager agent and session logging only.',
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role = role;
    props.operatorAccess.grantHostLogging(role);

    const userData = ec2.UserData.forLinux();
    userData.addCommands('set -euo pipefail', ...props.operatorAccess.operatorUserCommands());

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets,
      instanceType,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType }),
      securityGroup: this.securityGroup,
      role,
      userData,
      associatePublicIpAddress: false,
      httpEndpoint: true,
      httpTokens: ec2.HttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      blockDevices: [{
        // Amazon Linux 2023's root device.
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(8, {
          encrypted: true,
          kmsKey: props.volumeKey,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      }],
    });
    Tags.of(this.instance).add(OperatorAccess.SERVICE_TAG_KEY, props.operatorAccess.serviceName);
    Tags.of(this.instance).add(OperatorAccess.HOST_ROLE_TAG_KEY, 'bastion');

    props.database.connections.allowFrom(this.securityGroup, ec2.Port.tcp(port), 'Operator bastion port forwarding to the database');
    props.operatorAccess.allowPortForwarding(this.instance);
  }
}

function assertNotPublic(vpc: ec2.IVpc, selection: ec2.SubnetSelection): void {
  const publicSelection = selection.subnetType === ec2.SubnetType.PUBLIC;
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId).filter((s) => !Token.isUnresolved(s)));
  let selected: ec2.SelectedSubnets | undefined;
  try {
    selected = vpc.selectSubnets(selection);
  } catch {
    selected = undefined; // an empty selection is reported by ec2.Instance itself
  }
  const hasPublic = selected !== undefined && (selected.hasPublic
    || selected.subnets.some((s) => publicIds.has(s.subnetId) || vpc.publicSubnets.includes(s)));
  if (publicSelection || hasPublic) {
    throw new Error(
      `OperatorBastionProps.vpcSubnets must select private or isolated subnets; got a selection of public subnets (${JSON.stringify({ subnetType: selection.subnetType, subnetGroupName: selection.subnetGroupName })}). ` +
      'The bastion has no public address and is reached through Session Manager only. ' +
      'Pass { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } (with VPC endpoints for SSM) or leave vpcSubnets unset.',
    );
  }
}
