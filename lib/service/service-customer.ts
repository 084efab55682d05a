import { Aws, CfnRule, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DatabaseHost } from '../host';
import { CustomerPeering, CustomerPeeringOptions, ServiceNetwork } from '../network';
import { CustomerAccess, PgHbaAccess } from '../postgres';
import { ServiceSecret } from '../private/service-secret';

/**
 * A customer of a `TimescaleService`: the peering to its VPC, and its own database and roles.
 */
export interface ServiceCustomerOptions extends CustomerPeeringOptions {
  /**
   * The customer's database, and the prefix of its roles (`<name>_admin`, `<name>_login`): a
   * PostgreSQL identifier of lower-case letters, digits and `_`, starting with a letter, at most 40
   * characters.
   *
   * @default - `customerName` in lower case, with every character other than a letter or digit
   * replaced by `_` (for example 'Acme Corp.' becomes 'acme_corp_')
   */
  readonly databaseName?: string;

  /**
   * The AWS account that may read the customer admin's credentials secret (the secret's resource
   * policy, and decryption through Secrets Manager in the secrets key's policy), so the customer
   * can fetch them in its own account.
   *
   * @default - only principals of this account that are granted read (none by the service)
   */
  readonly adminSecretReaderAccount?: string;
}

/**
 * Properties of a `ServiceCustomer`.
 */
export interface ServiceCustomerProps extends ServiceCustomerOptions {
  /** The service network the customer is peered with. */
  readonly network: ServiceNetwork;
  /** The database host that holds the customer's database. */
  readonly host: DatabaseHost;
  /** The security group that admits the database port from the customer's CIDR blocks. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  /** The customer-managed key that encrypts the admin's credentials secret. */
  readonly secretsKey: kms.IKey;
  /** The DNS name clients connect to, written into the credentials secret. */
  readonly serverName: string;
}

/**
 * One customer of a TimescaleDB service: a VPC peering, and a database of its own with an admin role
 * that is not a superuser.
 *
 * The admin (`<name>_admin`) owns the customer's database and may create schemas, tables and
 * hypertables (and, on PostgreSQL 16 and later, roles, which it can admit through `<name>_login`); it
 * has no superuser, replication or BYPASSRLS attribute, no server-file or server-program role, and no
 * `ALTER SYSTEM`. `pg_hba.conf` admits the customer's CIDR blocks to the customer's databases only,
 * as members of `<name>_login` only, over TLS with SCRAM. The admin's password is generated in
 * Secrets Manager under the secrets key and set by the host at boot and on every reconfiguration.
 */
export class ServiceCustomer extends Construct {
  /**
   * The database a customer gets: `databaseName`, or `customerName` in lower case with every
   * character other than a letter or digit replaced by `_` ('Acme Corp.' becomes 'acme_corp_').
   */
  public static databaseNameOf(options: ServiceCustomerOptions): string {
    if (options.databaseName !== undefined) {
      return options.databaseName;
    }
    const name = options.customerName.toLowerCase().replace(/[^a-z0-9]/g, '_');
    if (!/^[a-z]/.test(name) || name.length > 40) {
      throw new Error(`ServiceCustomerOptions.databaseName cannot be derived from customerName '${options.customerName}': it must start ` +
        'with a letter and be at most 40 characters. Pass databaseName, a PostgreSQL identifier such as \'acme\'.');
    }
    return name;
  }

  /** The VPC peering to the customer's network. */
  public readonly peering: CustomerPeering;
  /** The customer's databases. */
  public readonly databases: string[];
  /** The customer's admin role: owns the databases, is not a superuser. */
  public readonly adminRole: string;
  /** The NOLOGIN role whose members may log in from the customer's networks. */
  public readonly loginGroup: string;
  /** JSON credentials of the admin role: `username`, `password`, `host`, `port`, `dbname`. */
  public readonly adminSecret: secretsmanager.ISecret;
  /** The pg_hba.conf access of this customer: its CIDR blocks, its databases, its roles. */
  public readonly hbaAccess: PgHbaAccess;

  private readonly secret: ServiceSecret;

