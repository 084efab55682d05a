import { App, Stack } from 'aws-cdk-lib';
import { ALLOWED_REGIONS, IN_FRANKFURT, RESIDENCY_CASES } from './cases/residency';
import { C, NC, UNV } from './cases/types';
import { cfnOf } from './helpers';
import { DataResidencyChecks, RuleStatus } from '../../lib/nag';

const PACK = 'DataResidency';

describe.each(RESIDENCY_CASES.map((c) => [`${c.rule}: ${c.title} (${c.form})`, c] as const))('%s', (_name, c) => {
  test(`is ${c.expect}`, () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', c.stackProps ?? IN_FRANKFURT);
    const target = cfnOf(c.build(stack));
    const pack = new DataResidencyChecks(app, { allowedRegions: ALLOWED_REGIONS });
    const report = pack.validateScope(app);
    const id = `${PACK}-${c.rule}`;
    const evaluation = pack.evaluations.find((e) => e.constructPath === target.node.path && e.ruleId === id);
    const status = evaluation?.status ?? RuleStatus.NOT_APPLICABLE;
    expect({ status, detail: evaluation?.detail }).toEqual(expect.objectContaining({ status: c.expect }));
    if (c.detail) {
      expect(evaluation?.detail).toMatch(c.detail);
    }
    const paths = (name: string) => report.violations.filter((v) => v.ruleName === name)
      .flatMap((v) => v.violatingResources.map((r) => r.constructPath));
    // cdk-nag sees exactly the verdict recorded as evidence
    expect(paths(id).includes(target.node.path)).toBe(c.expect === NC);
    expect(paths(`${id}-Unverifiable`).includes(target.node.path)).toBe(c.expect === UNV);
  });
});

describe('residency rule case coverage', () => {
  const rules = new DataResidencyChecks(new App(), { allowedRegions: ALLOWED_REGIONS }).ruleInfos.map((r) => r.name)
    .filter((name) => name !== 'StackRegionAllowed'); // judged per stack in packs.test.ts
  test.each(rules)('%s has compliant, non-compliant, plain CfnResource, raw-override and token cases', (rule) => {
    const cases = RESIDENCY_CASES.filter((c) => c.rule === rule);
    expect(cases.some((c) => c.expect === C)).toBe(true);
    expect(cases.some((c) => c.expect === NC)).toBe(true);
    expect(cases.some((c) => c.form === 'plain')).toBe(true);
    expect(cases.some((c) => c.form === 'override')).toBe(true);
    expect(cases.some((c) => c.form === 'token')).toBe(true);
  });

  test('every case names a rule of the pack', () => {
    expect(RESIDENCY_CASES.filter((c) => !rules.includes(c.rule)).map((c) => c.rule)).toEqual([]);
  });
});
