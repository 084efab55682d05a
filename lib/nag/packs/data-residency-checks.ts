import { CfnResource, IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { IEvidenceSource, RuleEvaluation, RuleInfo, StackSummary } from '../evidence';
import { scopeFromContext } from '../private/context';
import { RuleEngine } from '../private/engine';
import { DATA_RESIDENCY_PACK, DATA_RESIDENCY_RULES } from '../rules';

/** Options of {@link DataResidencyChecks}. */
export interface DataResidencyChecksProps extends NagPackProps {
  /**
   * Regions customer data may be stored in, e.g. `['eu-central-1', 'eu-west-1']`.
   */
  readonly allowedRegions: string[];
}

/**
 * Optional cdk-nag pack for GDPR data residency (G8): every stack deploys to one of
 * `allowedRegions`. A stack with a concrete `env.region` is judged directly; an
 * environment-agnostic stack passes only when an unconditioned `CfnRule` of its template asserts
 * `AWS::Region` to be one of the allowed regions, and otherwise gets the
 * `DataResidency-StackRegionAllowed-Unverifiable` warning. One finding per stack, on its first resource.
 */
export class DataResidencyChecks extends NagPack implements IEvidenceSource {
  public readonly name = DATA_RESIDENCY_PACK;
  public readonly ruleIds?: string[];
  private readonly engine: RuleEngine;
  private readonly scope?: IConstruct;
  private templatePaths?: string[];

  constructor(scope: IConstruct, props: DataResidencyChecksProps) {
    super(scope, props);
    this.packName = DATA_RESIDENCY_PACK;
    this.scope = scope;
    const regions = props?.allowedRegions ?? [];
    if (regions.length === 0 || regions.some((r) => typeof r !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r))) {
      throw new Error(`DataResidencyChecksProps.allowedRegions must be a non-empty list of region names; got ${JSON.stringify(regions)}. ` +
        'Pass e.g. [\'eu-central-1\', \'eu-west-1\'].');
    }
    this.engine = new RuleEngine(DATA_RESIDENCY_PACK, DATA_RESIDENCY_RULES, { allowedRegions: [...regions], databasePort: 5432 });
    this.ruleIds = this.engine.ruleIds;
  }

  public get evidencePackName(): string {
    return DATA_RESIDENCY_PACK;
  }

  public get ruleInfos(): RuleInfo[] {
    return this.engine.ruleInfos;
  }

  public get evaluations(): RuleEvaluation[] {
    return this.engine.evaluations;
  }

  public get stackSummaries(): StackSummary[] {
    return this.engine.stackSummaries;
  }

  /** Called by the CDK at synth; falls back to the constructor scope (aws-cdk-lib 2.257 passes no tree). */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // The templates are already written: read them instead of rendering every resource again.
    this.templatePaths = context.templatePaths;
    try {
      return this.validateScope(scopeFromContext(context, this.scope, 'DataResidency'));
    } finally {
      this.templatePaths = undefined;
    }
  }

  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.engine.begin(this.templatePaths);
    return super.validateScope(scope);
  }

  protected checkResource(node: CfnResource): void {
    this.engine.check(node, (params) => this.applyRule(params));
  }
}
