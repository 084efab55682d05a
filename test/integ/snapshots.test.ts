import { INTEG_APPS, readSnapshot, synthesizeIntegApp } from './snapshot';

/**
 * What integ-runner's snapshot check would do offline: each integration app, synthesized now, must
 * equal its committed snapshot. A difference is a change to what the integration tests deploy;
 * review it, then refresh with `npx projen integ:snapshot`.
 */
describe.each(Object.keys(INTEG_APPS))('integration test %s', (name) => {
  test('synthesizes the templates of its committed snapshot (after a deliberate change: npx projen integ:snapshot)', () => {
    const synthesized = synthesizeIntegApp(name);
    const committed = readSnapshot(name);
    expect(Object.keys(committed).length).toBeGreaterThan(0);
    expect(Object.keys(synthesized).sort()).toEqual(Object.keys(committed));
    for (const [file, text] of Object.entries(synthesized)) {
      // Compared as JSON, so a failure names the path that changed.
      expect({ file, template: JSON.parse(text) }).toEqual({ file, template: JSON.parse(committed[file]) });
    }
  });
});
