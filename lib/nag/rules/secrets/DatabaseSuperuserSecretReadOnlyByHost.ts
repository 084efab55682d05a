import { isThisAccount } from '../../private/account-principals';
import { arnParts, patternMatches, resourceName } from '../../private/arns';
import { SECRET_TAG, tagValue } from '../../private/database-hosts';
import { grantsAction, PolicyStatementJson, statementsOf } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { assumedOnlyByEc2, holdersOf, isPermissionSetHolder, PRINCIPAL_TYPES, policiesOf } from '../../private/principals';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, knownText, pseudoText, UNRESOLVED } from '../../private/values';

/** The user names that mark a PostgreSQL superuser secret (RDS master users are not superusers). */
const SUPERUSER_NAMES = ['postgres'];
const SUPERUSER_TAG_VALUE = 'database-superuser';
const READ = 'secretsmanager:GetSecretValue';

export type Certainty = 'yes' | 'maybe';

/** Which database secrets a rule protects, and how it names them. */
export interface DatabaseSecretKind {
  /** e.g. `superuser secret` */
  readonly label: string;
  /** Accounts named in the secret's own resource policy may read it (the customer reads its own credentials). */
  readonly accountsMayRead: boolean;
  /** The secrets of the stack of this kind (built once per stack). */
  secrets(index: StackIndex): Map<RenderedResource, Certainty>;
}

