// RULES.md is generated from the guarantee catalogue: `npx projen rules:doc` writes it, and
// test/readme.test.ts fails while the committed file differs from what this renders.
import { writeFileSync } from 'fs';
import { join } from 'path';
import { GuaranteeCatalogue } from '../../lib/nag';

/** Where the rule table lives. */
export const RULES_DOC_PATH = join(__dirname, '..', '..', 'RULES.md');

/** The whole of RULES.md: a short preamble and the table from `GuaranteeCatalogue.renderRuleTable()`. */
export function renderRulesDoc(): string {
  return [
    '<!-- Generated from lib/nag/guarantees.ts by `npx projen rules:doc`; do not edit by hand. -->',
    '',
    '# The guarantees and the rules that prove them',
    '',
    'Each guarantee comes from a sentence of the "Timescale Cloud security" document; each rule of this',
    'library\'s packs (`TimescaleCloudSecurityChecks`, `DataResidencyChecks`) proves one of them. The',
    'table is rendered from the catalogue (`GuaranteeCatalogue.renderRuleTable()`); a test keeps this',
    'file equal to it.',
    '',
    GuaranteeCatalogue.renderRuleTable(),
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(RULES_DOC_PATH, renderRulesDoc());
  console.log(`wrote ${RULES_DOC_PATH}`);
}
