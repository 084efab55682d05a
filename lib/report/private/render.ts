import { EvidenceModel } from './model';
import { RuleEvaluation, RuleStatus } from '../../nag/evidence';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/cdk-timescale-security/cdk-timescale-security';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderJson(model: EvidenceModel): any {
  return {
    generatedBy: 'cdk-timescale-security',
    ...(model.phase === 'live' ? { title: model.title, phase: model.phase } : {}),
    summary: summary(model),
    guarantees: model.guarantees,
    rules: model.rules,
    stacks: model.stacks,
    acknowledgments: model.acknowledgments,
    otherPacks: model.foreignPacks,
  };
}

function summary(model: EvidenceModel) {
  const open = model.findings.filter((f) => f.acknowledgedReason === undefined);
  return {
    stacks: model.stacks.length,
    evaluations: model.stacks.reduce((n, s) => n + s.guarantees.reduce((m, g) => m + g.rules.reduce((k, r) => k + r.resources.length, 0), 0), 0),
    openFindings: open.length + model.foreignPacks.reduce((n, p) => n + p.findings.length, 0),
    acknowledgedFindings: model.findings.length - open.length,
    acknowledgments: model.acknowledgments.length,
  };
}

export function renderMarkdown(model: EvidenceModel): string {
  const s = summary(model);
  const out: string[] = [
    `# ${model.title ?? 'Security evidence report'}`,
    '',
    `${s.stacks} stack(s), ${s.evaluations} rule evaluations, ${s.openFindings} open finding(s), ` +
      `${s.acknowledgedFindings} acknowledged finding(s), ${s.acknowledgments} acknowledgment(s).`,
    '',
  ];
  for (const stack of model.stacks) {
    out.push(`## Stack \`${stack.stackPath}\` (${stack.templateFile}, ${stack.resourceCount} resources)`, '');
    out.push('| Guarantee | Rule | Compliant | Non-compliant | Cannot verify | Acknowledged | Not applicable |');
    out.push('|-----------|------|----------:|--------------:|--------------:|-------------:|---------------:|');
    for (const g of stack.guarantees) {
      g.rules.forEach((r, i) => {
        out.push(`| ${i === 0 ? `${g.id} ${g.name}` : ''} | \`${r.ruleId}\` | ${r.compliant} | ${r.nonCompliant} | ${r.unverifiable} | ${r.acknowledged} | ${r.notApplicable} |`);
      });
    }
    out.push('');
    const evaluated = stack.guarantees.flatMap((g) => g.rules.flatMap((r) => r.resources));
    if (evaluated.length > 0) {
      out.push('<details><summary>Resources checked</summary>', '');
      out.push('| Rule | Resource | Type | Result |', '|------|----------|------|--------|');
      for (const e of evaluated) {
        out.push(`| \`${e.ruleId}\` | ${resourceText(e)} | ${e.resourceType} | ${resultText(e)} |`);
      }
      out.push('', '</details>', '');
    }
  }
  out.push('## Findings', '');
  if (model.findings.length === 0 && model.foreignPacks.every((p) => p.findings.length === 0)) {
    out.push('None.', '');
  } else {
    out.push('| Rule | Resource | Result | Detail | Acknowledgment |', '|------|----------|--------|--------|----------------|');
    for (const f of model.findings) {
      out.push(`| \`${f.ruleId}\` | ${f.physicalId !== undefined ? resourceText(f) : `\`${cell(f.constructPath)}\``} | ${f.status} | ${cell(f.detail ?? '')} | ${cell(f.acknowledgedReason ?? 'open')} |`);
    }
    for (const p of model.foreignPacks) {
      for (const f of p.findings) {
        out.push(`| \`${f.ruleId}\` | \`${cell(f.constructPath)}\` | ${f.severity} | ${cell(f.description)} | open |`);
      }
    }
    out.push('');
  }
  out.push('## Acknowledgments', '');
  if (model.acknowledgments.length === 0) {
    out.push('None.', '');
  } else {
    out.push('| Construct | Rule | Reason |', '|-----------|------|--------|');
    for (const a of model.acknowledgments) {
      out.push(`| \`${cell(a.constructPath)}\` | \`${a.ruleId}\` | ${cell(a.reason)} |`);
    }
    out.push('');
  }
  out.push('## Guarantees', '');
  for (const g of model.guarantees) {
    out.push(`- **${g.id} ${g.name}**: ${g.sourceSentences.map((x) => `"${x}"`).join(' ')} Rules: ${g.ruleIds.map((r) => `\`${r}\``).join(', ')}.`);
  }
  return out.join('\n') + '\n';
}

/** The construct path and logical id; for a deployed resource, the logical and physical ids. */
function resourceText(e: RuleEvaluation): string {
  return e.physicalId !== undefined
    ? `\`${cell(e.logicalId)}\` (\`${cell(e.physicalId)}\`)`
    : `\`${cell(e.constructPath)}\` (${e.logicalId})`;
}

function resultText(e: RuleEvaluation): string {
  const base = e.status === RuleStatus.COMPLIANT ? 'compliant' : e.status === RuleStatus.NON_COMPLIANT ? '**non-compliant**' : '**cannot verify**';
  const detail = e.detail ? `: ${cell(e.detail)}` : '';
  return e.acknowledgedReason !== undefined ? `${base}${detail} (acknowledged: ${cell(e.acknowledgedReason)})` : `${base}${detail}`;
}