export function usernameOf(json: unknown): string | undefined | typeof UNRESOLVED {
  const text = knownText(json);
  if (text === undefined) {
    return undefined;
  }
  if (text.includes(UNRESOLVED)) {
    return UNRESOLVED;
  }
  try {
    const parsed = JSON.parse(text);
    return typeof parsed?.username === 'string' ? parsed.username : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a secret holds database superuser credentials: by tag, or by the username of its (generated) JSON. */
function superuserSecret(secret: RenderedResource): Certainty | undefined {
  const tag = tagValue(secret, SECRET_TAG);
  if (tag === SUPERUSER_TAG_VALUE) {
    return 'yes';
  }
  const names = [usernameOf(secret.properties.GenerateSecretString?.SecretStringTemplate), usernameOf(secret.properties.SecretString)];
  if (names.some((n) => n !== undefined && SUPERUSER_NAMES.includes(n))) {
    return 'yes';
  }
  if (typeof tag === 'object' || names.includes(UNRESOLVED) || isIntrinsic(secret.properties.GenerateSecretString)) {
    return 'maybe';
  }
  return undefined;
}

/** Superuser secrets of the stack (built once per stack). */
function superuserSecrets(index: StackIndex): Map<RenderedResource, Certainty> {
  return index.memo('superuser-secrets', () => {
    const out = new Map<RenderedResource, Certainty>();
    for (const secret of index.byType('AWS::SecretsManager::Secret')) {
      const certainty = superuserSecret(secret);
      if (certainty) {
        out.set(secret, certainty);
      }
    }
    return out;
  });
}

const ANY_NAME = 'secret:~any-name~-AbCdEf';

/** Whether an ARN pattern can name the secret (whose ARN ends in its name, a dash and six random characters). */
function patternReaches(pattern: string, secret: RenderedResource): Certainty | undefined {
  if (pattern === '*') {
    return 'yes';
  }
  const parts = arnParts(pattern);
  if (!parts || !patternMatches(`arn:*:${parts.service}:*:*:*`, 'secretsmanager', 'secret:x')) {
    return undefined;
  }
  const name = secret.properties.Name;
  if (typeof name === 'string') {
    if (patternMatches(pattern, 'secretsmanager', `secret:${name}-AbCdEf`)) {
      return 'yes';
    }
    const exact = /^secret:(.*)-[A-Za-z0-9]{6}$/.exec(parts.resource);
    return exact && patternMatches(`arn:*:secretsmanager:*:*:secret:${exact[1]}`, 'secretsmanager', `secret:${name}`) ? 'yes' : undefined;
  }
  if (patternMatches(pattern, 'secretsmanager', ANY_NAME)) {
    return 'yes';
  }
  // CloudFormation names the secret at deploy time: a pattern for some names cannot be ruled out.
  return parts.resource.toLowerCase().startsWith('secret:') || parts.resource.startsWith('*') ? 'maybe' : undefined;
}

/** The superuser secrets a statement lets its holder read. */
function secretsRead(s: PolicyStatementJson, index: StackIndex, secrets: Map<RenderedResource, Certainty>): Map<RenderedResource, Certainty> {
  const out = new Map<RenderedResource, Certainty>();
  if (!grantsAction(s, READ)) {
    return out;
  }
  const note = (secret: RenderedResource, c: Certainty | undefined) => {
    if (c && out.get(secret) !== 'yes') {
      out.set(secret, c === 'yes' && secrets.get(secret) === 'yes' ? 'yes' : 'maybe');
    }
  };
  const resources = s.NotResource !== undefined ? ['*'] : asArray(s.Resource);
  for (const value of resources) {
    const named = resourceName(value, index);
    for (const secret of secrets.keys()) {
      if (named.kind === 'resource') {
        note(secret, named.target === secret ? 'yes' : undefined);
      } else if (named.kind === 'pattern') {
        note(secret, patternReaches(named.pattern, secret));
      } else {
        note(secret, 'maybe');
      }
    }
  }
  return out;
}

/** Judges one reader of the secret: only a role that only EC2 can assume (the host) may read it. */
function judgeReader(reader: RenderedResource | string, certainty: Certainty, what: string): Outcome {
  if (typeof reader === 'string' && isPermissionSetHolder(reader)) {
    // IAM Identity Center assigns permission sets to people: there is no trust policy to read.
    return certainty === 'yes' ? nonCompliant(`${what} is readable by ${reader}`) : unverifiable(`${what} may be readable by ${reader}`);
  }
  if (typeof reader === 'string') {
    return unverifiable(`${what} is read by ${reader}, whose trust policy is not in this stack`);
  }
  const ec2 = assumedOnlyByEc2(reader);
  if (ec2 === 'yes') {
    return COMPLIANT;
  }
  if (ec2 === 'unknown') {
    return unverifiable(`${what} is read by ${reader.logicalId}, whose trust policy is only known at deploy time`);
  }
  const who = reader.type === 'AWS::IAM::Role' ? `role ${reader.logicalId}, which not only EC2 can assume` : `${reader.type.split('::')[2].toLowerCase()} ${reader.logicalId}`;
  return certainty === 'yes' ? nonCompliant(`${what} is readable by ${who}`)
    : unverifiable(`${what} may be readable by ${who}`);
}

function judgeIdentityPolicy(r: RenderedResource, index: StackIndex, secrets: Map<RenderedResource, Certainty>,
  secretKind: DatabaseSecretKind): Outcome {
  const outcomes: Outcome[] = [];
  const isPrincipal = PRINCIPAL_TYPES.includes(r.type);
  const holders = isPrincipal ? undefined : holdersOf(r, index);
  const readers: (RenderedResource | string)[] = holders ? [...holders.principals, ...holders.external] : [r];
  // A principal is judged on what it carries itself; attached policy resources are judged on themselves.
  const held = policiesOf(r, index).filter((p) => !isPrincipal || p.carrier === r);
  for (const policy of held) {
    if (policy.unresolved) {
      // Unknown content matters only for readers other than the host.
      const what = `${policy.where} (only known at deploy time) may grant the ${secretKind.label}`;
      outcomes.push(...readers.map((reader) => judgeReader(reader, 'maybe', what)).filter((o) => o.verdict !== COMPLIANT.verdict));
      continue;
    }
    for (const s of policy.statements) {
      for (const [secret, certainty] of secretsRead(s, index, secrets)) {
        const what = `the ${secretKind.label} ${secret.logicalId} (${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''})`;
        if (readers.length === 0) {
          outcomes.push(unverifiable(`${what}: the managed policy is attached to no principal of this stack, so who holds it is not known`));
        }
        outcomes.push(...readers.map((reader) => judgeReader(reader, certainty, what)));
      }
    }
  }
  return worst(outcomes);
}

function judgeResourcePolicy(r: RenderedResource, index: StackIndex, secrets: Map<RenderedResource, Certainty>,
  secretKind: DatabaseSecretKind): Outcome {
  const secret = index.target(r.properties.SecretId);
  const certainty = secret ? secrets.get(secret) : undefined;
  if (!secret || !certainty) {
    return NOT_APPLICABLE;
  }
  const document = r.properties.ResourcePolicy;
  if (isIntrinsic(document) || isIntrinsic((document as any)?.Statement)) {
    return unverifiable('the resource policy is only known at deploy time');
  }
  const doc = typeof document === 'string' ? safeParse(document) : document;
  if (doc === undefined) {
    return unverifiable('the resource policy is a string that is not JSON');
  }
  const outcomes: Outcome[] = [];
  for (const s of statementsOf(doc)) {
    if (!grantsAction(s, READ)) {
      continue;
    }
    const what = `the ${secretKind.label} ${secret.logicalId} (resource policy${s.Sid ? ` statement ${s.Sid}` : ''})`;
    if (s.NotPrincipal !== undefined || s.Principal === '*') {
      outcomes.push(nonCompliant(`${what} is readable by every principal${s.NotPrincipal !== undefined ? ' but those in NotPrincipal' : ''}`));
      continue;
    }
    for (const [kind, values] of Object.entries((s.Principal ?? {}) as object)) {
      for (const value of asArray(values)) {
        if (kind !== 'AWS') {
          outcomes.push(certainty === 'yes' ? nonCompliant(`${what} is readable by ${kind} ${describe(value)}`) : unverifiable(`${what} may be readable by ${kind} ${describe(value)}`));
          continue;
        }
        const target = index.target(value);
        if (!target && secretKind.accountsMayRead && (isAccount(value) || isPrincipalOfAnotherAccount(value, r))) {
          continue;
        }
        const own = target ? undefined : principalOfThisAccount(value, r);
        if (own) {
          // A role or user of the stack's own account that the stack does not define: not the database host.
          outcomes.push(certainty === 'yes' ? nonCompliant(`${what} is readable by ${own} of this account, which is not the database host`)
            : unverifiable(`${what} may be readable by ${own} of this account, which is not the database host`));
          continue;
        }
        if (target && PRINCIPAL_TYPES.includes(target.type)) {
          outcomes.push(judgeReader(target, certainty, what));
        } else if (typeof value === 'string' && /^arn:[^:]+:iam::[^:]*:role\//.test(value)) {
          outcomes.push(judgeReader(`role ${value}`, certainty, what));
        } else if (typeof value === 'string') {
          outcomes.push(certainty === 'yes' ? nonCompliant(`${what} is readable by ${value}`) : unverifiable(`${what} may be readable by ${value}`));
        } else {
          outcomes.push(unverifiable(`${what} is readable by ${describe(value)}, only known at deploy time`));
        }
      }
    }
  }
  return outcomes.length === 0 ? COMPLIANT : worst(outcomes);
}

/** An account principal (`123456789012`, `arn:...:iam::123456789012:root`), also when built with the partition. */
function isAccount(value: unknown): boolean {
  const text = pseudoText(value);
  return text !== undefined && (/^\d{12}$/.test(text) || /^arn:[^:]+:iam::\d{12}:root$/.test(text));
}

/**
 * A role or user ARN of an account known not to be the stack's: the customer's own account reading its
 * credentials with one of its principals, narrower than naming the whole account.
 */
function isPrincipalOfAnotherAccount(value: unknown, r: RenderedResource): boolean {
  const text = pseudoText(value);
  const arn = text === undefined ? null : /^arn:[^:]+:iam::(\d{12}):(role|user)\//.exec(text);
  return arn !== null && isThisAccount(arn[1], r.stack) === 'no';
}

/** `role name` for a role or user ARN of the stack's own account (written out, or as `AWS::AccountId`); undefined otherwise. */
function principalOfThisAccount(value: unknown, r: RenderedResource): string | undefined {
  const text = pseudoText(value);
  const arn = text === undefined ? null : /^arn:[^:]+:iam::([^:]+):(role|user)\/(.+)$/.exec(text);
  return arn !== null && isThisAccount(arn[1], r.stack) === 'yes' && !arn[3].includes(UNRESOLVED) ? `${arn[2]} ${arn[3]}` : undefined;
}

/** Judges an IAM policy or a secret resource policy against the database secrets of one kind. */
export function judgeDatabaseSecretReaders(r: RenderedResource, index: StackIndex, secretKind: DatabaseSecretKind): Outcome {
  const secrets = secretKind.secrets(index);
  if (secrets.size === 0) {
    return NOT_APPLICABLE;
  }
  return r.type === 'AWS::SecretsManager::ResourcePolicy' ? judgeResourcePolicy(r, index, secrets, secretKind) : judgeIdentityPolicy(r, index, secrets, secretKind);
}

const SUPERUSER: DatabaseSecretKind = { label: 'superuser secret', secrets: superuserSecrets, accountsMayRead: false };

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Only the database host (a role only EC2 can assume) may read the database superuser's secret. */
export const DatabaseSuperuserSecretReadOnlyByHost: RuleDefinition = {
  name: 'DatabaseSuperuserSecretReadOnlyByHost',
  guarantee: 'G8',
  info: 'A principal other than the database host can read the database superuser secret.',
  explanation: 'The superuser reads every customer\'s data, so its password may be readable only by the host that ' +
    'bootstraps the server: a role whose trust policy admits only ec2.amazonaws.com. Remove secretsmanager:GetSecretValue ' +
    '(also through secretsmanager:*, *, Resource "*" or an ARN pattern that can match the secret, or AdministratorAccess / ' +
    'PowerUserAccess / SecretsManagerReadWrite) from every other role, user, group and IAM Identity Center permission set ' +
    '(RolePolicy, UserPolicy and GroupPolicy resources count as the policies of their principal), and from the secret\'s resource ' +
    'policy. A superuser secret is one tagged timescale:secret = database-superuser or whose (generated) JSON has ' +
    '"username": "postgres". Conditions on a grant are not taken as limits.',
  resourceTypes: [...IAM_POLICY_TYPES, 'AWS::SecretsManager::ResourcePolicy'],
  evaluate(r, { index }) {
    return judgeDatabaseSecretReaders(r, index, SUPERUSER);
  },
};
