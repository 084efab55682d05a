// What other languages get is the jsii assembly, not the TypeScript: a free function or constant is
// dropped from it without an error. This test reads the compiled `.jsii` and fails when a public name
// the README shows (an import from the package, `Type`, `Type.member`, an unqualified `method(...)`)
// is not in it, or when a language target is missing.
//
// Cost: `npm test` does not compile with jsii, and the build's compile writes `.jsii` into the
// working tree only when someone runs it. So the test compiles the sources itself, into a temporary
// directory (jsii has no output-directory flag; the copy keeps compiled `.js` out of `lib/`, where
// ts-node and jest would pick it up), and keeps the assembly in node_modules/.cache under a hash of
// its inputs: about 30 s once after a change to `lib/` or package.json, and well under a second when
// they are unchanged.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const PACKAGE = 'cdk-timescale-security';
const CACHE = path.join(ROOT, 'node_modules', '.cache', PACKAGE, 'jsii');

/**
 * Names the README shows that belong to other libraries, services or PostgreSQL, each with where it
 * comes from. A name of this library must never be added here.
 */
const FOREIGN_NAMES: { [name: string]: string } = {
  AllowedValues: 'CloudFormation template parameter property',
  AssumeRole: 'AWS STS API call (CloudTrail event name)',
  BackupAgeSeconds: 'CloudWatch metric the database host publishes',
  BlockPublicPolicy: 'Secrets Manager API parameter',
  BYPASSRLS: 'PostgreSQL role attribute',
  CdkTimescaleSecurity: 'the NuGet package id of this library',
  CfnResource: 'aws-cdk-lib',
  CREATEROLE: 'PostgreSQL role attribute',
  DefaultStackSynthesizer: 'aws-cdk-lib',
  GetSecretValue: 'Secrets Manager API call',
  IntegTest: '@aws-cdk/integ-tests-alpha',
  ListStackResources: 'CloudFormation API call',
  RetainExceptOnCreate: 'CloudFormation DeletionPolicy value',
  SSLRequest: 'PostgreSQL wire protocol message',
  Stack: 'aws-cdk-lib',
  Validations: 'aws-cdk-lib',
  WalArchiveAgeSeconds: 'CloudWatch metric the database host publishes',
};

interface ShownName {
  /** The type, or undefined for an unqualified method call. */
  readonly type?: string;
  readonly member?: string;
}

/** The public names of this library the README shows, keyed `Type`, `Type.member` or `method()`. */
function namesTheReadmeShows(readme: string): Map<string, ShownName> {
  const shown = new Map<string, ShownName>();
  const add = (name: ShownName) => shown.set(name.type === undefined ? `${name.member}()` : [name.type, name.member].filter(Boolean).join('.'), name);

  const fenced = /^ *```(\w+)[^\n]*\n([\s\S]*?)^ *```/gm;
  for (const [, language, code] of readme.matchAll(fenced)) {
    if (language !== 'ts') {
      continue;
    }
    const imported = new Set<string>();
    for (const [, names] of code.matchAll(new RegExp(`import \\{([^}]*)\\} from '${PACKAGE}'`, 'g'))) {
      names.split(',').map((n) => n.trim()).filter(Boolean).forEach((n) => imported.add(n));
    }
    imported.forEach((type) => add({ type }));
    for (const [, type, member] of code.matchAll(/\b([A-Z]\w*)\.(\w+)/g)) {
      if (imported.has(type)) {
        add({ type, member });
      }
    }
  }

  const prose = readme.replace(fenced, '');
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    const qualified = /^([A-Z][A-Za-z0-9]*)(?:\.([A-Za-z_]\w*))?(?:\(.*\))?(?::.*)?$/.exec(span);
    if (qualified && !span.includes('::') && !/\.md$/.test(span) && FOREIGN_NAMES[qualified[1]] === undefined) {
      add({ type: qualified[1], member: qualified[2] });
    }
    const call = /^([a-z]\w*)\(.*\)$/.exec(span);
    if (call) {
      add({ member: call[1] });
    }
  }
  return shown;
}

/** Every input of the assembly, relative to the repository: what the cache key hashes and the copy holds. */
function assemblyInputs(): string[] {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(relative);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        sources.push(relative);
      }
    }
  };
  walk('lib');
  // Not the README: the names it shows are read from it here, so changing it needs no compile.
  return ['package.json', 'tsconfig.json', ...sources.sort()];
}

