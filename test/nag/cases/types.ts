import { Stack, StackProps } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleStatus, TimescaleCloudSecurityChecksProps } from '../../../lib/nag';

/**
 * How the resource under test is written:
 * l2 / l1 (typed constructs), plain (`new CfnResource`), override (raw overrides change the verdict),
 * token (a value only known at deploy time).
 */
export type Form = 'l2' | 'l1' | 'plain' | 'override' | 'token';

export interface RuleCase {
  readonly rule: string;
  readonly form: Form;
  readonly title: string;
  readonly expect: RuleStatus;
  readonly build: (stack: Stack) => IConstruct;
  readonly props?: TimescaleCloudSecurityChecksProps;
  readonly stackProps?: StackProps;
  /** Substring expected in the detail of a finding. */
  readonly detail?: RegExp;
}

export const C = RuleStatus.COMPLIANT;
export const NC = RuleStatus.NON_COMPLIANT;
export const UNV = RuleStatus.UNVERIFIABLE;
export const NA = RuleStatus.NOT_APPLICABLE;
