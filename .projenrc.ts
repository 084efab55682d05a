import { awscdk, JsonFile, javascript } from 'projen';

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
  devDeps: [
    'aws-cdk@^2.1100.0',
    'fast-check@^4',
    'aws-sdk-client-mock@^4',
  ],

  // CI is `.ci/run`; no hosted workflows, releases or dependency bots.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  docgen: false,
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
    },
  },
  // jsii and eslint type-check; the tests only need to transpile, which keeps `npm test` fast.
  tsconfigDev: { compilerOptions: { isolatedModules: true } },
  // `npm test` lints; it never rewrites the sources it is checking (`npm run eslint:fix` does).
  eslintOptions: { dirs: ['lib'], devdirs: ['test', 'bin'], fileExtensions: ['.ts'], commandOptions: { fix: false } },

  gitignore: ['cdk.out/', '*.tsbuildinfo', '/bench/results/'],
});

for (const path of ['/bin/', '/bench/', 'cdk.out/', '/.ci/', '/cdk.json']) {
  project.npmignore?.exclude(path);
}

new JsonFile(project, 'cdk.json', {
  obj: {
    // Transpile only: synth takes seconds; type-checking is the build's job.
    app: 'npx ts-node --transpile-only --prefer-ts-exts bin/app.ts',
    output: 'cdk.out',
    context: {
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

project.addTask('eslint:fix', {
  description: 'Fix what the linter can fix',
  env: { ESLINT_USE_FLAT_CONFIG: 'false' },
  exec: 'eslint --ext .ts --fix --no-error-on-unmatched-pattern lib test bin .projenrc.ts',
});

project.synth();
