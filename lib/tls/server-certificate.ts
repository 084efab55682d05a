import * as path from 'path';
import { Annotations, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IDependable } from 'constructs';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { assertCertificateName } from './private/names';
import { ServiceSecret } from '../private/service-secret';

/** The key pair type of the server certificate. */
export enum CertificateKeyAlgorithm {
  /** ECDSA on NIST P-256: small, fast, supported by every current PostgreSQL client library. */
  EC_P256 = 'EC_P256',
  /** ECDSA on NIST P-384. */
  EC_P384 = 'EC_P384',
  /** RSA 2048-bit, for clients that cannot verify ECDSA certificates. */
  RSA_2048 = 'RSA_2048',
}

/** Options for a CA that the library creates and keeps in Secrets Manager. */
export interface SelfManagedCaOptions {
  /**
   * How long the CA certificate is valid. Server certificates are never issued past it; rotating
   * the CA means clients need the new CA certificate, so it is long-lived.
   *
   * @default - 3650 days (10 years)
   */
  readonly validity?: Duration;
}

/** Who signs the server certificate. */
export class CertificateSource {
  /**
   * The certificate is issued by your AWS Private CA (general-purpose mode), through `IssueCertificate`
   * with a CSR generated in the issuing function and the `EndEntityServerAuthCertificate/V1` template.
   * Clients verify it with your CA's root certificate.
   */
  public static privateCa(certificateAuthority: acmpca.ICertificateAuthority): CertificateSource {
    return new CertificateSource(certificateAuthority.certificateAuthorityArn, undefined);
  }

  /** Like `privateCa()`, for a CA known only by its ARN. */
  public static privateCaArn(certificateAuthorityArn: string): CertificateSource {
    return new CertificateSource(certificateAuthorityArn, undefined);
  }

  /**
   * A CA created at deploy time by a custom resource, with its key kept in Secrets Manager under the
   * secrets key. Costs nothing; clients trust it through the published CA certificate.
   */
  public static selfManagedCa(options: SelfManagedCaOptions = {}): CertificateSource {
    return new CertificateSource(undefined, options.validity ?? Duration.days(3650));
  }

  /** The AWS Private CA ARN; undefined for a self-managed CA. */
  public readonly certificateAuthorityArn?: string;
  /** The self-managed CA's validity; undefined for AWS Private CA. */
  public readonly caValidity?: Duration;

  private constructor(certificateAuthorityArn?: string, caValidity?: Duration) {
    this.certificateAuthorityArn = certificateAuthorityArn;
    this.caValidity = caValidity;
  }
}

/** Properties of a `ServerCertificate`. */
export interface ServerCertificateProps {
  /**
   * The DNS name clients connect to (`host=` in the connection string). It is the certificate's
   * common name and first subject alternative name, so `sslmode=verify-full` succeeds for it.
   * At most 64 characters (the X.509 common-name limit).
   */
  readonly serverName: string;

  /**
   * Further names (DNS names or IPv4 addresses) the certificate is valid for, for example the load
   * balancer's DNS name.
   *
   * @default - only `serverName`
   */
  readonly subjectAlternativeNames?: string[];

  /**
   * Who signs the certificate.
   *
   * @default - CertificateSource.selfManagedCa(): a CA created at deploy time, kept in Secrets Manager
   */
  readonly source?: CertificateSource;

  /**
   * Customer-managed KMS key that encrypts the secrets holding the private keys (server and CA).
   * AWS-managed keys are rejected.
   */
  readonly secretsKey: kms.IKey;

  /**
   * Customer-managed KMS key for the issuing function's log group.
   *
   * @default - the log group uses CloudWatch Logs' own encryption (not a customer-managed key)
   */
  readonly logsKey?: kms.IKey;

  /**
   * How long each issued certificate is valid. Must be whole days and longer than `renewBefore`.
   *
   * @default Duration.days(365)
   */
  readonly validity?: Duration;

  /**
   * The renewal window: a daily check reissues the certificate once it expires in less than this.
   * Must be whole days, at least 2, so at least one daily check falls inside the window with a day to spare.
   *
   * @default Duration.days(30)
   */
  readonly renewBefore?: Duration;