/**
 * SARIF 2.1.0: one run, rules from all packs, one result per finding; acknowledged findings carry
 * an in-source suppression with the reason as justification.
 * @param locate template path (relative, for the artifact uri) and line of a logical id
 */
export function renderSarif(model: EvidenceModel, locate: (templateFile: string, logicalId?: string) => { uri: string; line?: number }): any {
  const ruleIds = [...new Set([...model.rules.map((r) => r.ruleId), ...model.foreignPacks.flatMap((p) => p.findings.map((f) => f.ruleId))])];
  const rules = ruleIds.map((id) => {
    const info = model.rules.find((r) => r.ruleId === id);
    const foreign = model.foreignPacks.flatMap((p) => p.findings).find((f) => f.ruleId === id);
    const text = info?.info ?? foreign?.description ?? id;
    return {
      id,
      name: info?.name ?? id,
      shortDescription: { text },
      fullDescription: { text: info ? `${info.info} ${info.explanation}` : text },
      help: { text: info?.explanation ?? text },
      properties: info ? { guarantee: info.guarantee, tags: ['security', info.guarantee] } : { tags: ['security'] },
    };
  });
  const results: any[] = [];
  const location = (templateFile: string, constructPath: string, logicalId?: string) => {
    const where = locate(templateFile, logicalId);
    return {
      physicalLocation: {
        artifactLocation: { uri: where.uri },
        ...(where.line ? { region: { startLine: where.line } } : {}),
      },
      logicalLocations: [{ fullyQualifiedName: constructPath, name: logicalId ?? constructPath, kind: 'resource' }],
    };
  };
  for (const f of model.findings) {
    const suffix = f.status === RuleStatus.UNVERIFIABLE ? '-Unverifiable' : '';
    results.push({
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: f.status === RuleStatus.NON_COMPLIANT ? 'error' : 'warning',
      message: {
        text: f.physicalId !== undefined
          ? `${f.status === RuleStatus.UNVERIFIABLE ? 'Cannot verify: ' : ''}${f.detail ?? ''} (${f.ruleId}${suffix} on ${f.logicalId}, ${f.physicalId})`
          : `${f.status === RuleStatus.UNVERIFIABLE ? 'Cannot verify at synth: ' : ''}${f.detail ?? ''} (${f.ruleId}${suffix} on ${f.constructPath})`,
      },
      locations: [location(f.templateFile, f.constructPath, f.logicalId)],
      ...(f.acknowledgedReason !== undefined ? {
        suppressions: [{ kind: 'inSource', status: 'accepted', justification: f.acknowledgedReason }],
      } : {}),
      properties: { guarantee: f.guarantee, resourceType: f.resourceType, ...(f.physicalId !== undefined ? { physicalId: f.physicalId } : {}) },
    });
  }
  for (const p of model.foreignPacks) {
    for (const f of p.findings) {
      results.push({
        ruleId: f.ruleId,
        ruleIndex: ruleIds.indexOf(f.ruleId),
        level: f.severity === 'error' ? 'error' : 'warning',
        message: { text: `${f.description} (${f.constructPath})` },
        locations: [f.templateFile
          ? location(f.templateFile, f.constructPath, f.logicalId)
          : { logicalLocations: [{ fullyQualifiedName: f.constructPath, kind: 'resource' }] }],
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'cdk-timescale-security', informationUri: INFORMATION_URI, rules } },
      results,
    }],
  };
}

/**
 * Plain text for a terminal: per stack, each rule with its counts, then every finding with its
 * resource and detail, then one summary line.
 */
export function renderText(model: EvidenceModel): string {
  const out: string[] = [model.title ?? 'Security evidence report', ''];
  for (const stack of model.stacks) {
    out.push(`${stack.stackPath} (${stack.templateFile}, ${stack.resourceCount} resources)`);
    for (const g of stack.guarantees) {
      const checked = g.rules.filter((r) => r.resources.length > 0);
      if (checked.length === 0) {
        continue;
      }
      out.push(`  ${g.id} ${g.name}`);
      for (const r of checked) {
        const verdict = r.nonCompliant > 0 ? 'NON-COMPLIANT' : r.unverifiable > 0 ? 'CANNOT VERIFY' : 'ok';
        out.push(`    ${verdict.padEnd(13)} ${r.ruleId}: ${r.compliant} compliant, ${r.nonCompliant} non-compliant, ${r.unverifiable} cannot verify`);
        for (const e of r.resources.filter((x) => x.status === RuleStatus.NON_COMPLIANT || x.status === RuleStatus.UNVERIFIABLE)) {
          const name = e.physicalId !== undefined ? `${e.logicalId} (${e.physicalId})` : `${e.constructPath} (${e.logicalId})`;
          out.push(`      ${e.status === RuleStatus.NON_COMPLIANT ? 'non-compliant' : 'cannot verify'}: ${name} ${e.resourceType}: ${e.detail ?? ''}`);
        }
      }
    }
    out.push('');
  }
  const s = summary(model);
  const nonCompliant = model.findings.filter((f) => f.status === RuleStatus.NON_COMPLIANT).length;
  out.push(`${s.stacks} stack(s), ${s.evaluations} check(s): ${nonCompliant} non-compliant, ${model.findings.length - nonCompliant} cannot verify.`);
  return out.join('\n') + '\n';
}
