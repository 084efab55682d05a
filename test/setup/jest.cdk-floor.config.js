// The main jest configuration (package.json, written by projen), with aws-cdk-lib and constructs taken
// from CDK_FLOOR_DIR: every import of them, from the sources, the tests and cdk-nag alike, gets the floor.
const path = require('path');

const root = path.resolve(__dirname, '../..');
const floor = process.env.CDK_FLOOR_DIR;
if (!floor) {
  throw new Error('CDK_FLOOR_DIR must name a node_modules directory holding the floor aws-cdk-lib; run test/setup/cdk-floor.sh.');
}

const base = require(path.join(root, 'package.json')).jest;

module.exports = {
  ...base,
  rootDir: root,
  // The main run writes the JUnit report (coverage is `npm run test:coverage`); this run only has to pass.
  collectCoverage: false,
  reporters: ['default'],
  setupFiles: [...base.setupFiles ?? [], path.join(__dirname, 'cdk-floor-check.js')],
  moduleNameMapper: {
    '^aws-cdk-lib$': `${floor}/aws-cdk-lib`,
    '^aws-cdk-lib/(.*)$': `${floor}/aws-cdk-lib/$1`,
    '^constructs$': `${floor}/constructs`,
  },
};