  /**
   * The server key pair type.
   *
   * @default CertificateKeyAlgorithm.EC_P256
   */
  readonly keyAlgorithm?: CertificateKeyAlgorithm;

  /**
   * Run the issuing function in this VPC. The subnets need VPC endpoints for Secrets Manager (and
   * ACM PCA when the source is a Private CA) and an S3 gateway endpoint, which carries the reply to
   * CloudFormation's pre-signed S3 URL.
   *
   * @default - the function runs outside any VPC, reaching AWS APIs over TLS
   */
  readonly vpc?: ec2.IVpc;

  /**
   * What the issuer needs before CloudFormation first invokes it: with `vpc`, the VPC endpoints of the
   * services it calls (the Secrets Manager interface endpoint, the S3 gateway endpoint that carries
   * its reply to CloudFormation, and the ACM PCA interface endpoint with a Private CA). The custom
   * resource depends on each, so the first issue does not run before it can reach them.
   *
   * @default - no dependencies beyond the issuer's own role and policy
   */
  readonly issuerDependencies?: IDependable[];

  /**
   * Subnets for the issuing function when `vpc` is given.
   *
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Name of the SSM parameter that publishes the CA certificate.
   *
   * @default - a name generated by CloudFormation
   */
  readonly caCertificateParameterName?: string;

  /**
   * Topic notified when the issuing function fails (a certificate that may not renew in time).
   *
   * @default - the alarm has no action; add one with `issuerErrorsAlarm.addAlarmAction()`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Retention of the issuing function's logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const DEFAULT_VALIDITY_DAYS = 365;
const DEFAULT_RENEW_BEFORE_DAYS = 30;
const MAX_VALIDITY_DAYS = 3650;
const MIN_RENEW_BEFORE_DAYS = 2;
const PRIVATE_CA_TEMPLATE = 'template/EndEntityServerAuthCertificate/V1';

/**
 * The PostgreSQL server's TLS certificate and private key, kept in Secrets Manager under a
 * customer-managed key, issued and renewed at deploy time and on a daily schedule.
 *
 * The private key is generated inside the issuing Lambda function and written only to the secret:
 * it is never in the template, user data, logs or outputs. CloudFormation receives the CA
 * certificate, the serial number and the expiry, all public.
 *
 * Secret contract (`certificateSecret`, JSON): `certificate` (PEM, the server certificate followed by
 * any intermediate CA certificates, for `ssl_cert_file`), `privateKey` (PKCS#8 PEM, for `ssl_key_file`)
 * and `caCertificate` (PEM, the root clients trust).
 *
 * Renewal: an EventBridge rule invokes the function daily; it reissues when the certificate expires
 * within `renewBefore`, and puts the new version into the same secret (the ARN does not change). The
 * host must then rewrite `ssl_cert_file`/`ssl_key_file` from the secret and run `pg_ctl reload`
 * (or `SELECT pg_reload_conf()`): PostgreSQL re-reads its TLS files on reload, without dropping
 * connections. The host owner wires this, for example with a daily systemd timer or SSM State Manager
 * association, or with an EventBridge rule on the CloudTrail `PutSecretValue` event for this secret.
 * Since the window is at least two days, a daily host refresh always installs the new certificate
 * before the old one expires.
 *
 * Until the custom resource has run, the secret holds a random placeholder: make the database host
 * depend on this construct (`host.node.addDependency(certificate)`) so it first boots with the certificate.
 *
 * In a VPC, the issuing function needs interface endpoints for Secrets Manager (and ACM PCA with a
 * Private CA) and an S3 gateway endpoint for its reply to CloudFormation; pass them as
 * `issuerDependencies` so that the first issue waits for them. Runs may overlap (a deployment and the
 * daily renewal): each writes a complete certificate, key and CA certificate in one secret version,
 * so the last one wins and readers never see a mismatched pair.
 */
export class ServerCertificate extends Construct {
  /** The JSON field of `certificateSecret` holding the certificate chain (PEM). */
  public static readonly CERTIFICATE_FIELD = 'certificate';
  /** The JSON field of `certificateSecret` holding the private key (PKCS#8 PEM). */
  public static readonly PRIVATE_KEY_FIELD = 'privateKey';
  /** The JSON field of `certificateSecret` holding the CA certificate (PEM). */
  public static readonly CA_CERTIFICATE_FIELD = 'caCertificate';

