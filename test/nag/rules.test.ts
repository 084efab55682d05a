import { NagMessageLevel } from 'cdk-nag';
import { ALL_CASES } from './cases';
import { C, NA, NC, UNV } from './cases/types';
import { judge, PACK } from './helpers';
import { TimescaleCloudSecurityChecks } from '../../lib/nag';
import { TIMESCALE_CLOUD_SECURITY_RULES } from '../../lib/nag/rules';

describe.each(ALL_CASES.map((c) => [`${c.rule}: ${c.title} (${c.form})`, c] as const))('%s', (_name, c) => {
  test(`is ${c.expect}`, () => {
    const j = judge(c.rule, c.build, c.props, c.stackProps);
    expect({ status: j.status, detail: j.detail }).toEqual(expect.objectContaining({ status: c.expect }));
    if (c.detail) {
      expect(j.detail).toMatch(c.detail);
    }
    const id = `${PACK}-${c.rule}`;
    const error = j.violations.find((v) => v.ruleName === id);
    const warning = j.violations.find((v) => v.ruleName === `${id}-Unverifiable`);
    // cdk-nag sees exactly the verdict recorded as evidence
    expect(error?.paths.includes(j.path) ?? false).toBe(c.expect === NC);
    expect(warning?.paths.includes(j.path) ?? false).toBe(c.expect === UNV);
    if (c.expect === NC) {
      const level = TIMESCALE_CLOUD_SECURITY_RULES.find((r) => r.name === c.rule)?.level ?? NagMessageLevel.ERROR;
      expect(error?.severity).toBe(level === NagMessageLevel.WARN ? 'warning' : 'error');
    }
    if (c.expect === UNV) {
      expect(warning?.severity).toBe('warning');
    }
  });
});

describe('rule case coverage', () => {
  const rules = new TimescaleCloudSecurityChecks().ruleInfos.map((r) => r.name);
  test.each(rules)('%s has compliant, non-compliant, plain CfnResource, raw-override and token cases', (rule) => {
    const cases = ALL_CASES.filter((c) => c.rule === rule);
    expect(cases.some((c) => c.expect === C)).toBe(true);
    expect(cases.some((c) => c.expect === NC)).toBe(true);
    expect(cases.some((c) => c.form === 'plain')).toBe(true);
    expect(cases.some((c) => c.form === 'override')).toBe(true);
    expect(cases.some((c) => c.form === 'token')).toBe(true);
  });

  test('every case names a rule of the pack', () => {
    expect(ALL_CASES.filter((c) => !rules.includes(c.rule)).map((c) => c.rule)).toEqual([]);
  });

  test('not-applicable cases exist', () => {
    expect(ALL_CASES.some((c) => c.expect === NA)).toBe(true);
  });
});
