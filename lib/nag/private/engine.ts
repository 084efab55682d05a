import { CfnResource, Stack } from 'aws-cdk-lib';
import { IApplyRule, NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { findAcknowledgment } from './acknowledgments';
import { EvaluationSession, RenderedResource } from './rendered';
import { Outcome, RuleContext, RuleDefinition, RuleOptions, UNVERIFIABLE_SUFFIX, unverifiable, Verdict, worst } from './rule';
import { Variant } from './variants';
import { RuleEvaluation, RuleInfo, StackSummary } from '../evidence';

/**
 * Runs a list of rules over resources for one pack: renders each resource once (through the
 * per-run stack index), dispatches by resource type, records evidence and hands findings to
 * cdk-nag's `applyRule` so acknowledgments and reporting behave like any cdk-nag pack.
 */
export class RuleEngine {
  public evaluations: RuleEvaluation[] = [];
  private session = new EvaluationSession();
  private readonly byType = new Map<string, RuleDefinition[]>();
  private readonly wildcard: RuleDefinition[] = [];
  private readonly stacks = new Map<Stack, { templateFile: string; count: number }>();

  constructor(
    private readonly packName: string,
    private readonly rules: RuleDefinition[],
    private readonly options: RuleOptions,
  ) {
    for (const rule of rules) {
      for (const type of rule.resourceTypes) {
        if (type === '*') {
          this.wildcard.push(rule);
        } else {
          const list = this.byType.get(type);
          list ? list.push(rule) : this.byType.set(type, [rule]);
        }
      }
    }
  }

  public get ruleInfos(): RuleInfo[] {
    return this.rules.map((r) => ({
      ruleId: `${this.packName}-${r.name}`,
      name: r.name,
      pack: this.packName,
      guarantee: r.guarantee,
      info: r.info,
      explanation: r.explanation,
      resourceTypes: [...r.resourceTypes],
    }));
  }

  /** Rule ids the pack can report, including the `-Unverifiable` warnings. */
  public get ruleIds(): string[] {
    return this.rules.flatMap((r) => [`${this.packName}-${r.name}`, `${this.packName}-${r.name}${UNVERIFIABLE_SUFFIX}`]);
  }

  public get stackSummaries(): StackSummary[] {
    return [...this.stacks.entries()].map(([stack, s]) => ({
      stackPath: stack.node.path,
      templateFile: s.templateFile,
      resourceCount: s.count,
    }));
  }

  /**
   * Starts a validation run: fresh renderings, fresh evidence.
   * @param templatePaths templates already synthesized by the CDK, read instead of re-rendered
   */
  public begin(templatePaths?: string[]): void {
    this.session = new EvaluationSession(templatePaths);
    this.evaluations = [];
    this.stacks.clear();
  }

  public check(node: CfnResource, apply: (params: IApplyRule) => void): void {
    const found = this.session.lookup(node);
    if (!found) {
      return;
    }
    const { resource, index } = found;
    const stackEntry = this.stacks.get(resource.stack) ?? { templateFile: resource.stack.templateFile, count: 0 };
    stackEntry.count++;
    this.stacks.set(resource.stack, stackEntry);
    const context = { index, options: this.options };
    const typed = this.byType.get(resource.type);
    const rules = typed ? (this.wildcard.length ? [...typed, ...this.wildcard] : typed) : this.wildcard;
    const variants = rules.length > 0 ? index.variantsOf(resource) : undefined;
    // `node.path` joins the scopes on every read: read each once per resource.
    const stackPath = rules.length > 0 ? resource.stack.node.path : '';
    const constructPath = rules.length > 0 ? node.node.path : '';
    for (const rule of rules) {
      const outcome = variants ? judgeEveryVariant(rule, variants, context) : judge(rule, resource, context);
      if (outcome.verdict === Verdict.NOT_APPLICABLE) {
        continue;
      }
      const ruleId = `${this.packName}-${rule.name}`;
      const finding = outcome.verdict !== Verdict.COMPLIANT;
      const reportedId = outcome.verdict === Verdict.UNVERIFIABLE ? `${ruleId}${UNVERIFIABLE_SUFFIX}` : ruleId;
      const ack = finding ? findAcknowledgment(node, reportedId) : undefined;
      this.evaluations.push({
        pack: this.packName,
        ruleId,
        guarantee: rule.guarantee,
        stackPath,
        templateFile: stackEntry.templateFile,
        constructPath,
        logicalId: resource.logicalId,
        resourceType: resource.type,
        status: outcome.verdict,
        detail: outcome.detail,
        acknowledgedId: ack?.id,
        acknowledgedReason: ack?.reason,
      });
      if (finding) {
        const unverified = outcome.verdict === Verdict.UNVERIFIABLE;
        apply({
          ruleSuffixOverride: reportedId.slice(this.packName.length + 1),
          info: unverified
            ? `Cannot verify at synth: ${outcome.detail ?? rule.info} (${rule.name}: ${rule.info})`
            : `${rule.info}${outcome.detail ? ` ${capitalize(outcome.detail)}.` : ''}`,
          explanation: rule.explanation,
          level: unverified ? NagMessageLevel.WARN : rule.level ?? NagMessageLevel.ERROR,
          node,
          rule: () => NagRuleCompliance.NON_COMPLIANT,
        });
      }
    }
  }
}

function judge(rule: RuleDefinition, resource: RenderedResource, context: RuleContext): Outcome {
  try {
    return rule.evaluate(resource, context);
  } catch (e) {
    return unverifiable(`the rule could not evaluate the resource: ${(e as Error).message}`);
  }
}

/**
 * A resource that chooses with `Fn::If` or takes parameters is judged on every way it can be deployed:
 * compliant only if every way is, non-compliant if any way is, naming the choices that make it so.
 */
function judgeEveryVariant(rule: RuleDefinition, variants: Variant[], context: RuleContext): Outcome {
  const outcomes = variants.map(({ resource, when }) => {
    const outcome = judge(rule, resource, context);
    const findsSomething = outcome.verdict === Verdict.NON_COMPLIANT || outcome.verdict === Verdict.UNVERIFIABLE;
    return findsSomething ? { ...outcome, detail: `${outcome.detail ?? rule.info} (when ${when})` } : outcome;
  });
  return worst(outcomes);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
