import { PolicyStatementJson, statementsOf, trustedPrincipals } from './iam';
import { AWS_MANAGED, awsManagedName, INLINE_POLICY_TYPES, policySources } from './policies';
import { RenderedResource, StackIndex } from './rendered';
import { Outcome, unverifiable, Verdict, worst } from './rule';
import { asArray, branchLeaves, describe, isIntrinsic, knownText, referencedIds, referencedLogicalId } from './values';
import { compatible, describeChoices, MAX_VARIANTS } from './variants';

export const PRINCIPAL_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/** One identity policy document as a principal holds it. */
export interface HeldPolicy {
  /** The resource that carries the document (the principal itself for inline policies). */
  readonly carrier: RenderedResource;
  /** e.g. `Policies/ops` or `PolicyDocument of OperatorPolicy` or `AWS managed policy AdministratorAccess`. */
  readonly where: string;
  readonly statements: PolicyStatementJson[];
  readonly unresolved: boolean;
  /** The group a user holds the policy through, if it is a group's. */
  readonly via?: string;
}

/** How the people a permission set is assigned to are named among a policy's external holders. */
const PERMISSION_SET_HOLDERS = 'the users and groups assigned permission set ';

/** Whether an external holder (see {@link Holders}) is the people a permission set is assigned to. */
export function isPermissionSetHolder(holder: string): boolean {
  return holder.startsWith(PERMISSION_SET_HOLDERS);
}

/** Who holds an AWS::IAM::Policy / ManagedPolicy: principals of this stack, and names it cannot see. */
export interface Holders {
  readonly principals: RenderedResource[];
  readonly external: string[];
}

/**
 * Principals of the stack by the name they are given (RoleName / UserName / GroupName): a literal, the same
 * expression written again (an `Fn::Sub` or a `Ref` evaluates the same in one deployment), and for a
 * parameter, its default and allowed values.
 */
function byName(index: StackIndex): Map<string, RenderedResource> {
  return index.memo('principals-by-name', () => {
    const out = new Map<string, RenderedResource>();
    for (const [type, prop] of [['AWS::IAM::Role', 'RoleName'], ['AWS::IAM::User', 'UserName'], ['AWS::IAM::Group', 'GroupName']]) {
      for (const r of index.byType(type)) {
        const name = r.properties[prop];
        if (name === undefined) {
          continue;
        }
        out.set(`${type}:${JSON.stringify(name)}`, r);
        const id = isIntrinsic(name) && 'Ref' in name ? referencedLogicalId(name) : undefined;
        const choices = id !== undefined ? index.parameterChoices.get(id) : undefined;
        for (const value of [choices?.default, ...choices?.allowedValues ?? []]) {
          if (typeof value === 'string') {
            out.set(`${type}:${JSON.stringify(value)}`, r);
          }
        }
      }
    }
    return out;
  });
}

function resolvePrincipal(ref: unknown, type: string, index: StackIndex): RenderedResource | string {
  const target = index.target(ref);
  if (target && target.type === type) {
    return target;
  }
  const named = ref === undefined ? undefined : byName(index).get(`${type}:${JSON.stringify(ref)}`);
  if (named) {
    return named;
  }
  return `${kindOf(type)} ${typeof ref === 'string' ? ref : JSON.stringify(ref)}`;
}

/**
 * The principals an AWS::IAM::Policy or ManagedPolicy is attached to (its Roles/Users/Groups, and ManagedPolicyArns
 * references), the role, user or group of a RolePolicy / UserPolicy / GroupPolicy, and for a permission set the
 * people of IAM Identity Center (never in the stack).
 */
export function holdersOf(policy: RenderedResource, index: StackIndex): Holders {
  if (index.isAsWritten(policy)) {
    return index.memo(`holders:${policy.logicalId}`, () => findHolders(policy, index));
  }
  // One version of a policy (an Fn::If branch) may name other holders than the policy as written.
  return cached(VERSION_HOLDERS, policy, () => findHolders(policy, index));
}

/** Derived facts about versions of resources, which live as long as their versions (one validation run). */
const VERSION_HOLDERS = new WeakMap<RenderedResource, Holders>();
const OWN_GROUPS = new WeakMap<RenderedResource, Set<string>>();
const MEMBERSHIPS = new WeakMap<RenderedResource, { users: Set<string>; groups: Set<string> }>();

