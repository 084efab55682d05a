import { App, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  DataResidency, DataResidencyChecks, EvidenceReport, PackageSource, ServiceNetwork, TimescaleCloudSecurityChecks, TimescaleService,
} from '../lib';
import { acknowledgeReferenceFindings } from './acknowledgments';

/** Sample values: the reference deployment synthesizes offline, with no lookups and no account. */
export const SAMPLE = {
  serviceName: 'timescale-reference',
  zoneName: 'example.com',
  hostedZoneId: 'Z0123456789EXAMPLE',
  serverName: 'db.example.com',
  customer: { customerName: 'sample-customer', peerVpcId: 'vpc-0123456789abcdef0', peerCidrs: ['10.20.0.0/16'] },
  operatorRoleName: 'timescale-oncall',
  /** Receives session and tampering alerts (an email subscription waits for its confirmation). */
  alertEmail: 'timescale-alerts@example.com',
  /** A bucket in the deploying account holding PostgreSQL and TimescaleDB RPMs (mirrored from Timescale's repository). */
  packageBucketName: 'timescale-reference-packages',
};

export interface ReferenceDeployment {
  readonly app: App;
  readonly stack: Stack;
  readonly service: TimescaleService;
  readonly packs: NagPack[];
}

/**
 * The reference deployment: one TimescaleDB service in a new network without an internet gateway,
 * peered with one sample customer VPC, with audited operator access, EU data residency, and every
 * cdk-nag pack (cdk-nag's and this library's) attached so that any finding fails the synth.
 */
export function buildReferenceDeployment(app: App = new App()): ReferenceDeployment {
  const stack = new Stack(app, 'TimescaleReference', {
    description: 'TimescaleDB service with the Timescale Cloud security guarantees (cdk-timescale-security reference deployment)',
  });
  // Environment-agnostic: the region is enforced at deploy time by a CloudFormation rule.
  DataResidency.enforce(stack, { allowedRegions: DataResidency.EU, allowUnresolvedRegion: true });

  const service = new TimescaleService(stack, 'Timescale', {
    serviceName: SAMPLE.serviceName,
    serverName: SAMPLE.serverName,
    packageSource: PackageSource.s3Bucket(s3.Bucket.fromBucketName(stack, 'PackageMirror', SAMPLE.packageBucketName), 'el9/'),
    publicZone: route53.PublicHostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: SAMPLE.hostedZoneId,
      zoneName: SAMPLE.zoneName,
    }),
    customers: [SAMPLE.customer],
    operators: {
      operatorPrincipals: [
        iam.Role.fromRoleArn(stack, 'OnCallRole', `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${SAMPLE.operatorRoleName}`),
      ],
      alertEmails: [SAMPLE.alertEmail],
    },
  });

  const packs: NagPack[] = [
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new PCIDSS321Checks(app),
    new TimescaleCloudSecurityChecks(app, {
      allowedDatabaseCidrs: [ServiceNetwork.DEFAULT_CIDR, ...SAMPLE.customer.peerCidrs],
    }),
    new DataResidencyChecks(app, { allowedRegions: DataResidency.EU }),
  ];
  EvidenceReport.attach(app, { packs });
  acknowledgeReferenceFindings(service);
  return { app, stack, service, packs };
}