  /** The secret with the server certificate and private key (see the class documentation for its fields). */
  public readonly certificateSecret: secretsmanager.ISecret;
  /** The secret with the self-managed CA's certificate and private key; undefined with AWS Private CA. Grant it to nobody. */
  public readonly caSecret?: secretsmanager.ISecret;
  /** The CA certificate (PEM) that clients put in `sslrootcert` for `sslmode=verify-full`. A deploy-time token. */
  public readonly caCertificatePem: string;
  /** The SSM parameter publishing the CA certificate. */
  public readonly caCertificateParameter: ssm.IStringParameter;
  /** The DNS name the certificate is issued for. */
  public readonly serverName: string;
  /** When the certificate issued at the last deployment expires (ISO 8601). A deploy-time token. */
  public readonly notAfter: string;
  /** The function that issues and renews the certificate. */
  public readonly issuer: lambda.IFunction;
  /** The daily rule that triggers renewal. */
  public readonly renewalRule: events.IRule;
  /** Alarms when the issuing function fails (a renewal that did not happen). Add an action to be notified. */
  public readonly issuerErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ServerCertificateProps) {
    super(scope, id);
    assertCustomerManagedKey(props.secretsKey, 'ServerCertificateProps.secretsKey');
    assertCustomerManagedKey(props.logsKey, 'ServerCertificateProps.logsKey');
    assertCertificateName('ServerCertificateProps.serverName', props.serverName);
    if (!Token.isUnresolved(props.serverName) && props.serverName.length > 64) {
      throw new Error(
        `ServerCertificateProps.serverName must be at most 64 characters (the X.509 common-name limit); got '${props.serverName}' ` +
        `(${props.serverName.length} characters). Use a shorter service DNS name, or a CNAME to it.`,
      );
    }
    (props.subjectAlternativeNames ?? []).forEach((name, i) => assertCertificateName(`ServerCertificateProps.subjectAlternativeNames[${i}]`, name));

    const validityDays = wholeDays('ServerCertificateProps.validity', props.validity, DEFAULT_VALIDITY_DAYS);
    const renewBeforeDays = wholeDays('ServerCertificateProps.renewBefore', props.renewBefore, DEFAULT_RENEW_BEFORE_DAYS);
    if (validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
      throw new Error(`ServerCertificateProps.validity must be from 1 to ${MAX_VALIDITY_DAYS} days; got ${validityDays} days.`);
    }
    if (renewBeforeDays < MIN_RENEW_BEFORE_DAYS) {
      throw new Error(
        `ServerCertificateProps.renewBefore must be at least ${MIN_RENEW_BEFORE_DAYS} days; got ${renewBeforeDays} days. ` +
        'Renewal is checked daily, so a shorter window could be missed. Use Duration.days(30) (the default) or another value of 2 days or more.',
      );
    }
    if (validityDays <= renewBeforeDays) {
      throw new Error(
        `ServerCertificateProps.validity (${validityDays} days) must be longer than the renewal window renewBefore (${renewBeforeDays} days); ` +
        'otherwise every certificate is due for renewal the moment it is issued. ' +
        'Raise validity or lower renewBefore, for example validity Duration.days(365) with renewBefore Duration.days(30).',
      );
    }
    const source = props.source ?? CertificateSource.selfManagedCa();
    const caValidityDays = source.caValidity ? wholeDays('SelfManagedCaOptions.validity', source.caValidity, 3650) : undefined;
    if (caValidityDays !== undefined && caValidityDays <= validityDays) {
      throw new Error(
        `SelfManagedCaOptions.validity (${caValidityDays} days) must be longer than ServerCertificateProps.validity (${validityDays} days): ` +
        'a server certificate cannot outlive the CA that signed it. Raise the CA validity (default 3650 days).',
      );
    }

    this.serverName = props.serverName;
    const subjectAlternativeNames = unique([props.serverName, ...(props.subjectAlternativeNames ?? [])]);

    // Both secrets start with a random placeholder that the function replaces; stateful, so retained.
    const certificateSecret = new ServiceSecret(this, 'Secret', {
      description: `TLS certificate and private key of the PostgreSQL server ${props.serverName} (fields: certificate, privateKey, caCertificate)`,
      encryptionKey: props.secretsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.certificateSecret = certificateSecret;
    let caSecret: ServiceSecret | undefined;
    if (!source.certificateAuthorityArn) {
      caSecret = new ServiceSecret(this, 'CaSecret', {
        description: `Self-managed CA certificate and private key for ${props.serverName} (fields: certificate, privateKey)`,
        encryptionKey: props.secretsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.caSecret = caSecret;
    }

    const logGroup = new logs.LogGroup(this, 'IssuerLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'IssuerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Issues and renews the TLS certificate of ${props.serverName}`,
    });
    // A customer-managed policy rather than an inline one, so it can be reviewed and reused on its own.
    const issuerPolicy = new iam.ManagedPolicy(this, 'IssuerPolicy', {
      description: `Least privilege for the certificate issuer of ${props.serverName}`,
      statements: this.issuerStatements(
        logGroup, certificateSecret, caSecret, props.secretsKey, source.certificateAuthorityArn, props.vpc !== undefined,
      ),
      roles: [role],
    });
    // The issuer is the secrets' only writer, and must be named where IAM alone cannot let it in:
    // the secrets' resource policies and the secrets key's policy.
    certificateSecret.permitWriter(role);
    caSecret?.permitWriter(role);
    props.secretsKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [role],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
    }));

    let securityGroups: ec2.ISecurityGroup[] | undefined;
    if (props.vpc) {
      const securityGroup = new ec2.SecurityGroup(this, 'IssuerSecurityGroup', {
        vpc: props.vpc,
        description: 'Certificate issuer: HTTPS to AWS API endpoints only',
        allowAllOutbound: false,
      });
      // Interface endpoints are in the VPC and the S3 gateway endpoint uses S3's public ranges, so the
      // destination is any address, on 443 only; isolated subnets have no route beyond the endpoints.
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS API endpoints');
      securityGroups = [securityGroup];
    }

    const issuer = new lambda.Function(this, 'Issuer', {
      description: `Issues and renews the TLS certificate of ${props.serverName}; keys go only to Secrets Manager`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'certificate-handler')),
      role,
      logGroup,
      // RSA key generation and a Private CA round trip fit comfortably.
      timeout: Duration.minutes(2),
      memorySize: 512,
      // No reserved concurrency: it fails in accounts with the new-account quota (10, all kept
      // unreserved). Overlapping runs are harmless: the schedule is daily and starts only after the
      // first issue, and each run writes certificate, key and CA certificate in one PutSecretValue.
      retryAttempts: 2,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : undefined,
      securityGroups,
    });
    // Lambda checks the network-interface permissions when it creates a function in a VPC.
    issuer.node.addDependency(issuerPolicy);
    this.issuer = issuer;

    const config: { [key: string]: unknown } = {
      CertificateSecretArn: certificateSecret.secretArn,
      ServerName: props.serverName,
      SubjectAlternativeNames: subjectAlternativeNames,
      ValidityDays: validityDays,
      RenewBeforeDays: renewBeforeDays,
      KeyAlgorithm: props.keyAlgorithm ?? CertificateKeyAlgorithm.EC_P256,
    };
    if (source.certificateAuthorityArn) {
      config.CertificateAuthorityArn = source.certificateAuthorityArn;
    } else {
      config.CaSecretArn = caSecret!.secretArn;
      config.CaValidityDays = caValidityDays;
    }

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: issuer.functionArn,
      resourceType: 'Custom::TimescaleServerCertificate',
      properties: config,
      // If the function dies before answering, fail the deployment in minutes rather than CloudFormation's hour.
      serviceTimeout: Duration.minutes(5),
    });
    // The function must have its permissions, and its network path to the APIs it calls, before
    // CloudFormation invokes it.
    resource.node.addDependency(role, issuerPolicy, ...props.issuerDependencies ?? []);
    this.caCertificatePem = resource.getAttString('CaCertificatePem');
    this.notAfter = resource.getAttString('NotAfter');

    const rule = new events.Rule(this, 'RenewalSchedule', {
      description: `Daily renewal check of the TLS certificate of ${props.serverName}`,
      schedule: events.Schedule.rate(Duration.days(1)),
    });
    rule.addTarget(new eventsTargets.LambdaFunction(issuer, {
      event: events.RuleTargetInput.fromObject({ renewal: config }),
      retryAttempts: 3,
    }));
    rule.node.addDependency(resource);
    this.renewalRule = rule;

    this.issuerErrorsAlarm = new cloudwatch.Alarm(this, 'IssuerErrors', {
      alarmDescription: `The certificate issuer for ${props.serverName} failed: the certificate may not renew before it expires.`,
      metric: issuer.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.issuerErrorsAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
    }

    this.caCertificateParameter = new ssm.StringParameter(this, 'CaCertificateParameter', {
      parameterName: props.caCertificateParameterName,
      description: `CA certificate (PEM) for sslmode=verify-full connections to ${props.serverName}`,
      stringValue: this.caCertificatePem,
    });
    new CfnOutput(this, 'CaCertificate', {
      description: `CA certificate (PEM) for sslmode=verify-full connections to ${props.serverName}; save it as the sslrootcert file`,
      value: this.caCertificatePem,
    });

    if (!props.vpc) {
      Annotations.of(this).addInfo(
        'The certificate issuer runs outside a VPC; it only calls AWS APIs over TLS. Pass `vpc` to run it in isolated subnets.',
      );
    }
  }

  /** Grants read access to the certificate and private key, for the database host (and nothing else). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.certificateSecret.grantRead(grantee);
  }

  private issuerStatements(
    logGroup: logs.ILogGroup,
    certificateSecret: secretsmanager.ISecret,
    caSecret: secretsmanager.ISecret | undefined,
    secretsKey: kms.IKey,
    certificateAuthorityArn: string | undefined,
    inVpc: boolean,
  ): iam.PolicyStatement[] {
    const statements: iam.PolicyStatement[] = [];
    const secretArns = [certificateSecret.secretArn, ...(caSecret ? [caSecret.secretArn] : [])];
    statements.push(new iam.PolicyStatement({
      sid: 'ReadAndWriteTheCertificateSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      resources: secretArns,
    }));
    // The secrets key only through Secrets Manager, in this account and region.
    statements.push(new iam.PolicyStatement({
      sid: 'UseTheSecretsKeyThroughSecretsManager',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [secretsKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
      },
    }));
    statements.push(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
    }));
    if (certificateAuthorityArn) {
      statements.push(new iam.PolicyStatement({
        sid: 'IssueServerCertificatesOnly',
        actions: ['acm-pca:IssueCertificate'],
        resources: [certificateAuthorityArn],
        conditions: { ArnLike: { 'acm-pca:TemplateArn': `arn:${Stack.of(this).partition}:acm-pca:::${PRIVATE_CA_TEMPLATE}` } },
      }));
      statements.push(new iam.PolicyStatement({
        sid: 'ReadIssuedCertificates',
        actions: ['acm-pca:GetCertificate', 'acm-pca:DescribeCertificateAuthority'],
        resources: [certificateAuthorityArn],
      }));
    }
    if (inVpc) {
      // Lambda manages the function's network interfaces with the function's role; these actions have no resource-level scope.
      statements.push(new iam.PolicyStatement({
        sid: 'ManageVpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }));
    }
    return statements;
  }
}

function wholeDays(what: string, value: Duration | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (value.isUnresolved()) {
    throw new Error(`${what} must be a concrete duration in days; got an unresolved token. Use Duration.days(n).`);
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days)) {
    throw new Error(`${what} must be a whole number of days; got ${value.toHumanString()}. Use Duration.days(n).`);
  }
  return days;
}

function unique(values: string[]): string[] {
  return values.filter((value, index) => values.indexOf(value) === index);
}
