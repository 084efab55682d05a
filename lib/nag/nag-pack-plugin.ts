import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { scopeFromContext } from './private/context';

/**
 * Registers any cdk-nag 3 pack (AwsSolutionsChecks, HIPAASecurityChecks, ...) as a validation
 * plugin that works on aws-cdk-lib 2.257.
 *
 * cdk-nag 3.0.2's `NagPack.validate` needs `appConstruct` on the validation context, which
 * aws-cdk-lib 2.257 does not provide (it passes template paths only), so registering such a pack
 * directly fails the synth with "NagPack requires a construct tree on the validation context".
 * This plugin hands the pack the construct tree it was created with.
 *
 * @example
 * Validations.of(app).addPlugins(new NagPackPlugin(app, new AwsSolutionsChecks(app)));
 */
export class NagPackPlugin implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  /**
   * @param scope the app (or stage) whose construct tree the pack validates
   * @param pack the cdk-nag pack
   */
  constructor(private readonly scope: IConstruct, public readonly pack: NagPack) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    return this.pack.validateScope(scopeFromContext(context, this.scope, this.name));
  }
}
