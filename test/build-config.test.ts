// The build's promises, pinned where projen writes them (.projen/tasks.json, from .projenrc.ts): a
// change that drops one fails here rather than going unnoticed until a release.
import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const tasks: { [name: string]: { steps?: { exec?: string; spawn?: string }[]; env?: { [key: string]: string } } } =
  JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
const steps = (task: string) => (tasks[task]?.steps ?? []).map((s) => s.exec ?? `spawn ${s.spawn}`);

test('the compile compares the API with the last release (jsii-diff)', () => {
  expect(steps('compile')).toEqual(['jsii --silence-warnings=reserved-word', 'spawn compat']);
  expect(tasks.compat.steps).toEqual([expect.objectContaining({ execArgs: expect.arrayContaining(['jsii-diff', 'npm:cdk-timescale-security']) })]);
});

test('after the compile, API.md is generated and every README and doc example must compile', () => {
  expect(steps('post-compile')).toEqual(['spawn docgen', 'jsii-rosetta extract --strict']);
});

test('the build packages JavaScript only, so it needs no Python, JDK, .NET or Go toolchain', () => {
  expect(steps('package')).toEqual(['spawn package:js']);
  expect(steps('package-all')).toEqual(expect.arrayContaining(['spawn package:python', 'spawn package:java', 'spawn package:dotnet', 'spawn package:go']));
});

test('a release bumps from the commits, builds, and tags locally with 0.x versions', () => {
  expect(steps('release')).toEqual(expect.arrayContaining(['spawn bump', 'spawn build', 'spawn unbump', 'spawn publish:git']));
  expect(tasks.release.env).toEqual(expect.objectContaining({ MAJOR: '0' }));
});

test('RULES.md has one task that rewrites it', () => {
  expect(steps('rules:doc')).toEqual([expect.stringContaining('test/setup/rules-doc.ts')]);
});