function cached<T>(cache: WeakMap<RenderedResource, T>, key: RenderedResource, build: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

const idsOf = (candidates: (RenderedResource | string)[]) =>
  new Set(candidates.flatMap((c) => (typeof c === 'string' ? [] : [c.logicalId])));

function findHolders(policy: RenderedResource, index: StackIndex): Holders {
  const principals = new Set<RenderedResource>();
  const external: string[] = [];
  const add = (ref: unknown, type: string) => {
    // A holder chosen with Fn::If is a holder on the branch that names it: each is counted here, and
    // each version of the policy names its own.
    for (const one of principalCandidates(ref, type, index, policy.choices)) {
      typeof one === 'string' ? external.push(one) : principals.add(one);
    }
  };
  if (policy.type === 'AWS::IAM::RolePolicy') {
    add(policy.properties.RoleName, 'AWS::IAM::Role');
  } else if (policy.type === 'AWS::IAM::UserPolicy') {
    add(policy.properties.UserName, 'AWS::IAM::User');
  } else if (policy.type === 'AWS::IAM::GroupPolicy') {
    add(policy.properties.GroupName, 'AWS::IAM::Group');
  } else if (policy.type === 'AWS::SSO::PermissionSet') {
    external.push(`${PERMISSION_SET_HOLDERS}${policy.logicalId}`);
  }
  add(policy.properties.Roles, 'AWS::IAM::Role');
  add(policy.properties.Users, 'AWS::IAM::User');
  add(policy.properties.Groups, 'AWS::IAM::Group');
  if (policy.type === 'AWS::IAM::ManagedPolicy') {
    for (const type of PRINCIPAL_TYPES) {
      (index.groupByReference(type, 'ManagedPolicyArns').get(policy.logicalId) ?? []).forEach((p) => principals.add(p));
    }
  }
  return { principals: [...principals], external };
}

/**
 * The principals a Roles / Users / Groups entry (or a RoleName, UserName, GroupName) can name: on every
 * branch of an Fn::If, by Ref or by literal name, and for a parameter each of its allowed values (or its
 * default, and whatever else it is given at deployment).
 */
function principalCandidates(
  value: unknown, type: string, index: StackIndex, version?: ReadonlyMap<string, unknown>,
): (RenderedResource | string)[] {
  return branchLeaves(value).flatMap((ref) => {
    const id = referencedLogicalId(ref);
    const isParameter = id !== undefined && isIntrinsic(ref) && 'Ref' in ref && index.parameters.has(id);
    if (isParameter && version?.has(`parameter:${id}`)) {
      // A version in which the parameter is given some other value at deployment: not its default.
      return [`the ${kindOf(type)} given at deployment as parameter ${id}`];
    }
    const choices = isParameter ? index.parameterChoices.get(id!) : undefined;
    if (choices) {
      const named = (choices.allowedValues?.length ? choices.allowedValues : [choices.default]).filter((v) => v !== undefined);
      const given = choices.allowedValues?.length ? [] : [`the ${kindOf(type)} given at deployment as parameter ${id}`];
      return [...named.map((name) => resolvePrincipal(name, type, index)), ...given];
    }
    return [resolvePrincipal(ref, type, index)];
  });
}

const kindOf = (type: string) => type.split('::')[2].toLowerCase();

/** A policy resource that must name its holders (not a managed policy, which may be attached later) and names none. */
export function attachedToNothing(policy: RenderedResource, holders: Holders): boolean {
  return policy.type !== 'AWS::IAM::ManagedPolicy' && policy.type !== 'AWS::SSO::PermissionSet' &&
    holders.principals.length === 0 && holders.external.length === 0;
}

/**
 * Every identity policy each principal of the stack holds: inline policies, AWS::IAM::Policy and
 * ManagedPolicy resources attached to it, the AWS managed policies listed above, and for users
 * the policies of their groups. Built once per stack.
 */
/** The policies a principal carries itself: its inline policies, and the managed policies it names that are not in the stack. */
function carriedBy(principal: RenderedResource, index: StackIndex): HeldPolicy[] {
  const out: HeldPolicy[] = policySources(principal, index)
    .map((s) => ({ carrier: principal, where: s.where, statements: s.statements, unresolved: s.unresolved }));
  for (const arn of asArray(principal.properties.ManagedPolicyArns)) {
    if (index.target(arn)?.type === 'AWS::IAM::ManagedPolicy') {
      continue; // judged as a policy of the stack, which names its holders
    }
    const name = awsManagedName(arn);
    if (name === undefined) {
      // A customer managed policy of another stack or account: its statements are not in the template.
      out.push({ carrier: principal, where: `managed policy ${describe(knownText(arn) ?? arn)}, not defined in this stack`, statements: [], unresolved: true });
    } else if (AWS_MANAGED[name]) {
      out.push({ carrier: principal, where: `AWS managed policy ${name}`, statements: AWS_MANAGED[name], unresolved: false });
    }
  }
  return out;
}

/** The policies each principal of the stack holds, by the principal's logical ID. */
export function heldPolicies(index: StackIndex): Map<string, HeldPolicy[]> {
  return index.memo('held-policies', () => {
    const out = new Map<string, HeldPolicy[]>();
    const push = (principal: RenderedResource, held: HeldPolicy) => {
      const list = out.get(principal.logicalId);
      list ? list.push(held) : out.set(principal.logicalId, [held]);
    };
    for (const type of PRINCIPAL_TYPES) {
      for (const principal of index.byType(type)) {
        out.set(principal.logicalId, out.get(principal.logicalId) ?? []);
        carriedBy(principal, index).forEach((held) => push(principal, held));
      }
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', ...INLINE_POLICY_TYPES]) {
      for (const policy of index.byType(type)) {
        const [source] = policySources(policy, index);
        for (const principal of holdersOf(policy, index).principals) {
          push(principal, { carrier: policy, where: `PolicyDocument of ${policy.logicalId}`, statements: source.statements, unresolved: source.unresolved });
        }
      }
    }
    for (const [user, groups] of groupsOfUsers(index)) {
      for (const group of groups) {
        for (const held of out.get(group.logicalId) ?? []) {
          push(user, { ...held, where: `${held.where} (group ${group.logicalId})`, via: held.via ?? group.logicalId });
        }
      }
    }
    return out;
  });
}

/**
 * The groups of the stack each user of the stack can be in: its Groups on every Fn::If branch, by Ref or
 * name, and AWS::IAM::UserToGroupAddition resources that add it.
 */
function groupsOfUsers(index: StackIndex): Map<RenderedResource, Set<RenderedResource>> {
  return index.memo('groups-of-users', () => {
    const out = new Map<RenderedResource, Set<RenderedResource>>(index.byType('AWS::IAM::User').map((user) => [user, new Set()]));
    const add = (user: RenderedResource | string, group: RenderedResource | string) => {
      if (typeof user !== 'string' && typeof group !== 'string') {
        out.get(user)?.add(group);
      }
    };
    for (const user of out.keys()) {
      principalCandidates(user.properties.Groups, 'AWS::IAM::Group', index).forEach((group) => add(user, group));
    }
    for (const addition of index.byType('AWS::IAM::UserToGroupAddition')) {
      for (const group of principalCandidates(addition.properties.GroupName, 'AWS::IAM::Group', index)) {
        principalCandidates(addition.properties.Users, 'AWS::IAM::User', index).forEach((user) => add(user, group));
      }
    }
    return out;
  });
}

/** The groups one version of a user names in its own Groups property. */
function ownGroups(user: RenderedResource, index: StackIndex): Set<string> {
  return cached(OWN_GROUPS, user, () => idsOf(principalCandidates(user.properties.Groups, 'AWS::IAM::Group', index, user.choices)));
}

/** The users and groups one version of an AWS::IAM::UserToGroupAddition puts together. */
function membership(addition: RenderedResource, index: StackIndex): { users: Set<string>; groups: Set<string> } {
  return cached(MEMBERSHIPS, addition, () => ({
    users: idsOf(principalCandidates(addition.properties.Users, 'AWS::IAM::User', index, addition.choices)),
    groups: idsOf(principalCandidates(addition.properties.GroupName, 'AWS::IAM::Group', index, addition.choices)),
  }));
}

/** The UserToGroupAddition resources that can add a user (on any branch), by the user's logical ID. */
function additionsOf(userId: string, index: StackIndex): RenderedResource[] {
  return index.memo('additions-by-user', () => {
    const out = new Map<string, RenderedResource[]>();
    for (const addition of index.byType('AWS::IAM::UserToGroupAddition')) {
      for (const user of membership(addition, index).users) {
        out.set(user, [...out.get(user) ?? [], addition]);
      }
    }
    return out;
  }).get(userId) ?? [];
}

/**
 * Whether one version of a user is in `groupId`: through its own Groups, or an AWS::IAM::UserToGroupAddition
 * (in the version `chosen` gives it, absent where its Condition is false).
 */
function inGroup(user: RenderedResource, groupId: string, index: StackIndex, chosen?: ReadonlyMap<string, CarrierVersion>): boolean {
  if (ownGroups(user, index).has(groupId)) {
    return true;
  }
  return additionsOf(user.logicalId, index).some((addition) => {
    const version = chosen?.has(addition.logicalId) ? chosen.get(addition.logicalId)!.resource : addition;
    const m = version ? membership(version, index) : undefined;
    return m !== undefined && m.groups.has(groupId) && m.users.has(user.logicalId);
  });
}

/**
 * Whether one version of a principal holds `held`, a policy of another resource: through a group it is in,
 * and for a managed policy of the stack, through its own ManagedPolicyArns or the policy's Roles/Users/Groups.
 */
function holdsInVersion(principal: RenderedResource, held: HeldPolicy, index: StackIndex): boolean {
  if (held.via !== undefined) {
    return inGroup(principal, held.via, index);
  }
  if (held.carrier.type !== 'AWS::IAM::ManagedPolicy') {
    return true;
  }
  return referencedIds(principal.properties.ManagedPolicyArns).has(held.carrier.logicalId) ||
    findHoldersNamed(held.carrier, index).includes(principal.logicalId);
}

/** The principals a policy names in its own Roles / Users / Groups (not those that name it). */
function findHoldersNamed(policy: RenderedResource, index: StackIndex): string[] {
  return [['Roles', 'AWS::IAM::Role'], ['Users', 'AWS::IAM::User'], ['Groups', 'AWS::IAM::Group']]
    .flatMap(([property, type]) => principalCandidates(policy.properties[property], type, index))
    .flatMap((p) => (typeof p === 'string' ? [] : [p.logicalId]));
}

/** The policies a principal holds, or (for a policy resource) the policy itself. */
export function policiesOf(r: RenderedResource, index: StackIndex): HeldPolicy[] {
  if (PRINCIPAL_TYPES.includes(r.type)) {
    const held = heldPolicies(index).get(r.logicalId) ?? [];
    if (index.isAsWritten(r)) {
      return held;
    }
    // One way the principal can be deployed (an Fn::If branch, a parameter's value): what it carries
    // itself is read from that version; policies of other resources that name it are held as well, and
    // those it takes itself (groups, managed policies) where this version takes them.
    return [...carriedBy(r, index), ...held.filter((h) => h.carrier.logicalId !== r.logicalId && holdsInVersion(r, h, index))];
  }
  return policySources(r, index).map((s) => ({ carrier: r, where: s.where, statements: s.statements, unresolved: s.unresolved }));
}

/**
 * Judges what principal `r` holds on every way its policies can be deployed together. A policy of
 * another resource that chooses with `Fn::If` (its statements, actions, resources, or whether it is
 * attached to `r` at all) is held as each of its versions, with each condition and parameter taking
 * one value across the principal and all its policies. Compliant only if every combination is; a
 * finding names the choices that make it.
 */
export function judgeHeldVersions(r: RenderedResource, held: HeldPolicy[], index: StackIndex, judge: (held: HeldPolicy[]) => Outcome): Outcome {
  // More choices than are judged one by one: a finding as written stands, and nothing to judge in fully
  // readable policies stays so; anything else cannot be told.
  const tooMany = (why: string) => {
    const asWritten = judge(held);
    const nothing = asWritten.verdict === Verdict.NOT_APPLICABLE && !held.some((h) => h.unresolved);
    return asWritten.verdict === Verdict.NON_COMPLIANT || nothing ? asWritten : unverifiable(why);
  };
  if (index.isAsWritten(r) && index.choosesTooMuch(r)) {
    return tooMany(`${r.logicalId} chooses with Fn::If or parameters in more than ${MAX_VARIANTS} ways, so the policies it holds cannot be told`);
  }
  // The resources whose versions change what r holds: its policies' carriers, and for a user, the
  // memberships that can put it in a group.
  const carriers = [...new Set([
    ...held.filter((h) => h.carrier.logicalId !== r.logicalId).map((h) => h.carrier),
    ...(r.type === 'AWS::IAM::User' ? additionsOf(r.logicalId, index) : []),
  ])];
  const choosing: { carrier: RenderedResource; versions: CarrierVersion[] }[] = [];
  for (const carrier of carriers) {
    if (index.choosesTooMuch(carrier)) {
      return tooMany(`${carrier.logicalId}, whose policies ${r.logicalId} holds, chooses with Fn::If or parameters in more than ${MAX_VARIANTS} ways`);
    }
    const versions = carrierVersions(carrier, index)?.filter((v) => compatible(v.choices, r.choices));
    if (versions) {
      choosing.push({ carrier, versions });
    }
  }
  if (choosing.length === 0) {
    return judge(held);
  }
  // Every combination of the carriers' versions that agree on the conditions and parameters they share.
  let combinations: { carrier: RenderedResource; version: CarrierVersion }[][] = [[]];
  for (const { carrier, versions } of choosing) {
    combinations = combinations.flatMap((combination) => versions
      .filter((v) => combination.every((other) => compatible(other.version.choices, v.choices)))
      .map((version) => [...combination, { carrier, version }]));
    if (combinations.length > MAX_VARIANTS) {
      return tooMany(`the policies ${r.logicalId} holds choose with Fn::If or parameters in more than ${MAX_VARIANTS} combinations`);
    }
  }
  const outcomes = combinations.map((combination) => {
    const byCarrier = new Map(combination.map(({ carrier, version }) => [carrier.logicalId, version]));
    const versionHeld = held.flatMap((h): HeldPolicy[] => {
      if (h.via !== undefined && r.type === 'AWS::IAM::User' && !inGroup(r, h.via, index, byCarrier)) {
        return []; // not in the group in this combination
      }
      const version = byCarrier.get(h.carrier.logicalId);
      return version ? heldInVersion(r, h, version, index) : [h];
    });
    const outcome = judge(dedupe(versionHeld));
    const choices = new Map(combination.flatMap(({ version }) => [...version.choices]));
    const findsSomething = outcome.verdict === Verdict.NON_COMPLIANT || outcome.verdict === Verdict.UNVERIFIABLE;
    return findsSomething && choices.size > 0 ? { ...outcome, detail: `${outcome.detail ?? 'a finding'} (when ${describeChoices(choices)})` } : outcome;
  });
  return worst(outcomes);
}

/** One way a resource that carries policies can be deployed; `resource` undefined when its Condition leaves it out. */
interface CarrierVersion {
  readonly resource?: RenderedResource;
  readonly choices: ReadonlyMap<string, unknown>;
}

/**
 * The versions of a carrier that chooses (Fn::If, parameters, or a Condition attribute that creates it only
 * when true); undefined when it is deployed one way only.
 */
function carrierVersions(carrier: RenderedResource, index: StackIndex): CarrierVersion[] | undefined {
  const variants = index.variantsOf(carrier);
  const condition = carrier.condition;
  if (condition === undefined) {
    return variants?.map((v) => ({ resource: v.resource, choices: v.resource.choices ?? new Map() }));
  }
  const key = `condition:${condition}`;
  const present = (variants?.map((v) => v.resource) ?? [carrier])
    .filter((v) => v.choices?.get(key) !== false)
    .map((v) => ({ resource: v, choices: new Map([...v.choices ?? [], [key, true]]) }));
  return [...present, { choices: new Map([[key, false]]) }];
}

/** What `h` (held by principal `r`) is in one version of its carrier: its statements there, or nothing where it is left out or not attached. */
function heldInVersion(r: RenderedResource, h: HeldPolicy, version: CarrierVersion, index: StackIndex): HeldPolicy[] {
  const resource = version.resource;
  if (!resource) {
    return [];
  }
  if (PRINCIPAL_TYPES.includes(resource.type)) {
    // A group r is in: what the group carries in this version, as r holds it through the group.
    return carriedBy(resource, index).map((c) => ({ ...c, where: `${c.where} (group ${resource.logicalId})`, via: resource.logicalId }));
  }
  const holder = h.via ?? r.logicalId;
  if (!holdersOf(resource, index).principals.some((p) => p.logicalId === holder)) {
    return [];
  }
  const [source] = policySources(resource, index);
  return source ? [{ ...h, carrier: resource, statements: source.statements, unresolved: source.unresolved }] : [];
}

/** Held policies without repeats (a group's version is given once for each of its policies r held). */
function dedupe(held: HeldPolicy[]): HeldPolicy[] {
  const seen = new Set<string>();
  return held.filter((h) => {
    const key = `${h.carrier.logicalId}|${h.where}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** How a role is assumed: only by EC2 (an instance profile), by anyone else, or unknown at synth. */
export function assumedOnlyByEc2(principal: RenderedResource): 'yes' | 'no' | 'unknown' {
  if (principal.type !== 'AWS::IAM::Role') {
    return 'no';
  }
  const document = principal.properties.AssumeRolePolicyDocument;
  if (isIntrinsic(document) || isIntrinsic((document as any)?.Statement)) {
    return 'unknown';
  }
  const allows = statementsOf(document).filter((s) => s.Effect === 'Allow');
  const principals = allows.flatMap((s) => trustedPrincipals({ Statement: [s] }));
  if (principals.length === 0 || principals.some((p) => !p.startsWith('Service:'))) {
    return 'no'; // an account, a role, a federation or anyone: people can assume it
  }
  if (principals.some((p) => p.includes('{"Ref"') || p.includes('{"Fn::'))) {
    return 'unknown';
  }
  return principals.every((p) => /^Service:ec2\.amazonaws\.com(\.cn)?$/.test(p)) ? 'yes' : 'no';
}
