import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { GuardedConnections, validatePrivateIngress } from './guarded-connections';
import { assertInRange } from '../../private/validation';
import { TimescaleServiceAttributes, TimescaleServiceBase } from '../timescale-service-base';

/** A service of another stack or app, referenced by its attributes. */
export class ImportedTimescaleService extends TimescaleServiceBase {
  public readonly serviceName: string;
  public readonly endpointAddress: string;
  public readonly endpointPort: number;
  public readonly caCertificateParameter: ssm.IStringParameter;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: TimescaleServiceAttributes) {
    super(scope, id);
    const what = `TimescaleService.fromServiceAttributes (${this.node.path})`;
    for (const name of ['serviceName', 'endpointAddress', 'caCertificateParameterName', 'securityGroupId'] as const) {
      if (!Token.isUnresolved(attrs[name]) && !attrs[name]) {
        throw new Error(`${what}: TimescaleServiceAttributes.${name} must not be empty; got '${attrs[name]}'. ` +
          'Pass the value the service\'s own stack has (TimescaleService.serviceName, endpointAddress, ' +
          'caCertificateParameter.parameterName, securityGroup.securityGroupId).');
      }
    }
    this.serviceName = attrs.serviceName;
    this.endpointAddress = attrs.endpointAddress;
    this.endpointPort = attrs.endpointPort ?? 5432;
    assertInRange('TimescaleServiceAttributes.endpointPort', this.endpointPort, 1, 65535);
    this.caCertificateParameter = ssm.StringParameter.fromStringParameterName(this, 'CaCertificate', attrs.caCertificateParameterName);
    // Mutable, so that `connections.allowFrom` adds the ingress rule in the referencing stack.
    this.securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId, { allowAllOutbound: false });
    this.connections = new GuardedConnections(`TimescaleService ${this.node.path}: connections`, {
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcp(this.endpointPort),
    });
    validatePrivateIngress(this, what, this.securityGroup, []);
  }
}
