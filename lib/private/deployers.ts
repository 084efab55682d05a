import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Deployers named for a stack by `ServiceKeysProps.deployers`, so the stack's secrets exempt the same principals. */
const declared = new WeakMap<Stack, iam.IPrincipal[]>();

/** Records principals that CloudFormation deploys `stack` as. */
export function declareDeployers(stack: Stack, principals: iam.IPrincipal[]): void {
  declared.set(stack, [...(declared.get(stack) ?? []), ...principals]);
}

/** The ARNs of the deployers declared for `stack` (unresolved, as policies take them); undefined when none was declared. */
export function declaredDeployerArns(stack: Stack): string[] | undefined {
  const principals = declared.get(stack);
  if (!principals || principals.length === 0) {
    return undefined;
  }
  return principals.flatMap((principal) => [principal.policyFragment.principalJson.AWS ?? []].flat() as string[]);
}

/**
 * The principals CloudFormation creates and updates `stack`'s resources as: those declared with
 * `declareDeployers`, otherwise the CloudFormation execution role of the stack's DefaultStackSynthesizer.
 * Read at synthesis (from a Lazy), so a later declaration still counts.
 *
 * @param what the property that names them, for the error message
 */
export function deployersOf(stack: Stack, what: string = 'ServiceKeysProps.deployers'): iam.IPrincipal[] {
  const principals = declared.get(stack);
  if (principals && principals.length > 0) {
    return principals;
  }
  const synthesizer = stack.synthesizer;
  if (synthesizer instanceof DefaultStackSynthesizer) {
    const arn = synthesizer.cloudFormationExecutionRoleArn;
    return [new iam.ArnPrincipal(arn.includes('${') ? Fn.sub(arn) : arn)];
  }
  throw new Error(
    `${what} is required when the stack's synthesizer is not a DefaultStackSynthesizer (stack '${stack.node.path}' ` +
    `uses ${synthesizer.constructor.name}, which names no CloudFormation execution role). Pass the role CloudFormation deploys this stack as, ` +
    "for example [iam.Role.fromRoleName(this, 'Deployer', 'my-cloudformation-role')].",
  );
}

/**
 * The resolved ARNs of the IAM principals (roles, users) among `principals`, without whole accounts,
 * `*` or repeats: the values a Deny's `aws:PrincipalArn` exemption can name.
 */
export function principalArns(stack: Stack, principals: iam.IPrincipal[]): unknown[] {
  const named = new Map<string, unknown>();
  for (const principal of principals) {
    for (const arn of [principal.policyFragment.principalJson.AWS ?? []].flat()) {
      const resolved = stack.resolve(arn);
      const text = JSON.stringify(resolved);
      if (resolved === '*' || /:root"(\]|\})*$/.test(text) || /^"\d{12}"$/.test(text)) {
        continue;
      }
      named.set(text, resolved);
    }
  }
  return [...named.values()];
}
