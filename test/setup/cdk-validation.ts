// aws-cdk-lib validates every synthesized template against its built-in CloudFormation rules (a WebAssembly
// engine that each test file initializes again, and again for each new set of resource types): about half
// of the unit tests' time, spent checking aws-cdk-lib's rules rather than this library's. The unit tests
// assert the templates themselves; test/reference keeps the validation on, as `cdk synth` has it, and
// test/deploy runs cfn-lint. CDK_VALIDATION=true in the environment turns it back on everywhere.
process.env.CDK_VALIDATION ??= 'false';
