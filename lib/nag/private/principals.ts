import { PolicyStatementJson, statementsOf, trustedPrincipals } from './iam';
import { AWS_MANAGED, awsManagedName, INLINE_POLICY_TYPES, policySources } from './policies';
import { RenderedResource, StackIndex } from './rendered';
import { Outcome, unverifiable, Verdict, worst } from './rule';
import { asArray, describe, isIntrinsic, knownText, referencedIds } from './values';
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

/** Principals of the stack by a literal name (RoleName / UserName / GroupName). */
function byName(index: StackIndex): Map<string, RenderedResource> {
  return index.memo('principals-by-name', () => {
    const out = new Map<string, RenderedResource>();
    for (const [type, prop] of [['AWS::IAM::Role', 'RoleName'], ['AWS::IAM::User', 'UserName'], ['AWS::IAM::Group', 'GroupName']]) {
      for (const r of index.byType(type)) {
        if (typeof r.properties[prop] === 'string') {
          out.set(`${type}:${r.properties[prop]}`, r);
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
  if (typeof ref === 'string') {
    return byName(index).get(`${type}:${ref}`) ?? `${type.split('::')[2].toLowerCase()} ${ref}`;
  }
  return `${type.split('::')[2].toLowerCase()} ${JSON.stringify(ref)}`;
}

/**
 * The principals an AWS::IAM::Policy or ManagedPolicy is attached to (its Roles/Users/Groups, and ManagedPolicyArns
 * references), the role, user or group of a RolePolicy / UserPolicy / GroupPolicy, and for a permission set the
 * people of IAM Identity Center (never in the stack).
 */
export function holdersOf(policy: RenderedResource, index: StackIndex): Holders {
  // One version of a policy (an Fn::If branch) may name other holders than the policy as written.
  return index.isAsWritten(policy) ? index.memo(`holders:${policy.logicalId}`, () => findHolders(policy, index)) : findHolders(policy, index);
}

function findHolders(policy: RenderedResource, index: StackIndex): Holders {
  const principals = new Set<RenderedResource>();
  const external: string[] = [];
  const add = (ref: unknown, type: string) => {
    // A holder chosen with Fn::If is a holder on the branch that names it: each is counted here, and
    // each version of the policy names its own.
    const chosen = isIntrinsic(ref) && 'Fn::If' in ref ? [...referencedIds(ref)].map((id) => ({ Ref: id })) : [ref];
    for (const one of chosen) {
      const p = resolvePrincipal(one, type, index);
      typeof p === 'string' ? external.push(p) : principals.add(p);
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
  asArray(policy.properties.Roles).forEach((ref) => add(ref, 'AWS::IAM::Role'));
  asArray(policy.properties.Users).forEach((ref) => add(ref, 'AWS::IAM::User'));
  asArray(policy.properties.Groups).forEach((ref) => add(ref, 'AWS::IAM::Group'));
  if (policy.type === 'AWS::IAM::ManagedPolicy') {
    for (const type of PRINCIPAL_TYPES) {
      (index.groupByReference(type, 'ManagedPolicyArns').get(policy.logicalId) ?? []).forEach((p) => principals.add(p));
    }
  }
  return { principals: [...principals], external };
}

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
    for (const user of index.byType('AWS::IAM::User')) {
      for (const ref of asArray(user.properties.Groups)) {
        const group = resolvePrincipal(ref, 'AWS::IAM::Group', index);
        if (typeof group !== 'string') {
          for (const held of out.get(group.logicalId) ?? []) {
            push(user, { ...held, where: `${held.where} (group ${group.logicalId})`, via: held.via ?? group.logicalId });
          }
        }
      }
    }
    return out;
  });
}

/** The policies a principal holds, or (for a policy resource) the policy itself. */
export function policiesOf(r: RenderedResource, index: StackIndex): HeldPolicy[] {
  if (PRINCIPAL_TYPES.includes(r.type)) {
    const held = heldPolicies(index).get(r.logicalId) ?? [];
    if (index.isAsWritten(r)) {
      return held;
    }
    // One way the principal can be deployed (an Fn::If branch, a parameter's value): what it carries
    // itself is read from that version; policies of other resources that name it are held as well.
    return [...carriedBy(r, index), ...held.filter((h) => h.carrier.logicalId !== r.logicalId)];
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
  // Policy resources only: a group's own versions are judged on the group.
  const others = held.filter((h) => h.carrier.logicalId !== r.logicalId && !PRINCIPAL_TYPES.includes(h.carrier.type));
  const carriers = new Set(others.map((h) => h.carrier));
  const choosing = [...carriers]
    .map((carrier) => ({ carrier, versions: index.variantsOf(carrier)?.filter((v) => compatible(v.resource.choices, r.choices)) }))
    .filter((c) => c.versions !== undefined);
  if (choosing.length === 0) {
    return judge(held);
  }
  // Every combination of the carriers' versions that agree on the conditions and parameters they share.
  let combinations: RenderedResource[][] = [[]];
  for (const { versions } of choosing) {
    combinations = combinations.flatMap((combination) => versions!
      .filter((v) => combination.every((other) => compatible(other.choices, v.resource.choices)))
      .map((v) => [...combination, v.resource]));
    if (combinations.length > MAX_VARIANTS) {
      return unverifiable(`the policies ${r.logicalId} holds choose with Fn::If or parameters in more than ${MAX_VARIANTS} combinations`);
    }
  }
  const outcomes = combinations.map((combination) => {
    const byCarrier = new Map(combination.map((version) => [version.logicalId, version]));
    const versionHeld = held.flatMap((h): HeldPolicy[] => {
      const version = byCarrier.get(h.carrier.logicalId);
      if (!version) {
        return [h];
      }
      if (!holdersOf(version, index).principals.some((p) => p.logicalId === (h.via ?? r.logicalId))) {
        return []; // not attached in this version
      }
      const [source] = policySources(version, index);
      return source ? [{ ...h, carrier: version, statements: source.statements, unresolved: source.unresolved }] : [];
    });
    const outcome = judge(versionHeld);
    const choices = new Map(combination.flatMap((version) => [...version.choices ?? []]));
    const findsSomething = outcome.verdict === Verdict.NON_COMPLIANT || outcome.verdict === Verdict.UNVERIFIABLE;
    return findsSomething && choices.size > 0 ? { ...outcome, detail: `${outcome.detail ?? 'a finding'} (when ${describeChoices(choices)})` } : outcome;
  });
  return worst(outcomes);
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
