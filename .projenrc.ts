import { awscdk, DependencyType, JsonFile, javascript, release } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-timescale-security',
  description:
    'AWS CDK constructs that run a TimescaleDB (PostgreSQL) service with the guarantees of the Timescale Cloud security document, and cdk-nag packs that prove them.',
  author: 'cdk-timescale-security contributors',
  authorAddress: 'cdk-timescale-security@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-timescale-security/cdk-timescale-security.git',
  license: 'Apache-2.0',
  keywords: ['aws-cdk', 'cdk-nag', 'timescaledb', 'postgresql', 'security', 'kms', 'tls'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  projenrcTsOptions: { projenCodeDir: '.projen/projenrc' },
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',

  srcdir: 'lib',
  libdir: 'lib',
  testdir: 'test',
  sampleCode: false,

  jsiiVersion: '~6.0',
  typescriptVersion: '~6.0',
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',
  peerDeps: ['cdk-nag@^3.0.2'],
  // Session Manager documents may be YAML: the rules read them with a real YAML parser, bundled
  // (jsii packages carry their non-jsii dependencies inside the tarball).
  bundledDeps: ['yaml@^2.9.1'],
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    'aws-cdk@^2.1100.0',
    'fast-check@^4',
    'aws-sdk-client-mock@^4',
    // The certificate issuer Lambda: X.509 from a maintained library, bundled into its asset by esbuild.
    '@peculiar/x509@^2.2.0',
    // @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
    'reflect-metadata@^0.2.2',
    'esbuild@^0.28.2',
    // Runs the reference app at `cdk synth`: esbuild transpiles bin/ and lib/ in a fifth of the time
    // TypeScript's transpiler takes (0.45 s against 2.5 s for the 190 files).
    'tsx@^4.23.15',
    // Custom resource handlers run on the Lambda runtime's own AWS SDK v3; tests mock these clients
    // (client-ec2 and client-secrets-manager come bundled for `verify`, below).
    '@aws-sdk/client-acm-pca@^3',
    // The newest alpha (its peer range, ^2.245.0, admits the aws-cdk-lib the tests run).
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
  ],

  // Every language jsii reaches, each under a name that reads as its own.
  publishToPypi: { distName: 'cdk-timescale-security', module: 'cdk_timescale_security' },
  publishToMaven: {
    javaPackage: 'io.github.cdktimescalesecurity',
    mavenGroupId: 'io.github.cdk-timescale-security',
    mavenArtifactId: 'cdk-timescale-security',
  },
  publishToNuget: { dotNetNamespace: 'CdkTimescaleSecurity', packageId: 'CdkTimescaleSecurity' },
  publishToGo: { moduleName: 'github.com/cdk-timescale-security/cdk-timescale-security-go', packageName: 'cdktimescalesecurity' },

  // CI is `.ci/run`; no hosted workflows or dependency bots. Releases are cut by hand with
  // `npx projen release`: the version and CHANGELOG.md come from the conventional commits since the
  // last tag, and it builds, tags and commits locally; pushing is left to the maintainer.
  github: false,
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({
    changelogPath: 'CHANGELOG.md',
    gitPushCommand: 'echo "Tagged $(cat dist/releasetag.txt); publish with: git push --follow-tags origin main"',
  }),
  // 0.x and experimental until a deliberate 1.0: a breaking change bumps the minor version, and a
  // bump to 1.0 fails until this line and `stability` change together.
  majorVersion: 0,
  stability: 'experimental',
  // The build compares the API with the last release on npm (jsii-diff); with none yet, or offline,
  // jsii-diff says so and passes.
  compat: true,
  depsUpgrade: false,
  buildWorkflow: false,
  // API.md, from the compiled assembly, after every compile.
  docgen: true,
  lambdaAutoDiscover: false,
  integrationTestAutoDiscover: false,

  jestOptions: {
    // `npm test` must be able to fail: snapshots are only ever written by `npm run test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      snapshotSerializers: ['<rootDir>/test/setup/asset-hash-serializer.ts'],
      testTimeout: 60_000,
      // Source first: a stale compiled `lib/**/*.js` must never shadow the TypeScript under test.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      // Coverage is a measurement, not a test: instrumenting every file slows every suite, so `npm test`
      // runs without it and `npm run test:coverage` measures it.
      collectCoverage: false,
      // Many suites wait on PostgreSQL servers, openssl and cfn-lint: more workers than cores overlap the
      // waiting with other suites' work (on 2 cores, half the time with 3 workers as with jest's default of 1).
      // A number: jest reads a percentage above 100% as that many workers.
      maxWorkers: 3,
      // aws-cdk-lib's built-in template validation off in unit tests (see the file; test/reference keeps it).
      setupFiles: ['<rootDir>/test/setup/cdk-validation.ts'],
    },
  },
  // jsii and eslint type-check; the tests only need to transpile, which keeps `npm test` fast.
  tsconfigDev: { compilerOptions: { isolatedModules: true } },
  // `npm test` lints; it never rewrites the sources it is checking (`npm run eslint:fix` does).
  eslintOptions: { dirs: ['lib'], devdirs: ['test', 'bin', 'bench'], fileExtensions: ['.ts'], commandOptions: { fix: false } },

  gitignore: ['cdk.out/', '*.tsbuildinfo', '/bench/results/'],
});

