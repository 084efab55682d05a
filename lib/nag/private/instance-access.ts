import { patternMatches, resourceName } from './arns';
import { grantsAction, PolicyStatementJson, statementsOf } from './iam';
import { RenderedResource, StackIndex } from './rendered';
import { asArray, isIntrinsic, knownText, pseudoText, UNRESOLVED } from './values';

/** Who can assume a role, as far as instance access is concerned. */
export interface Assumers {
  /** people: accounts, users, roles, federations (SAML, web identity) or anyone */
  readonly humans: boolean;
  readonly lambda: boolean;
  /** the trust policy is only known at deploy time */
  readonly unknown: boolean;
  /** AWS principals of the trust policy as text (ARNs, account ids; pseudo parameters as `{AccountId}`), for account checks */
  readonly accounts: string[];
}

/** Who can assume a principal: users and groups are people; a role is read from its trust policy. */
export function assumersOf(principal: RenderedResource): Assumers {
  if (principal.type !== 'AWS::IAM::Role') {
    return { humans: true, lambda: false, unknown: false, accounts: [] };
  }
  const document = principal.properties.AssumeRolePolicyDocument;
  if (isIntrinsic(document) || isIntrinsic((document as any)?.Statement)) {
    return { humans: false, lambda: false, unknown: true, accounts: [] };
  }
  const accounts: string[] = [];
  let humans = false;
  let lambda = false;
  let unknown = false;
  for (const s of statementsOf(document).filter((st) => st.Effect === 'Allow')) {
    if (s.Principal === '*') {
      humans = true;
      continue;
    }
    for (const [kind, values] of Object.entries((s.Principal ?? {}) as object)) {
      for (const v of asArray(values)) {
        if (kind === 'Service') {
          const text = knownText(v);
          if (text === undefined || text.includes(UNRESOLVED)) {
            unknown = true;
          } else if (/^lambda\.amazonaws\.com/.test(text) || /^edgelambda\./.test(text)) {
            lambda = true;
          }
        } else {
          humans = true; // AWS (accounts, users, roles), Federated (SAML, web identity), CanonicalUser
          if (kind === 'AWS') {
            // pseudo parameters kept as {AccountId}: this account is not a customer's
            accounts.push(pseudoText(v) ?? UNRESOLVED);
          }
        }
      }
    }
  }
  return { humans, lambda, unknown, accounts };
}

/** The account id an AWS principal names (`123456789012`, `arn:...:iam::123456789012:...`); undefined when not a literal. */
export function accountOf(principal: string): string | undefined {
  const m = /^(\d{12})$/.exec(principal) ?? /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? m[1] : undefined;
}

/** Customer accounts of the stack: the owners of its VPC peering connections (literal ids), and whether some are tokens. */
export function customerAccounts(index: StackIndex): { ids: Set<string>; unknown: boolean } {
  return index.memo('customer-accounts', () => {
    const ids = new Set<string>();
    let unknown = false;
    for (const peering of index.byType('AWS::EC2::VPCPeeringConnection')) {
      const owner = peering.properties.PeerOwnerId;
      if (typeof owner === 'string') {
        ids.add(owner);
      } else if (owner !== undefined) {
        unknown = true;
      }
    }
    return { ids, unknown };
  });
}

/** A condition that limits a grant to tagged resources (`ssm:resourceTag/...` or `aws:ResourceTag/...`). */
export function limitedByTag(s: PolicyStatementJson): boolean {
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    if (!/^String(Equals|Like)(IgnoreCase)?$/.test(op) || !block || typeof block !== 'object') {
      continue;
    }
    if (Object.keys(block).some((k) => /^(ssm:resourceTag|aws:ResourceTag)\//i.test(k))) {
      return true;
    }
  }
  return false;
}

/**
 * Whether a StartSession statement reaches every instance: Resource `*` (or NotResource), or an instance
 * ARN pattern matching every instance without a tag condition.
 */
export function startSessionEverywhere(s: PolicyStatementJson, index: StackIndex): string | undefined {
  if (!grantsAction(s, 'ssm:StartSession')) {
    return undefined;
  }
  if (s.NotResource !== undefined) {
    return 'NotResource (every other resource)';
  }
  for (const value of asArray(s.Resource)) {
    const named = resourceName(value, index);
    if (named.kind !== 'pattern') {
      continue;
    }
    if (named.pattern === '*') {
      return 'Resource "*"';
    }
    if (patternMatches(named.pattern, 'ec2', 'instance/i-0123456789abcdef0') && patternMatches(named.pattern, 'ec2', 'instance/i-0fedcba9876543210') && !limitedByTag(s)) {
      return `${named.pattern} without a resource tag condition`;
    }
  }
  return undefined;
}