function loadAssembly(): any {
  const inputs = assemblyInputs();
  const hash = createHash('sha256');
  for (const input of inputs) {
    hash.update(input).update('\0').update(fs.readFileSync(path.join(ROOT, input))).update('\0');
  }
  const cached = path.join(CACHE, `${hash.digest('hex')}.jsii`);
  if (!fs.existsSync(cached)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-assembly-'));
    try {
      // The README too, which the assembly carries for PyPI (it is not hashed: see assemblyInputs).
      for (const input of [...inputs, 'README.md']) {
        fs.mkdirSync(path.dirname(path.join(work, input)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, input), path.join(work, input));
      }
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
      const jsii = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], { cwd: work, encoding: 'utf8' });
      if (jsii.status !== 0) {
        throw new Error(`jsii could not compile the library, so no other language would get it:\n${jsii.stdout}${jsii.stderr}`);
      }
      // One assembly is enough: the one for these sources replaces any earlier.
      fs.rmSync(CACHE, { recursive: true, force: true });
      fs.mkdirSync(CACHE, { recursive: true });
      fs.copyFileSync(path.join(work, '.jsii'), cached);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return JSON.parse(fs.readFileSync(cached, 'utf8'));
}

/**
 * The members a type of the assembly declares or inherits from other types of the assembly. Bases from
 * other libraries (`Construct`) add nothing: what the README shows of a type, the library declares.
 */
function membersOf(assembly: any, fqn: string): Set<string> {
  const type = assembly.types[fqn];
  if (type === undefined) {
    return new Set();
  }
  const members = new Set<string>([
    ...(type.properties ?? []).map((p: any) => p.name),
    ...(type.methods ?? []).map((m: any) => m.name),
    ...(type.members ?? []).map((m: any) => m.name),
  ]);
  for (const base of [type.base, ...(type.interfaces ?? [])].filter((b) => b?.startsWith(`${PACKAGE}.`))) {
    membersOf(assembly, base).forEach((m) => members.add(m));
  }
  return members;
}

const SHOWN = namesTheReadmeShows(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
const README_NAMES = [...SHOWN.keys()].sort();

describe('the jsii assembly', () => {
  let assembly: any;
  beforeAll(() => {
    assembly = loadAssembly();
  }, 300_000);

  test('targets Python, Java, .NET and Go under names that read as each language\'s own', () => {
    expect(assembly.targets).toEqual({
      js: { npm: PACKAGE },
      python: { distName: PACKAGE, module: 'cdk_timescale_security' },
      java: { package: 'io.github.cdktimescalesecurity', maven: { groupId: 'io.github.cdk-timescale-security', artifactId: PACKAGE } },
      dotnet: { namespace: 'CdkTimescaleSecurity', packageId: 'CdkTimescaleSecurity' },
      go: { moduleName: 'github.com/cdk-timescale-security/cdk-timescale-security-go', packageName: 'cdktimescalesecurity' },
    });
  });

  test('declares the API experimental until 1.0', () => {
    expect(assembly.docs?.stability).toBe('experimental');
  });

  test('holds everything the package exports: no free function or constant that jsii would drop', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = Object.keys(require('../lib'));
    expect(exported.filter((name) => assembly.types[`${PACKAGE}.${name}`] === undefined)).toEqual([]);
  });

  test('the README shows names of this library', () => {
    // The renderers among them: a README that loses them would no longer be checked.
    expect(README_NAMES).toEqual(expect.arrayContaining(['PgHba.render', 'TlsSettings.render', 'AuditSettings.render', 'ApprovedAccess.renderSql']));
  });

  test.each(README_NAMES)('holds %s, which the README shows', (name) => {
    const { type, member } = SHOWN.get(name)!;
    if (type === undefined) {
      const owners = Object.keys(assembly.types).filter((fqn) => membersOf(assembly, fqn).has(member!));
      expect({ name, owners: owners.length > 0 ? 'found' : 'no type of the assembly has this method' }).toEqual({ name, owners: 'found' });
      return;
    }
    const fqn = `${PACKAGE}.${type}`;
    // A name of another library or service the README mentions belongs in FOREIGN_NAMES, with its origin.
    expect({ name, inAssembly: assembly.types[fqn] !== undefined }).toEqual({ name, inAssembly: true });
    if (member !== undefined) {
      expect({ name, inAssembly: membersOf(assembly, fqn).has(member) }).toEqual({ name, inAssembly: true });
    }
  });
});
