import { readFileSync } from 'fs';
import { join } from 'path';
import { GuaranteeCatalogue } from '../lib/nag';

test('the README rule table is the one generated from the guarantee catalogue', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const region = /<!-- rules:start -->\n([\s\S]*)\n<!-- rules:end -->/.exec(readme);
  expect(region).not.toBeNull();
  expect(region![1]).toBe(GuaranteeCatalogue.renderRuleTable());
});

test('the README keeps the two commands for a newcomer', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  expect(readme).toContain('npm ci && npx cdk synth');
  expect(readme).toContain('npm test');
});
