import { CfnResource, IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { IEvidenceSource, RuleEvaluation, RuleInfo, StackSummary } from '../evidence';
import { templateCidr } from '../private/cidr';
import { scopeFromContext } from '../private/context';
import { RuleEngine } from '../private/engine';
import { TIMESCALE_CLOUD_SECURITY_PACK, TIMESCALE_CLOUD_SECURITY_RULES } from '../rules';

/** Options of {@link TimescaleCloudSecurityChecks}. */
export interface TimescaleCloudSecurityChecksProps extends NagPackProps {
  /**
   * Networks (CIDRs) allowed to reach the database port: the peered customer VPCs. Ingress on the
   * database port from any CIDR not inside one of them is a finding.
   * @default - only ingress from anywhere (0.0.0.0/0, ::/0) on the database port is judged
   */
  readonly allowedDatabaseCidrs?: string[];

  /**
   * The PostgreSQL port the database listens on.
   * @default 5432
   */
  readonly databasePort?: number;
}

/**
 * cdk-nag pack that checks every stack against the guarantees G1-G8 of the Timescale Cloud
 * security document. Rules judge the rendered CloudFormation (after raw overrides), so they work
 * on any stack, including plain `CfnResource`s and templates read with `cloudformation-include`.
 *
 * Register with `Validations.of(app).addPlugins(new TimescaleCloudSecurityChecks(app))`; findings
 * are acknowledged with `Validations.of(construct).acknowledge({ id, reason })`. Values only known
 * at deploy time give `TimescaleCloudSecurity-<Rule>-Unverifiable` warnings instead of passing.
 */
export class TimescaleCloudSecurityChecks extends NagPack implements IEvidenceSource {
  public readonly name = TIMESCALE_CLOUD_SECURITY_PACK;
  public readonly ruleIds?: string[];
  private readonly engine: RuleEngine;
  private readonly scope?: IConstruct;
  private templatePaths?: string[];

  constructor(scope?: IConstruct, props: TimescaleCloudSecurityChecksProps = {}) {
    super(scope, props);
    this.packName = TIMESCALE_CLOUD_SECURITY_PACK;
    this.scope = scope;
    const databasePort = props.databasePort ?? 5432;
    if (!Number.isInteger(databasePort) || databasePort < 1 || databasePort > 65535) {
      throw new Error(`TimescaleCloudSecurityChecksProps.databasePort must be a port from 1 to 65535; got ${databasePort}. Pass the port PostgreSQL listens on (default 5432).`);
    }
    for (const cidr of props.allowedDatabaseCidrs ?? []) {
      if (!templateCidr(cidr)) {
        throw new Error(`TimescaleCloudSecurityChecksProps.allowedDatabaseCidrs must hold literal CIDRs; got '${cidr}'. Pass e.g. '10.20.0.0/16' (tokens cannot be judged at synth).`);
      }
    }
    this.engine = new RuleEngine(TIMESCALE_CLOUD_SECURITY_PACK, TIMESCALE_CLOUD_SECURITY_RULES, {
      allowedDatabaseCidrs: props.allowedDatabaseCidrs,
      databasePort,
    });
    this.ruleIds = this.engine.ruleIds;
  }

  public get evidencePackName(): string {
    return TIMESCALE_CLOUD_SECURITY_PACK;
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

  /**
   * Called by the CDK at synth. aws-cdk-lib 2.257 passes only template paths, so the pack falls
   * back to the scope given to its constructor.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // The templates are already written: read them instead of rendering every resource again.
    this.templatePaths = context.templatePaths;
    try {
      return this.validateScope(scopeFromContext(context, this.scope, this.name));
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
