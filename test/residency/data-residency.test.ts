import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataResidency } from '../../lib/residency';

function stackIn(region?: string): Stack {
  const stack = new Stack(new App(), 'Test', region ? { env: { account: '111111111111', region } } : {});
  return stack;
}

describe('DataResidency presets', () => {
  test('EU lists only regions in EU member states', () => {
    expect([...DataResidency.EU].sort()).toEqual(['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3']);
    expect(DataResidency.EU).not.toContain('eu-west-2'); // London: United Kingdom
    expect(DataResidency.EU).not.toContain('eu-central-2'); // Zurich: Switzerland
  });

  test('EUROPE adds the UK and Swiss regions, which have adequacy decisions', () => {
    expect([...DataResidency.EUROPE].sort()).toEqual([...DataResidency.EU, 'eu-west-2', 'eu-central-2'].sort());
  });
});

describe('DataResidency in an allowed region', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = stackIn('eu-central-1');
    DataResidency.enforce(stack, { allowedRegions: DataResidency.EU });
    template = Template.fromStack(stack);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('synthesizes, with a CloudFormation rule that refuses other regions', () => {
    const residency = stack.node.findChild('DataResidency') as DataResidency;
    const rules = template.toJSON().Rules;
    expect(rules[stack.getLogicalId(residency.rule)]).toEqual({
      Assertions: [{
        Assert: { 'Fn::Contains': [DataResidency.EU, { Ref: 'AWS::Region' }] },
        AssertDescription: `Data residency: this stack may only be deployed to ${DataResidency.EU.join(', ')}.`,
      }],
    });
  });
});

describe('DataResidency bad input', () => {
  test('fails the synthesis when the region is outside the allowed list', () => {
    const stack = stackIn('us-east-1');
    DataResidency.enforce(stack, { allowedRegions: DataResidency.EU });
    expect(() => Template.fromStack(stack)).toThrow(
      /stack 'Test' is in region 'us-east-1', which is outside the allowed regions \(eu-west-1, eu-west-3, eu-central-1, eu-north-1, eu-south-1, eu-south-2\)/,
    );
  });

  test('fails the synthesis for London under the EU preset', () => {
    const stack = stackIn('eu-west-2');
    DataResidency.enforce(stack, { allowedRegions: DataResidency.EU });
    expect(() => Template.fromStack(stack)).toThrow(/'eu-west-2', which is outside the allowed regions/);
  });

  test('fails the synthesis when the region is unresolved and a restriction is set', () => {
    const stack = stackIn();
    DataResidency.enforce(stack, { allowedRegions: DataResidency.EU });
    expect(() => Template.fromStack(stack)).toThrow(
      /the region of stack 'Test' is not known at synthesis \(environment-agnostic stack\).*pass allowUnresolvedRegion: true/,
    );
  });

  test('fails with an empty list', () => {
    expect(() => DataResidency.enforce(stackIn('eu-west-1'), { allowedRegions: [] })).toThrow(/allowedRegions must list at least one AWS Region; got an empty list/);
  });

  test('fails with something that is not a region code', () => {
    expect(() => DataResidency.enforce(stackIn('eu-west-1'), { allowedRegions: ['Frankfurt'] })).toThrow(/literal AWS Region codes such as 'eu-central-1'; got "Frankfurt"/);
    expect(() => DataResidency.enforce(stackIn('eu-west-1'), { allowedRegions: [Token.asString({ Ref: 'R' })] })).toThrow(/got "<token>"/);
  });
});

describe('DataResidency on an environment-agnostic stack that opts in', () => {
  test('synthesizes and relies on the CloudFormation rule', () => {
    const stack = stackIn();
    const residency = DataResidency.enforce(stack, { allowedRegions: DataResidency.EU, allowUnresolvedRegion: true });
    const rules = Template.fromStack(stack).toJSON().Rules;
    expect(rules[stack.getLogicalId(residency.rule)].Assertions[0].Assert).toEqual({
      'Fn::Contains': [DataResidency.EU, { Ref: 'AWS::Region' }],
    });
  });

  test('deduplicates the allowed regions', () => {
    const residency = DataResidency.enforce(stackIn('eu-west-1'), { allowedRegions: ['eu-west-1', 'eu-west-1', 'eu-west-3'] });
    expect(residency.allowedRegions).toEqual(['eu-west-1', 'eu-west-3']);
  });

  test('accepts regions of other partitions by name', () => {
    const stack = stackIn('us-gov-west-1');
    DataResidency.enforce(stack, { allowedRegions: ['us-gov-west-1'] });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
