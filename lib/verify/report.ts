import { LIVE_PACK, LIVE_RULES } from './rules';
import { LiveEvidence } from './verifier';
import { RuleStatus } from '../nag/evidence';
import { EvidenceModel, liveModel } from '../report/private/model';
import { renderJson, renderMarkdown, renderSarif, renderText } from '../report/private/render';

/** The report formats of `verify`: those of the evidence report, and plain text. */
export const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type Format = typeof FORMATS[number];

/** The evidence report's model of a live run: per stack and guarantee, each live rule's results. */
export function liveEvidenceModel(evidence: LiveEvidence, title: string): EvidenceModel {
  return liveModel(title, [{
    evidencePackName: LIVE_PACK,
    ruleInfos: LIVE_RULES,
    evaluations: evidence.evaluations,
    stackSummaries: evidence.stacks,
  }]);
}

/** Renders the model; SARIF locates each result in its stack (by ARN) and names the logical and physical ids. */
export function renderReport(model: EvidenceModel, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(renderJson(model), undefined, 2) + '\n';
    case 'sarif':
      return JSON.stringify(renderSarif(model, (stackId) => ({ uri: stackId })), undefined, 2) + '\n';
    case 'markdown':
      return renderMarkdown(model);
    case 'text':
      return renderText(model);
  }
}

/** How many checks failed and could not be made. */
export function tally(evidence: LiveEvidence): { nonCompliant: number; unverifiable: number } {
  return {
    nonCompliant: evidence.evaluations.filter((e) => e.status === RuleStatus.NON_COMPLIANT).length,
    unverifiable: evidence.evaluations.filter((e) => e.status === RuleStatus.UNVERIFIABLE).length,
  };
}
