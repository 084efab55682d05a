import { readFileSync } from 'fs';
import { join } from 'path';
import { renderRulesDoc, RULES_DOC_PATH } from './setup/rules-doc';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

test('RULES.md is the rule table generated from the guarantee catalogue (`npx projen rules:doc` rewrites it)', () => {
  expect(readFileSync(RULES_DOC_PATH, 'utf8')).toBe(renderRulesDoc());
});

test('the README links to RULES.md and keeps no copy of the table', () => {
  expect(README).toContain('](RULES.md)');
  expect(README).not.toContain('<!-- rules:start -->');
});

test('the README keeps the two commands for a newcomer', () => {
  expect(README).toContain('npm ci && npx cdk synth');
  expect(README).toContain('npm test');
});