// Users may run any aws-cdk-lib from the 2.257 floor (cdk-nag 3's), but the tests and the reference app
// run a current one: only newer releases hand the construct tree to policy-validation plugins, which
// cdk-nag's packs need when registered with `Validations.of(app).addPlugins(...)`.
project.deps.addDependency('aws-cdk-lib@2.276.0', DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);
project.deps.addDependency('cdk-nag@3.0.2', DependencyType.BUILD);

// `cdk-timescale-security verify` (lib/verify) reads deployed stacks through the AWS SDK v3 and probes the
// database with pg. jsii admits only jsii modules as plain dependencies; shipped as bundled dependencies, the
// SDK clients and pg were 44,000 files and 12 MB packed in every user's install. The build bundles the command
// with esbuild instead, into one file (lib/verify/cli.bundle.js, about 3.8 MB), the package's bin; aws-cdk-lib,
// constructs and cdk-nag stay external: they are the user's, as peer dependencies.
project.addDevDeps(
  ...['backup', 'cloudformation', 'cloudtrail', 'cloudwatch-logs', 'ec2', 'elastic-load-balancing-v2', 'kms', 's3', 'secrets-manager', 'sns', 'ssm']
    .map((client) => `@aws-sdk/client-${client}@^3`),
  'pg@^8',
  '@types/pg@^8',
);
const bundleVerify = project.addTask('bundle:verify', {
  description: 'Bundle `cdk-timescale-security verify` (lib/verify/cli.ts) with the AWS SDK clients and pg into lib/verify/cli.bundle.js, the package\'s bin',
  exec: [
    // ESM builds first (module before main): esbuild drops what the command does not use. Class names are
    // kept: a refused call is reported by its command's name ("access denied to GetKeyRotationStatus").
    'esbuild lib/verify/cli.ts --bundle --minify --keep-names --platform=node --target=node20 --format=cjs --main-fields=module,main',
    // pg-native is pg's optional native binding, loaded only through `pg.native`, which the command does not use.
    '--external:aws-cdk-lib --external:constructs --external:cdk-nag --external:pg-native',
    '--legal-comments=eof --log-level=warning --outfile=lib/verify/cli.bundle.js',
  ].join(' '),
});
project.preCompileTask.spawn(bundleVerify);
project.package.addBin({ 'cdk-timescale-security': 'lib/verify/cli.bundle.js' });
// The package carries the bundle, not the command's compiled modules (they require the SDK clients).
project.npmignore?.exclude('/lib/verify/**/*.js', '/lib/verify/**/*.d.ts');
project.npmignore?.include('/lib/verify/cli.bundle.js');

