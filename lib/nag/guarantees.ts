import { RuleInfo } from './evidence';
import { DATA_RESIDENCY_PACK, DATA_RESIDENCY_RULES, TIMESCALE_CLOUD_SECURITY_PACK, TIMESCALE_CLOUD_SECURITY_RULES } from './rules';

/** One promise of the Timescale Cloud security document, and the rules that prove it. */
export interface Guarantee {
  /** `G1`..`G8`. */
  readonly id: string;
  /** Short name, e.g. `at-rest`. */
  readonly name: string;
  /** The sentences of the source document the guarantee comes from (link markup removed). */
  readonly sourceSentences: string[];
  /** What the guarantee means in a stack. */
  readonly meaning: string;
  /** Ids of the rules that prove it, across all packs of this library. */
  readonly ruleIds: string[];
}

interface GuaranteeText {
  readonly id: string;
  readonly name: string;
  readonly sourceSentences: string[];
  readonly meaning: string;
}

/** Source: "Timescale Cloud security" (docs page `security`), sentences verbatim. */
const TEXTS: GuaranteeText[] = [
  {
    id: 'G1',
    name: 'at-rest',
    sourceSentences: [
      'Both active databases and backups are encrypted.',
      'Your Timescale Cloud data is encrypted both in transit and at rest.',
      'Data encryption uses the industry-standard AES-256 algorithm.',
      'Cryptographic keys are managed by AWS Key Management Service (AWS KMS).',
    ],
    meaning: 'Every EBS volume (launch templates of Auto Scaling groups included), backup vault, bucket, log group, secret and topic, and any other ' +
      'data store (RDS and Aurora with Performance Insights, EFS, DynamoDB, OpenSearch, Redshift, ElastiCache, MSK, Kinesis, SQS), ' +
      'is encrypted with a customer-managed KMS key; rotation on; keys retained; ' +
      'only the principals a key policy names may use the key or create grants on it.',
  },
  {
    id: 'G2',
    name: 'keys-never-plaintext',
    sourceSentences: ['Keys are never stored in plaintext.'],
    meaning: 'No key material, private key or password in a template or user data; secrets are generated in Secrets Manager, fetched at boot, ' +
      'and a resource policy denies reading them to every principal but the named ones; no secret in Lambda or ECS environments, ' +
      '.pgpass or PGPASSWORD, String SSM parameters, NoEcho parameter defaults or Mappings.',
  },
  {
    id: 'G3',
    name: 'in-transit',
    sourceSentences: [
      'Customer access to Timescale Cloud services is only provided over TLS-encrypted connections.',
      'There is no option for using unencrypted plaintext connections.',
    ],
    meaning: 'PostgreSQL refuses non-TLS connections and TLS below 1.2; TLS listeners use modern policies; buckets deny non-TLS requests; ' +
      'pg_hba.conf rejects plaintext first and has no trust/ident/password/md5 network line, every conf file, include and boot SQL keeps ' +
      'TLS on with no weak cipher suite.',
  },
  {
    id: 'G4',
    name: 'no-public-access',
    sourceSentences: [
      'When using VPC peering, no public Internet-based access is provided to the services.',
      'Service addresses are published in public DNS, but they can only be connected to from the customer\'s peered VPC using private network addresses.',
    ],
    meaning: 'Isolated subnets, no internet gateway, no public IPs, internal load balancers; ingress only from the peered customer networks; ' +
      'the database host sends only to named destinations, and the S3 endpoint admits only named buckets or accounts; ' +
      'no Elastic IP, NAT default route or Global Accelerator endpoint reaches a database host.',
  },
  {
    id: 'G5',
    name: 'automated-lifecycle',
    sourceSentences: [
      'Normally all the resources required for providing Timescale Cloud services are automatically created, maintained and terminated by the Timescale Cloud infrastructure.',
      'No manual operator intervention is required.',
    ],
    meaning: 'Stateful data survives replacement and stack deletion (retained or snapshotted), so automation can never lose it.',
  },
  {
    id: 'G6',
    name: 'operator-audit',
    sourceSentences: [
      'These accesses are audit logged.',
      'However, the Timescale Cloud Operations Team has the capability to securely log in to the service Virtual Machines for troubleshooting purposes.',
    ],
    meaning: 'Operators enter only through Session Manager with a logging session document (every configured destination encrypted); ' +
      'CloudTrail is logging, records every management event, read and write, and validates and encrypts its logs; ' +
      'audit buckets keep every version under object lock, and alerts fire on calls that read secrets or silence the audit.',
  },
  {
    id: 'G7',
    name: 'no-customer-vm-access',
    sourceSentences: ['No customer access to the virtual machine level is provided.'],
    meaning: 'No SSH key pairs, no inbound SSH/RDP, no grant of StartSession / SendCommand / Instance Connect / serial console without MFA, ' +
      'no port forwarding or default shell on database hosts; sessions only on the service\'s tagged hosts, Run Command for no person ' +
      'or function, no Instance Connect endpoint beside database hosts and no instance access from a customer account; ' +
      'the superuser has no network login and the server cannot rewrite its own configuration.',
  },
  {
    id: 'G8',
    name: 'data-privacy',
    sourceSentences: [
      'Timescale operators never access customer data, unless explicitly requested by the customer to troubleshoot a technical issue.',
      'Timescale complies with the European Union\'s General Data Protection Regulation (GDPR), and all practices are covered the Timescale Privacy Policy and the Timescale Cloud terms of service.',
    ],
    meaning: 'Customer data stays in the allowed regions (DataResidencyChecks), and so do its copies: backup copies, secret, bucket and ' +
      'global table replicas, and multi-Region keys; each customer network reaches only its own databases ' +
      'or roles, and only the database host can read the superuser secret or a customer\'s credentials; SQL run at boot makes no role a superuser; ' +
      'no grant creation without kms:GrantIsForAWSResource, no principal that can both snapshot and share, no operator passing every role.',
  },
];

