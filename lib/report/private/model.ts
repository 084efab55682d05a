import { IConstruct } from 'constructs';
import { IEvidenceSource, RuleEvaluation, RuleInfo, RuleStatus } from '../../nag/evidence';
import { Guarantee, GuaranteeCatalogue } from '../../nag/guarantees';
import { ownAcknowledgments } from '../../nag/private/acknowledgments';

/** A finding of a pack that records no positive evidence (e.g. cdk-nag's own packs). */
export interface ForeignFinding {
  readonly pack: string;
  readonly ruleId: string;
  readonly description: string;
  readonly severity: string;
  readonly constructPath: string;
  readonly templateFile?: string;
  readonly logicalId?: string;
}

export interface RuleTally {
  readonly ruleId: string;
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly unverifiable: number;
  readonly acknowledged: number;
  readonly notApplicable: number;
  readonly resources: RuleEvaluation[];
}

export interface StackEvidence {
  readonly stackPath: string;
  readonly templateFile: string;
  readonly resourceCount: number;
  readonly guarantees: { id: string; name: string; rules: RuleTally[] }[];
}

export interface AcknowledgmentRecord {
  readonly constructPath: string;
  readonly ruleId: string;
  readonly reason: string;
}

export interface EvidenceModel {
  /** The report's title. @default 'Security evidence report' */
  readonly title?: string;
  /** When the evidence was taken: from the synthesized templates, or from the deployed resources (`verify`). @default 'synth' */
  readonly phase?: 'synth' | 'live';
  readonly guarantees: Guarantee[];
  readonly rules: RuleInfo[];
  readonly stacks: StackEvidence[];
  /** Findings of the evidence packs (acknowledged ones carry their reason). */
  readonly findings: RuleEvaluation[];
  readonly foreignPacks: { pack: string; success: boolean; findings: ForeignFinding[] }[];
  readonly acknowledgments: AcknowledgmentRecord[];
}

/** Builds the report model from the evidence packs' last runs, foreign pack reports and the tree. */
export function buildModel(
  root: IConstruct,
  sources: IEvidenceSource[],
  foreign: { pack: string; success: boolean; findings: ForeignFinding[] }[],
): EvidenceModel {
  return modelOf(sources, foreign, collectAcknowledgments(root));
}

/**
 * Builds the report model from evidence sources alone, for evidence taken outside a construct tree
 * (`verify` judges deployed stacks): the guarantees name the rules of `sources`.
 */
export function liveModel(title: string, sources: IEvidenceSource[]): EvidenceModel {
  const rules = sources.flatMap((s) => s.ruleInfos);
  const model = modelOf(sources, [], []);
  return {
    ...model,
    title,
    phase: 'live',
    guarantees: model.guarantees.map((g) => ({ ...g, ruleIds: rules.filter((r) => r.guarantee === g.id).map((r) => r.ruleId) })),
  };
}

function modelOf(
  sources: IEvidenceSource[],
  foreign: { pack: string; success: boolean; findings: ForeignFinding[] }[],
  acknowledgments: AcknowledgmentRecord[],
): EvidenceModel {
  const guarantees = GuaranteeCatalogue.guarantees;
  const rules = sources.flatMap((s) => s.ruleInfos);
  const stackInfo = new Map<string, { templateFile: string; resourceCount: number }>();
  const byStackRule = new Map<string, RuleEvaluation[]>();
  for (const source of sources) {
    for (const s of source.stackSummaries) {
      const prev = stackInfo.get(s.stackPath);
      stackInfo.set(s.stackPath, { templateFile: s.templateFile, resourceCount: Math.max(prev?.resourceCount ?? 0, s.resourceCount) });
    }
    for (const e of source.evaluations) {
      const key = `${e.stackPath}\u0000${e.ruleId}`;
      const list = byStackRule.get(key);
      list ? list.push(e) : byStackRule.set(key, [e]);
    }
  }
  const stacks: StackEvidence[] = [...stackInfo.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([stackPath, info]) => ({
    stackPath,
    templateFile: info.templateFile,
    resourceCount: info.resourceCount,
    guarantees: guarantees.map((g) => ({
      id: g.id,
      name: g.name,
      rules: rules.filter((r) => r.guarantee === g.id).map((r) => {
        const resources = byStackRule.get(`${stackPath}\u0000${r.ruleId}`) ?? [];
        const count = (status: RuleStatus) => resources.filter((e) => e.status === status).length;
        return {
          ruleId: r.ruleId,
          compliant: count(RuleStatus.COMPLIANT),
          nonCompliant: count(RuleStatus.NON_COMPLIANT),
          unverifiable: count(RuleStatus.UNVERIFIABLE),
          acknowledged: resources.filter((e) => e.acknowledgedReason !== undefined).length,
          notApplicable: info.resourceCount - resources.length,
          resources,
        };
      }),
    })),
  }));
  const findings = sources.flatMap((s) => s.evaluations)
    .filter((e) => e.status === RuleStatus.NON_COMPLIANT || e.status === RuleStatus.UNVERIFIABLE);
  return { guarantees, rules, stacks, findings, foreignPacks: foreign, acknowledgments };
}

/** Every `Validations.of(x).acknowledge(...)` in the tree, with its reason. */
export function collectAcknowledgments(root: IConstruct): AcknowledgmentRecord[] {
  const out: AcknowledgmentRecord[] = [];
  for (const c of root.node.findAll()) {
    for (const [ruleId, reason] of ownAcknowledgments(c)) {
      out.push({ constructPath: c.node.path, ruleId, reason });
    }
  }
  return out;
}