// The certificate issuer is TypeScript (lib/tls/private/certificate-issuer/), bundled by esbuild into the
// Lambda asset lib/tls/certificate-handler/index.js, which is committed: `npm ci && npx cdk synth` on a fresh
// clone needs no build step, and the asset hash changes only when the bundle does. The build rebundles it
// before compiling, and test/tls/certificate-handler-bundle.test.ts fails when the committed bundle is stale.
project.gitignore.addPatterns('!/lib/tls/certificate-handler/index.js');
const bundleCertificateHandler = project.addTask('bundle:certificate-handler', {
  description: 'Bundle the certificate issuer Lambda (lib/tls/private/certificate-issuer) into lib/tls/certificate-handler/index.js',
  exec: [
    'esbuild lib/tls/private/certificate-issuer/index.ts --bundle --minify --platform=node --target=node22 --format=cjs',
    // The Lambda Node.js runtime provides the AWS SDK v3.
    '\'--external:@aws-sdk/*\' --legal-comments=eof --log-level=warning --outfile=lib/tls/certificate-handler/index.js',
    '"--banner:js=// Generated from lib/tls/private/certificate-issuer by npx projen bundle:certificate-handler; do not edit."',
  ].join(' '),
});
project.preCompileTask.spawn(bundleCertificateHandler);
// Only the bundle ships; the issuer's compiled sources would need its devDependencies.
project.npmignore?.exclude('/lib/tls/private/certificate-issuer/');
// The issuer's dependencies are bundled into the asset at build time (or are the Lambda runtime's AWS SDK), and
// verify's (the SDK clients, pg) into the package's bin (bundle:verify).
project.eslint?.addOverride({
  files: ['lib/tls/private/certificate-issuer/**', 'lib/verify/**'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});
// projen ignores every folder named `logs`; the CloudWatch Logs rules live in one.
project.gitignore.addPatterns('!/lib/nag/rules/logs/');

for (const path of ['/bin/', '/bench/', 'cdk.out/', '/.ci/', '/cdk.json', '/.cfnlintrc.yaml', '/.cfnlint-spec-override.json', '/rosetta/']) {
  project.npmignore?.exclude(path);
}

new JsonFile(project, 'cdk.json', {
  obj: {
    // Transpile only (tsx, through esbuild): type-checking is the build's job.
    app: 'node --require tsx/cjs bin/app.ts',
    output: 'cdk.out',
    // Synth runs offline: no notices fetched, no telemetry sent.
    notices: false,
    context: {
      'cli-telemetry': false,
      'aws-cdk:enableDiffNoFail': true,
      '@aws-cdk/core:checkSecretUsage': true,
      '@aws-cdk/core:target-partitions': ['aws', 'aws-cn'],
      '@aws-cdk/aws-ec2:restrictDefaultSecurityGroup': true,
      '@aws-cdk/aws-kms:aliasNameRef': true,
      '@aws-cdk/aws-kms:applyImportedAliasPermissionsToPrincipal': true,
      '@aws-cdk/aws-iam:minimizePolicies': true,
      '@aws-cdk/aws-ec2:ebsDefaultGp3Volume': true,
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
    },
  },
});

// bin/ is outside the jsii tsconfig; lint it with the default project.
project.eslint?.allowDefaultProjectFiles('bin/*.ts');
// The benchmark gets a project of its own: typescript-eslint lints at most 8 files with the default project.
new JsonFile(project, 'bench/tsconfig.json', {
  obj: { extends: '../test/tsconfig.json', include: ['*.ts'] },
});

project.addTask('eslint:fix', {
  description: 'Fix what the linter can fix',
  env: { ESLINT_USE_FLAT_CONFIG: 'false' },
  exec: 'eslint --ext .ts --fix --no-error-on-unmatched-pattern lib test bin bench .projenrc.ts',
});

project.addTask('integ:snapshot', {
  description: 'Rewrite the integration tests\' committed snapshots (test/integ/*.snapshot/); review the diff before committing',
  // Source first: a stale compiled lib/**/*.js must not stand in for the TypeScript.
  exec: 'ts-node --transpile-only --prefer-ts-exts -P test/tsconfig.json test/integ/snapshot.ts',
});

// `npm test` brings what the real-server and deploy tests need, or says in one line what is missing.
const prerequisites = project.addTask('test:prerequisites', {
  description: 'Install (as root, from Debian) or name what the tests need beyond Node: PostgreSQL, pgaudit, pgBackRest, openssl, nftables, cfn-lint',
  exec: 'bash test/setup/prerequisites.sh',
});
project.testTask.prependSpawn(prerequisites);
project.tasks.tryFind('test:update')?.prependSpawn(prerequisites);

// The rule engine reads aws-cdk-lib internals, so `npm test` also runs the rule engine's and the core
// constructs' unit tests against the peer floor (about 15 s, once installed into a cache outside the clone).
const cdkFloor = project.addTask('test:cdk-floor', {
  description: 'Run the rule engine and core construct unit tests against aws-cdk-lib at the peer floor (installed once into ~/.cache)',
  exec: 'bash test/setup/cdk-floor.sh',
  receiveArgs: true,
});
project.testTask.spawn(cdkFloor);

project.addTask('test:coverage', {
  description: 'Run the unit tests with coverage (writes coverage/); `npm test` runs them without',
  exec: 'jest --ci --coverage',
  receiveArgs: true,
});

// Outside CI projen's `package` runs jsii-pacmak for every language, which needs Python with PyPI, a
// JDK with Maven, the .NET SDK and Go. The build packages JavaScript; `npx projen package-all` builds
// the Python, Java, .NET and Go packages on a machine that has those toolchains.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// The README's and doc comments' examples compile against the assembly (fixtures in rosetta/): a
// broken example fails the build. The tablet it writes is a build output.
project.postCompileTask.exec('jsii-rosetta extract --strict');
project.gitignore.exclude('.jsii.tabl.json');

// RULES.md is the rule table rendered from the catalogue; test/readme.test.ts keeps it equal.
project.addTask('rules:doc', {
  description: 'Rewrite RULES.md from the guarantee catalogue (GuaranteeCatalogue.renderRuleTable())',
  exec: 'ts-node --transpile-only --prefer-ts-exts -P test/tsconfig.json test/setup/rules-doc.ts',
});

project.addTask('bench', {
  description: 'Cost of the rule packs on fleets of 1-100 services beside AwsSolutionsChecks, and synth time and memory of 1-50 TimescaleServices beside RDS equivalents (writes bench/results/)',
  exec: 'ts-node --transpile-only -P tsconfig.json bench/run.ts',
});

project.synth();