const PACKS = [
  { pack: TIMESCALE_CLOUD_SECURITY_PACK, rules: TIMESCALE_CLOUD_SECURITY_RULES },
  { pack: DATA_RESIDENCY_PACK, rules: DATA_RESIDENCY_RULES },
];

/**
 * The guarantee catalogue: G1-G8 with their source sentences and rules. The README rule table
 * and the evidence report are generated from it.
 */
export class GuaranteeCatalogue {
  /** All guarantees, G1 to G8. */
  public static get guarantees(): Guarantee[] {
    return TEXTS.map((t) => ({ ...t, ruleIds: GuaranteeCatalogue.rules.filter((r) => r.guarantee === t.id).map((r) => r.ruleId) }));
  }

  /** Every rule of every pack of this library. */
  public static get rules(): RuleInfo[] {
    return PACKS.flatMap(({ pack, rules }) => rules.map((r) => ({
      ruleId: `${pack}-${r.name}`,
      name: r.name,
      pack,
      guarantee: r.guarantee,
      info: r.info,
      explanation: r.explanation,
      resourceTypes: [...r.resourceTypes],
    })));
  }

  /** The guarantee with `id`; throws for an unknown id. */
  public static guarantee(id: string): Guarantee {
    const found = GuaranteeCatalogue.guarantees.find((g) => g.id === id);
    if (!found) {
      throw new Error(`Unknown guarantee id '${id}'; expected one of ${TEXTS.map((t) => t.id).join(', ')}.`);
    }
    return found;
  }

  /** The README rule table (Markdown): one row per rule, grouped by guarantee. */
  public static renderRuleTable(): string {
    const lines = [
      '| Guarantee | Rule | Flags | Resource types |',
      '|-----------|------|-------|----------------|',
    ];
    for (const g of GuaranteeCatalogue.guarantees) {
      const rules = GuaranteeCatalogue.rules.filter((r) => r.guarantee === g.id);
      rules.forEach((r, i) => {
        const guarantee = i === 0 ? `**${g.id} ${g.name}**: "${g.sourceSentences[0]}"` : '';
        lines.push(`| ${guarantee} | \`${r.ruleId}\` | ${r.info} | ${r.resourceTypes.map((t) => t === '*' ? 'all' : `\`${t}\``).join(', ')} |`);
      });
    }
    return lines.join('\n') + '\n';
  }
}
