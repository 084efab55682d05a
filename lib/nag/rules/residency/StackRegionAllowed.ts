import { Stack, Token } from 'aws-cdk-lib';
import { RenderedTemplateRule, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray } from '../../private/values';

const isRegionRef = (v: unknown) => !!v && typeof v === 'object' && (v as any).Ref === 'AWS::Region';

/** Regions an assertion confines AWS::Region to, or undefined if it does not confine it. */
function confinedRegions(assert: unknown): string[] | undefined {
  if (!assert || typeof assert !== 'object') {
    return undefined;
  }
  const [fn, args] = Object.entries(assert as object)[0] ?? [];
  if (fn === 'Fn::Contains' && Array.isArray(args) && Array.isArray(args[0]) && isRegionRef(args[1])) {
    return args[0].every((x: unknown) => typeof x === 'string') ? args[0] : undefined;
  }
  if (fn === 'Fn::Equals' && Array.isArray(args) && args.length === 2) {
    const [a, b] = args;
    if (isRegionRef(a) && typeof b === 'string') return [b];
    if (isRegionRef(b) && typeof a === 'string') return [a];
    return undefined;
  }
  if (fn === 'Fn::Or' && Array.isArray(args)) {
    const parts = args.map(confinedRegions);
    return parts.every((p) => p !== undefined) ? parts.flat() as string[] : undefined;
  }
  return undefined;
}

/** Regions enforced by unconditioned template rules; undefined when no rule confines the region. */
export function enforcedRegions(rules: RenderedTemplateRule[]): string[] | undefined {
  let result: string[] | undefined;
  for (const rule of rules) {
    if (rule.ruleCondition !== undefined) {
      continue; // a conditioned rule only applies sometimes
    }
    for (const a of asArray<any>(rule.assertions)) {
      const regions = confinedRegions(a?.Assert);
      if (regions) {
        result = result ? result.filter((r) => regions.includes(r)) : regions;
      }
    }
  }
  return result;
}

/** Whether the stack's Region is one of `allowed`: its concrete region, or the one its template rules confine it to. */
export function judgeStackRegion(stack: Stack, index: StackIndex, allowed: string[]): Outcome {
  const region = stack.region;
  if (!Token.isUnresolved(region)) {
    return allowed.includes(region) ? COMPLIANT : nonCompliant(`region ${region} is not in ${allowed.join(', ')}`);
  }
  const enforced = enforcedRegions(index.templateRules);
  if (enforced === undefined) {
    return unverifiable('the stack is environment-agnostic and no template rule confines AWS::Region');
  }
  const outside = enforced.filter((x) => !allowed.includes(x));
  return outside.length === 0 && enforced.length > 0 ? COMPLIANT
    : nonCompliant(`the template rule admits ${outside.join(', ') || 'no region'}; allowed: ${allowed.join(', ')}`);
}

/** Every stack deploys to an allowed region (judged once per stack, on its first resource). */
export const StackRegionAllowed: RuleDefinition = {
  name: 'StackRegionAllowed',
  guarantee: 'G8',
  info: 'The stack may deploy customer data outside the allowed regions.',
  explanation: 'GDPR data residency: customer data stays in the agreed regions. Give the stack an explicit env.region ' +
    'from allowedRegions or, for environment-agnostic stacks, add a CfnRule without RuleCondition asserting ' +
    'Fn::Contains [allowedRegions, Ref AWS::Region].',
  resourceTypes: ['*'],
  evaluate(r, { index, options }) {
    if (index.memo('region-judged-on', () => r.logicalId) !== r.logicalId) {
      return NOT_APPLICABLE;
    }
    return judgeStackRegion(r.stack, index, options.allowedRegions ?? []);
  },
};
