/**
 * The positive evidence a guarantee pack records while it validates: every rule that applied to
 * every resource, and what it concluded. The evidence report (lib/report) is built from it.
 */

/** What a rule concluded about one resource. */
export enum RuleStatus {
  /** The resource meets the rule. */
  COMPLIANT = 'Compliant',
  /** The resource breaks the rule (an error finding, unless acknowledged). */
  NON_COMPLIANT = 'NonCompliant',
  /** The rule needs a value that is only known at deploy time (a warning finding, `<Rule>-Unverifiable`). */
  UNVERIFIABLE = 'Unverifiable',
  /** The rule does not concern the resource. */
  NOT_APPLICABLE = 'NotApplicable',
}

/** One rule of a pack, as documentation and as SARIF rule metadata. */
export interface RuleInfo {
  /** Rule id as reported by cdk-nag, e.g. `TimescaleCloudSecurity-VolumeCustomerManagedKey`. */
  readonly ruleId: string;
  /** Rule name, e.g. `VolumeCustomerManagedKey`. */
  readonly name: string;
  /** Pack name, e.g. `TimescaleCloudSecurity`. */
  readonly pack: string;
  /** Guarantee id from the catalogue (`G1`..`G8`). */
  readonly guarantee: string;
  /** What is wrong when the rule fires. */
  readonly info: string;
  /** Why the rule exists and how to fix a finding. */
  readonly explanation: string;
  /** CloudFormation resource types the rule judges (`*` for all). */
  readonly resourceTypes: string[];
}

/** One rule evaluated on one resource (not-applicable pairs are only counted, see `StackSummary`). */
export interface RuleEvaluation {
  /** Pack name. */
  readonly pack: string;
  /** Rule id (without the `-Unverifiable` suffix). */
  readonly ruleId: string;
  /** Guarantee id. */
  readonly guarantee: string;
  /** Construct path of the stack. */
  readonly stackPath: string;
  /** Template file name of the stack inside the cloud assembly. */
  readonly templateFile: string;
  /** Construct path of the resource. */
  readonly constructPath: string;
  /** Logical id of the resource in its template. */
  readonly logicalId: string;
  /**
   * Physical id of the deployed resource (set by `cdk-timescale-security verify`, which checks live resources).
   * @default - not deployed (evaluated at synth)
   */
  readonly physicalId?: string;
  /** CloudFormation type of the resource. */
  readonly resourceType: string;
  /** What the rule concluded. */
  readonly status: RuleStatus;
  /**
   * What was found or could not be seen.
   * @default - no detail (compliant)
   */
  readonly detail?: string;
  /**
   * The acknowledged rule id when a finding is acknowledged (`Validations.of(x).acknowledge`).
   * @default - not acknowledged
   */
  readonly acknowledgedId?: string;
  /**
   * The reason given with the acknowledgment.
   * @default - not acknowledged
   */
  readonly acknowledgedReason?: string;
}

/** How many resources of a stack a pack looked at. */
export interface StackSummary {
  /** Construct path of the stack. */
  readonly stackPath: string;
  /** Template file name inside the cloud assembly. */
  readonly templateFile: string;
  /** Number of CloudFormation resources checked. */
  readonly resourceCount: number;
}

/**
 * A pack that records positive evidence. `TimescaleCloudSecurityChecks` and `DataResidencyChecks`
 * implement it; the evidence report reads it after validation.
 */
export interface IEvidenceSource {
  /** Pack name used as rule id prefix. */
  readonly evidencePackName: string;
  /** The pack's rules. */
  readonly ruleInfos: RuleInfo[];
  /** Evaluations of the last validation run. */
  readonly evaluations: RuleEvaluation[];
  /** Stacks seen in the last validation run. */
  readonly stackSummaries: StackSummary[];
}
