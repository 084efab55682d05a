import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';

/**
 * A TimescaleDB service, defined in this app or referenced with `TimescaleService.fromServiceAttributes`.
 *
 * Its `connections` open the database port: they admit security groups and private CIDR blocks only (a
 * public range, `0.0.0.0/0` and prefix lists are refused). Reaching the port is not logging in: PostgreSQL
 * admits only the customers' networks and `allowedNetworks` (pg_hba.conf), over TLS with SCRAM.
 */
export interface ITimescaleService extends IConstruct, ec2.IConnectable {
  /** The service's name (`timescale:service` tag of its hosts). */
  readonly serviceName: string;

  /** The DNS name clients connect to, which the server certificate names (`sslmode=verify-full`). */
  readonly endpointAddress: string;

  /** The PostgreSQL port clients connect to. */
  readonly endpointPort: number;

  /** The SSM parameter that holds the CA certificate (PEM) clients verify the server against. */
  readonly caCertificateParameter: ssm.IStringParameter;

  /** The security group of the endpoint: it admits the database port from the allowed networks only. */
  readonly securityGroup: ec2.ISecurityGroup;

  /**
   * Lets `grantee` read the CA certificate parameter, to verify the server (`sslrootcert=`).
   */
  grantCaCertificateRead(grantee: iam.IGrantable): iam.Grant;
}

/**
 * What `TimescaleService.fromServiceAttributes` needs to reference a service of another stack or app.
 */
export interface TimescaleServiceAttributes {
  /** The service's name. */
  readonly serviceName: string;

  /** The DNS name clients connect to (`TimescaleService.endpointAddress`). */
  readonly endpointAddress: string;

  /**
   * The PostgreSQL port.
   *
   * @default 5432
   */
  readonly endpointPort?: number;

  /** The name of the SSM parameter holding the CA certificate (`TimescaleService.caCertificateParameter.parameterName`). */
  readonly caCertificateParameterName: string;

  /** The ID of the endpoint's security group (`TimescaleService.securityGroup.securityGroupId`). */
  readonly securityGroupId: string;
}

/**
 * What every `ITimescaleService` does, defined here or referenced.
 */
export abstract class TimescaleServiceBase extends Construct implements ITimescaleService {
  public abstract readonly serviceName: string;
  public abstract readonly endpointAddress: string;
  public abstract readonly endpointPort: number;
  public abstract readonly caCertificateParameter: ssm.IStringParameter;
  public abstract readonly securityGroup: ec2.ISecurityGroup;
  /** Access to the database port: security groups and private CIDR blocks only. */
  public abstract readonly connections: ec2.Connections;

  public grantCaCertificateRead(grantee: iam.IGrantable): iam.Grant {
    return this.caCertificateParameter.grantRead(grantee);
  }
}
