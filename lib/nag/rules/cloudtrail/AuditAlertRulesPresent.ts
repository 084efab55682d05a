import { NagMessageLevel } from 'cdk-nag';
import { auditSources, isSessionDocument } from '../../private/audit';
import { StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, isIntrinsic } from '../../private/values';

/** The API calls that read the service's secrets or go around, silence or rewrite the audit. */
const ALERTED_CALLS: { service: string; events: string[] }[] = [
  { service: 'secretsmanager', events: ['GetSecretValue'] },
  { service: 'ssm', events: ['SendCommand', 'UpdateDocument', 'UpdateDocumentDefaultVersion', 'DeleteDocument'] },
  { service: 'cloudtrail', events: ['StopLogging', 'DeleteTrail', 'UpdateTrail'] },
  { service: 'kms', events: ['PutKeyPolicy', 'DisableKey', 'ScheduleKeyDeletion', 'CreateGrant'] },
  { service: 'ec2', events: ['ModifySnapshotAttribute'] },
  { service: 'backup', events: ['PutBackupVaultAccessPolicy', 'DeleteBackupVaultAccessPolicy'] },
];
const API_CALL = 'AWS API Call via CloudTrail';
/** Read-only calls reach a rule only in this state (EventBridge drops Get*, List*, Describe* events otherwise). */
const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

type Match = boolean | 'unknown';

/** Whether one EventBridge pattern value (a list of literals and content filters) matches `value`. */
function fieldMatches(spec: unknown, value: string): Match {
  if (spec === undefined) {
    return true;
  }
  let unknown = false;
  for (const item of asArray(spec)) {
    const m = itemMatches(item, value);
    if (m === true) {
      return true;
    }
    unknown = unknown || m === 'unknown';
  }
  return unknown ? 'unknown' : false;
}

