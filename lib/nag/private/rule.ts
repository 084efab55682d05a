import { NagMessageLevel } from 'cdk-nag';
import { RenderedResource, StackIndex } from './rendered';
import { RuleStatus } from '../evidence';

/** Rules conclude with the public {@link RuleStatus}; `Verdict` is its short local name. */
export const Verdict = RuleStatus;
export type Verdict = RuleStatus;

export interface Outcome {
  readonly verdict: Verdict;
  /** What exactly was found (or could not be seen), for messages and the evidence report. */
  readonly detail?: string;
}

export const COMPLIANT: Outcome = { verdict: Verdict.COMPLIANT };
export const NOT_APPLICABLE: Outcome = { verdict: Verdict.NOT_APPLICABLE };
export function nonCompliant(detail: string): Outcome {
  return { verdict: Verdict.NON_COMPLIANT, detail };
}
export function unverifiable(detail: string): Outcome {
  return { verdict: Verdict.UNVERIFIABLE, detail };
}

/** Worst of several outcomes: non-compliant beats unverifiable beats compliant beats n/a. */
export function worst(outcomes: Outcome[]): Outcome {
  const rank = [Verdict.NON_COMPLIANT, Verdict.UNVERIFIABLE, Verdict.COMPLIANT, Verdict.NOT_APPLICABLE];
  let best: Outcome = NOT_APPLICABLE;
  const details: string[] = [];
  for (const o of outcomes) {
    if (rank.indexOf(o.verdict) < rank.indexOf(best.verdict)) {
      best = o;
      details.length = 0;
    }
    if (o.verdict === best.verdict && o.detail) {
      details.push(o.detail);
    }
  }
  return details.length > 1 ? { verdict: best.verdict, detail: details.join('; ') } : best;
}

/** Pack options the rules may read. */
export interface RuleOptions {
  readonly allowedDatabaseCidrs?: string[];
  readonly databasePort: number;
  readonly allowedRegions?: string[];
}

export interface RuleContext {
  readonly index: StackIndex;
  readonly options: RuleOptions;
}

/** A rule: written once, in its own file, with its messages and guarantee. */
export interface RuleDefinition {
  /** Rule name; the rule id is `<pack>-<name>`. */
  readonly name: string;
  /** Guarantee id from the catalogue (G1..G8). */
  readonly guarantee: string;
  /** One line: what is wrong when the rule fires. */
  readonly info: string;
  /** Why the rule exists and how to fix a finding. */
  readonly explanation: string;
  /** Severity of a non-compliant finding; unverifiable findings are always warnings. */
  readonly level?: NagMessageLevel;
  /** Resource types the rule judges; `*` for all. Everything else is not applicable. */
  readonly resourceTypes: string[];
  evaluate(resource: RenderedResource, context: RuleContext): Outcome;
}

/** Suffix of the warning a rule raises when it cannot see the value it needs. */
export const UNVERIFIABLE_SUFFIX = '-Unverifiable';