  constructor(scope: Construct, id: string, props: ServiceCustomerProps) {
    super(scope, id);
    const name = ServiceCustomer.databaseNameOf(props);
    const names = CustomerAccess.roleNames(name);
    this.databases = names.databases;
    this.adminRole = names.adminRole;
    this.loginGroup = names.loginGroup;
    const sql = CustomerAccess.renderSql({ customer: name });

    // 'Default' keeps the peering's logical IDs as they were before customers had databases, so an
    // upgrade never replaces a live peering connection.
    this.peering = new CustomerPeering(this, 'Default', {
      ...props,
      databaseSecurityGroup: props.databaseSecurityGroup,
      databasePort: props.host.port,
    });
    this.hbaAccess = CustomerAccess.pgHbaAccess(name, [...props.peerCidrs]);

    const secret = new ServiceSecret(this, 'AdminSecret', {
      description: `TimescaleDB credentials of customer '${props.customerName}' (role ${this.adminRole}, not a superuser)`,
      encryptionKey: props.secretsKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: this.adminRole, dbname: name, host: props.serverName, port: props.host.port }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.adminSecret = secret;
    this.secret = secret;
    if (props.adminSecretReaderAccount !== undefined) {
      this.grantReadToAccount(secret, props.secretsKey, props.adminSecretReaderAccount);
    }

    props.host.addSqlScript({
      name: `customer-${name.replace(/_/g, '-')}`,
      sql,
      secretVariables: [{ name: 'admin_password', secret, jsonField: 'password' }],
    });
  }

  /**
   * Lets `grantee`, a principal of the customer's own account, read the admin's credentials: the secret's
   * resource policy names it, and the secrets key's policy lets it decrypt through Secrets Manager only.
   *
   * In the service's own account only the host reads a customer's credentials (G8, checked by
   * `DatabaseCredentialsReadOnlyByHost`). So the grantee's account must be written in the app (an ARN
   * with its 12-digit account, for example `iam.Role.fromRoleArn(this, 'App', 'arn:aws:iam::<customer
   * account>:role/app')`), and it is refused when it is the stack's account; in an environment-agnostic
   * stack a template rule refuses deployment into that account. The customer's account must also allow
   * the principal `secretsmanager:GetSecretValue` on the secret and `kms:Decrypt` on the secrets key in IAM.
   */
  public grantCredentialsRead(grantee: iam.IGrantable): iam.Grant {
    const account = literalAccountOf(grantee.grantPrincipal, Stack.of(this));
    if (account === undefined) {
      throw new Error(`ServiceCustomer ${this.node.path}: grantCredentialsRead needs a principal whose account is written in the app, ` +
        `so that it can be seen not to be the service's own; got ${grantee.grantPrincipal}. Grant a role of the customer's account by ` +
        'its ARN, with the 12-digit account written out (iam.Role.fromRoleArn(this, \'App\', \'arn:aws:iam::<customer account>:role/app\')), ' +
        'or let the whole account read with ServiceCustomerOptions.adminSecretReaderAccount.');
    }
    this.refuseOwnAccount(account, `grantCredentialsRead refuses ${grantee.grantPrincipal}, a principal of account ${account}`);
    return this.secret.grantRead(grantee);
  }

  /**
   * In the service's own account only the database host reads a customer's credentials (G8). An
   * environment-agnostic stack learns its account at deploy time: a template rule refuses the
   * deployment there.
   */
  private refuseOwnAccount(account: string, what: string): void {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.account)) {
      if (stack.account === account) {
        throw new Error(`ServiceCustomer ${this.node.path}: ${what}, the service's own account: there only the database host ` +
          'reads a customer\'s credentials (G8). Grant a principal of the customer\'s account.');
      }
      return;
    }
    const id = `ReaderNotInServiceAccount${account}`;
    if (!this.node.tryFindChild(id)) {
      new CfnRule(this, id, {
        assertions: [{
          assert: Fn.conditionNot(Fn.conditionEquals(Aws.ACCOUNT_ID, account)),
          assertDescription: `Customer ${this.node.path}'s credentials are readable by account ${account}, which must not be the ` +
            'account this stack deploys into: there only the database host reads them.',
        }],
      });
    }
  }

  private grantReadToAccount(secret: secretsmanager.Secret, key: kms.IKey, account: string): void {
    if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) {
      throw new Error(`ServiceCustomerOptions.adminSecretReaderAccount must be a 12-digit AWS account id; got '${account}' ` +
        `(customer ${this.node.path}).`);
    }
    if (!Token.isUnresolved(account)) {
      this.refuseOwnAccount(account, `adminSecretReaderAccount ${account} is`);
    }
    const reader = new iam.AccountPrincipal(account);
    secret.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CustomerAccountReadsAdminCredentials',
      principals: [reader],
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: ['*'],
    }));
    key.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, reader));
  }
}

/**
 * The one account a principal belongs to, read from what it renders: its account or its ARNs, written
 * out as 12 digits. Undefined when any of it is only known at deploy time, names no account (a service,
 * a federated or a canonical user) or names more than one.
 */
function literalAccountOf(principal: iam.IPrincipal, stack: Stack): string | undefined {
  const accounts = new Set<string>();
  if (principal.principalAccount !== undefined) {
    const account = stack.resolve(principal.principalAccount);
    if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
      return undefined;
    }
    accounts.add(account);
  }
  const json = stack.resolve(principal.policyFragment.principalJson) as { [kind: string]: unknown };
  if (Object.keys(json).some((kind) => kind !== 'AWS')) {
    return undefined;
  }
  for (const entry of ([] as unknown[]).concat(json.AWS ?? [])) {
    const match = typeof entry === 'string' ? /^(\d{12})$|^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(entry) : null;
    if (!match) {
      return undefined;
    }
    accounts.add(match[1] ?? match[2]);
  }
  return accounts.size === 1 ? [...accounts][0] : undefined;
}