function itemMatches(item: unknown, value: string): Match {
  if (typeof item === 'string') {
    return item === value;
  }
  if (isIntrinsic(item)) {
    return 'unknown';
  }
  if (!item || typeof item !== 'object') {
    return false;
  }
  const [op, arg] = Object.entries(item)[0] ?? [];
  const text = (x: unknown): string | undefined => typeof x === 'string' ? x : typeof (x as any)?.['equals-ignore-case'] === 'string' ? (x as any)['equals-ignore-case'] : undefined;
  const ignoreCase = typeof arg === 'object' && arg !== null && 'equals-ignore-case' in (arg as object);
  const v = ignoreCase ? value.toLowerCase() : value;
  switch (op) {
    case 'equals-ignore-case':
      return typeof arg === 'string' && arg.toLowerCase() === value.toLowerCase();
    case 'prefix': {
      const p = text(arg);
      return p === undefined ? 'unknown' : v.startsWith(ignoreCase ? p.toLowerCase() : p);
    }
    case 'suffix': {
      const p = text(arg);
      return p === undefined ? 'unknown' : v.endsWith(ignoreCase ? p.toLowerCase() : p);
    }
    case 'wildcard':
      return typeof arg === 'string' ? new RegExp(`^${arg.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value) : 'unknown';
    case 'anything-but': {
      const inner = Array.isArray(arg) || typeof arg === 'string' ? fieldMatches(arg, value) : fieldMatches([arg], value);
      return inner === 'unknown' ? 'unknown' : !inner;
    }
    case 'exists':
      return arg === true;
    default:
      return 'unknown';
  }
}

/** Whether an event pattern matches the CloudTrail event of `service`'s `event`. */
function patternMatches(pattern: any, service: string, event: string): Match {
  const detail = pattern.detail ?? {};
  if (isIntrinsic(detail)) {
    return 'unknown';
  }
  const checks = [
    fieldMatches(pattern.source, `aws.${service}`),
    fieldMatches(pattern['detail-type'], API_CALL),
    fieldMatches(detail.eventSource, `${service}.amazonaws.com`),
    fieldMatches(detail.eventName, event),
  ];
  return checks.includes(false) ? false : checks.includes('unknown') ? 'unknown' : true;
}

/** Calls each alert rule of the stack covers: `true` when matched, `unknown` when a pattern or target is a token. */
function coverage(index: StackIndex): { matched: Map<string, Match>; wrongState: Set<string> } {
  return index.memo('audit-alert-coverage', () => {
    const out = new Map<string, Match>();
    const wrongState = new Set<string>();
    const note = (call: string, m: Match) => {
      if (m === true || (m === 'unknown' && out.get(call) !== true)) {
        out.set(call, m);
      }
    };
    for (const rule of index.byType('AWS::Events::Rule')) {
      const p = rule.properties;
      const targets = p.Targets;
      const bus = p.EventBusName;
      if (p.EventPattern === undefined || (!isIntrinsic(targets) && asArray(targets).length === 0) || p.State === 'DISABLED') {
        continue;
      }
      if (typeof bus === 'string' && bus !== 'default' && !bus.endsWith(':event-bus/default')) {
        continue; // CloudTrail events arrive on the default bus
      }
      let pattern: any = p.EventPattern;
      if (typeof pattern === 'string') {
        try {
          pattern = JSON.parse(pattern);
        } catch {
          continue;
        }
      }
      const uncertain = isIntrinsic(pattern) || isIntrinsic(targets) || isIntrinsic(p.State) || isIntrinsic(bus);
      for (const { service, events } of ALERTED_CALLS) {
        for (const event of events) {
          const call = `${service}:${event}`;
          const m = isIntrinsic(pattern) ? 'unknown' : patternMatches(pattern, service, event);
          if (/^(Get|List|Describe)/.test(event) && p.State !== ALL_MANAGEMENT_EVENTS && !isIntrinsic(p.State)) {
            if (m === true) {
              wrongState.add(call);
            }
            continue;
          }
          note(call, m === true && uncertain ? 'unknown' : m);
        }
      }
    }
    return { matched: out, wrongState };
  });
}

/**
 * When a stack audits operators (a trail or a session document), EventBridge rules with a target
 * alert on each API call that reads the service's secrets or goes around, silences or rewrites the
 * audit: GetSecretValue, SendCommand, changes to session documents, StopLogging / DeleteTrail /
 * UpdateTrail, PutKeyPolicy / DisableKey / ScheduleKeyDeletion / CreateGrant, ModifySnapshotAttribute
 * and changes to a backup vault's access policy.
 *
 * Logs that nobody reads until after the damage prove little; an alert turns the audit into a
 * control. A warning, because the alerts may live in another stack or account (an organization
 * trail with central rules): acknowledge it there with the reason. Read-only calls
 * (GetSecretValue) reach a rule only in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
 */
export const AuditAlertRulesPresent: RuleDefinition = {
  name: 'AuditAlertRulesPresent',
  guarantee: 'G6',
  info: 'Nothing alerts on API calls that read the service\'s secrets or go around, silence or rewrite the audit.',
  explanation: 'Add AWS::Events::Rule resources with a target (the alert topic) whose EventPattern matches ' +
    'detail-type "AWS API Call via CloudTrail" with source / detail.eventSource / detail.eventName for: secretsmanager ' +
    'GetSecretValue (rule State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, as it is a read-only call); ssm SendCommand, ' +
    'UpdateDocument, UpdateDocumentDefaultVersion, DeleteDocument; cloudtrail StopLogging, DeleteTrail, UpdateTrail; kms ' +
    'PutKeyPolicy, DisableKey, ScheduleKeyDeletion, CreateGrant; ec2 ModifySnapshotAttribute; backup ' +
    'PutBackupVaultAccessPolicy, DeleteBackupVaultAccessPolicy. If the alerts live elsewhere, acknowledge with where.',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::CloudTrail::Trail', 'AWS::SSM::Document'],
  evaluate(r, { index }) {
    if (r.type === 'AWS::SSM::Document' && isSessionDocument(r) !== 'yes') {
      return NOT_APPLICABLE;
    }
    if (!auditSources(index).includes(r)) {
      return NOT_APPLICABLE;
    }
    const { matched: covered, wrongState } = coverage(index);
    const missing: string[] = [];
    const unsure: string[] = [];
    for (const { service, events } of ALERTED_CALLS) {
      for (const event of events) {
        const m = covered.get(`${service}:${event}`);
        if (m === 'unknown') {
          unsure.push(`${service} ${event}`);
        } else if (m !== true) {
          missing.push(`${service} ${event}${wrongState.has(`${service}:${event}`) ? ` (matched only by rules whose State is not ${ALL_MANAGEMENT_EVENTS}, which never receive this read-only call)` : ''}`);
        }
      }
    }
    const outcome: Outcome = missing.length > 0
      ? nonCompliant(`no enabled EventBridge rule with a target matches ${missing.join(', ')}`)
      : unsure.length > 0 ? unverifiable(`the rules that may match ${unsure.join(', ')} are only known at deploy time`) : COMPLIANT;
    return outcome;
  },
};
