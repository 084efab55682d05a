import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

const REGION_CODE = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/**
 * Properties of a `DataResidency` restriction.
 */
export interface DataResidencyProps {
  /**
   * The AWS Regions the stack may be deployed to, e.g. `DataResidency.EU`.
   */
  readonly allowedRegions: string[];

  /**
   * Accept a stack whose region is not known at synthesis (an environment-agnostic stack).
   *
   * By default such a stack fails the synthesis, because the restriction could not be checked.
   * With `true`, the synthesis passes and the template's CloudFormation rule (which every
   * `DataResidency` adds) is what enforces the restriction: CloudFormation refuses to create or
   * update the stack in any other region.
   *
   * @default false
   */
  readonly allowUnresolvedRegion?: boolean;
}

/**
 * Keeps a stack, and the customer data it holds, in a set of allowed AWS Regions (GDPR data
 * residency, G8).
 *
 * The synthesis fails when the stack's region is outside the allowed list, or is unresolved
 * (environment-agnostic) unless `allowUnresolvedRegion` is set. In every case the template gets
 * a CloudFormation rule (`Fn::Contains` on `AWS::Region`) so that a deployment in any other region
 * fails, even of a template copied elsewhere.
 *
 * ```ts
 * DataResidency.enforce(stack, { allowedRegions: DataResidency.EU });
 * ```
 */
export class DataResidency extends Construct {
  /**
   * The Regions located in European Union member states: Ireland (eu-west-1), France (eu-west-3),
   * Germany (eu-central-1), Sweden (eu-north-1), Italy (eu-south-1) and Spain (eu-south-2).
   *
   * Not included: London (eu-west-2) and Zurich (eu-central-2), which are outside the EU though the
   * United Kingdom and Switzerland have EU adequacy decisions (see `DataResidency.EUROPE`); and
   * regions of other partitions, such as the AWS European Sovereign Cloud, which you can add by name.
   */
  public static readonly EU: string[] = ['eu-west-1', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2'];

  /**
   * The EU Regions plus London (eu-west-2) and Zurich (eu-central-2): Europe, where the countries
   * outside the EU (United Kingdom, Switzerland) have an EU adequacy decision for personal data.
   */
  public static readonly EUROPE: string[] = [...DataResidency.EU, 'eu-west-2', 'eu-central-2'];

  /**
   * Restricts `stack` to `props.allowedRegions`.
   */
  public static enforce(stack: Stack, props: DataResidencyProps): DataResidency {
    return new DataResidency(stack, 'DataResidency', props);
  }

  /** The allowed Regions. */
  public readonly allowedRegions: string[];
  /** The CloudFormation rule that refuses deployment outside the allowed Regions. */
  public readonly rule: CfnRule;

  constructor(scope: Construct, id: string, props: DataResidencyProps) {
    super(scope, id);
    validateRegions(props.allowedRegions);
    this.allowedRegions = [...new Set(props.allowedRegions)];
    const stack = Stack.of(this);
    const list = this.allowedRegions.join(', ');

    this.rule = new CfnRule(this, 'AllowedRegions', {
      assertions: [{
        assert: Fn.conditionContains(this.allowedRegions, Aws.REGION),
        assertDescription: `Data residency: this stack may only be deployed to ${list}.`,
      }],
    });

    this.node.addValidation({
      validate: () => {
        const region = stack.region;
        if (Token.isUnresolved(region)) {
          return props.allowUnresolvedRegion ? [] : [
            `DataResidency: the region of stack '${stack.stackName}' is not known at synthesis (environment-agnostic stack), ` +
            `so the restriction to ${list} cannot be checked. Set env: { region } on the stack to one of them, or pass ` +
            'allowUnresolvedRegion: true to rely on the template\'s CloudFormation rule, which fails the deployment outside those regions.',
          ];
        }
        if (!this.allowedRegions.includes(region)) {
          return [
            `DataResidency: stack '${stack.stackName}' is in region '${region}', which is outside the allowed regions (${list}). ` +
            'Customer data must stay in those regions. Deploy the stack to one of them, or change allowedRegions.',
          ];
        }
        return [];
      },
    });
  }
}

function validateRegions(regions: string[] | undefined): void {
  if (!regions || regions.length === 0) {
    throw new Error(
      'DataResidencyProps.allowedRegions must list at least one AWS Region; got an empty list. ' +
      'Pass for example DataResidency.EU.',
    );
  }
  for (const region of regions) {
    if (Token.isUnresolved(region) || !REGION_CODE.test(region)) {
      throw new Error(
        `DataResidencyProps.allowedRegions must hold literal AWS Region codes such as 'eu-central-1'; got ${JSON.stringify(Token.isUnresolved(region) ? '<token>' : region)}. ` +
        'The list is written into the template and compared at synthesis, so it cannot be a token. Pass for example DataResidency.EU.',
      );
    }
  }
}
