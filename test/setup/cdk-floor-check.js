// Fails every test file of the floor run unless aws-cdk-lib really is the floor, so a mapping that
// silently stopped applying cannot pass as a test of the floor.
const expected = require('../../package.json').peerDependencies['aws-cdk-lib'].replace(/^[\^~>=]+/, '');
const actual = require('aws-cdk-lib/package.json').version;
if (actual !== expected) {
  throw new Error(`The floor run loaded aws-cdk-lib ${actual}, expected the peer floor ${expected}: check CDK_FLOOR_DIR and the moduleNameMapper.`);
}
