import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CHECKS } from './checks';
import { AwsClients, CheckContext, CheckOptions, CheckOutcome, StackResource, unverifiable, VerifyAbort } from './context';
import { LIVE_PACK, liveRule } from './rules';
import { RuleEvaluation, StackSummary } from '../nag/evidence';

/** What a run found: the stacks it read and every check on every resource. */
export interface LiveEvidence {
  readonly stacks: StackSummary[];
  readonly evaluations: RuleEvaluation[];
}

/** Options of `verifyStacks`. */
export interface VerifyStacksOptions extends CheckOptions {
  readonly stackNames: string[];
  /** Receives a progress line per stack and resource type. */
  readonly progress?: (line: string) => void;
  /** Resources checked at once. @default 8 */
  readonly concurrency?: number;
}

/** Evaluations of one resource, in the report's form. */
export function evaluationsOf(resource: StackResource, outcomes: CheckOutcome[]): RuleEvaluation[] {
  return outcomes.map((o) => {
    const rule = liveRule(o.rule);
    return {
      pack: LIVE_PACK,
      ruleId: rule.ruleId,
      guarantee: rule.guarantee,
      stackPath: resource.stackName,
      templateFile: resource.stackId,
      constructPath: `${resource.stackName}/${resource.logicalId}`,
      logicalId: resource.logicalId,
      physicalId: resource.physicalId,
      resourceType: resource.type,
      status: o.status,
      detail: o.detail,
    };
  });
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      await run(items[next++]);
    }
  });
  await Promise.all(workers);
}

/**
 * Lists each stack's resources through CloudFormation (nested stacks included) and checks every
 * resource of a known type against the guarantees. Read-only. Throws `VerifyAbort` when it cannot
 * check at all: an unknown stack, no credentials, access denied.
 */
export async function verifyStacks(clients: AwsClients, options: VerifyStacksOptions): Promise<LiveEvidence> {
  const context = new CheckContext(clients, options);
  const progress = options.progress ?? (() => undefined);
  const stacks: StackSummary[] = [];
  const evaluations: RuleEvaluation[] = [];
  const queue = [...options.stackNames];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const name = queue.shift()!;
    const stack = await describeStack(context, name);
    if (seen.has(stack.StackId)) {
      continue;
    }
    seen.add(stack.StackId);
    const resources = await listResources(context, stack.StackName, stack.StackId);
    stacks.push({ stackPath: stack.StackName, templateFile: stack.StackId, resourceCount: resources.length });
    progress(`stack ${stack.StackName} (${stack.StackStatus}): ${resources.length} resources`);
    queue.push(...resources.filter((r) => r.type === 'AWS::CloudFormation::Stack' && r.physicalId).map((r) => r.physicalId));

    const byType = new Map<string, StackResource[]>();
    for (const r of resources) {
      if (CHECKS.has(r.type)) {
        byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
      }
    }
    for (const [type, list] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      progress(`  ${type}: checking ${list.length}`);
      const found = new Map<StackResource, RuleEvaluation[]>();
      await pool(list, options.concurrency ?? 8, async (resource) => {
        found.set(resource, evaluationsOf(resource, await checkResource(context, resource)));
      });
      list.forEach((r) => evaluations.push(...found.get(r)!));
    }
  }
  return { stacks, evaluations };
}

async function checkResource(context: CheckContext, resource: StackResource): Promise<CheckOutcome[]> {
  const check = CHECKS.get(resource.type)!;
  if (!resource.physicalId) {
    return check.rules.map((rule) => unverifiable(rule, 'CloudFormation lists no physical id: the resource was never created'));
  }
  try {
    return await check.check(resource, context);
  } catch (error: any) {
    if (error instanceof VerifyAbort) {
      throw error;
    }
    const reason = `${error?.name ?? 'Error'}: ${String(error?.message ?? error).split('\n')[0]}`;
    return check.rules.map((rule) => unverifiable(rule, /NotFound|NoSuch|does not exist/i.test(reason) ? `the resource no longer exists (${reason})` : reason));
  }
}

async function describeStack(context: CheckContext, name: string): Promise<any> {
  try {
    const out = await context.send<any>(context.clients.cloudformation, new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack) {
      throw new VerifyAbort(`stack '${name}' does not exist`);
    }
    // Given its ARN, CloudFormation still describes a deleted stack (and lists its deleted resources) for 90 days.
    if (stack.StackStatus === 'DELETE_COMPLETE') {
      throw new VerifyAbort(`stack '${name}' was deleted (${stack.StackId ?? name})`);
    }
    return stack;
  } catch (error: any) {
    if (error instanceof VerifyAbort) {
      throw error;
    }
    if (/does not exist/i.test(String(error?.message))) {
      throw new VerifyAbort(`stack '${name}' does not exist in ${await regionOf(context)}`);
    }
    throw new VerifyAbort(`could not describe stack '${name}': ${error?.name ?? 'Error'}: ${String(error?.message ?? error).split('\n')[0]}`);
  }
}

async function regionOf(context: CheckContext): Promise<string> {
  try {
    return await context.clients.cloudformation.config.region();
  } catch {
    return 'the Region';
  }
}

async function listResources(context: CheckContext, stackName: string, stackId: string): Promise<StackResource[]> {
  const out: StackResource[] = [];
  let token: string | undefined;
  do {
    const page = await context.send<any>(context.clients.cloudformation, new ListStackResourcesCommand({ StackName: stackId, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceStatus === 'DELETE_COMPLETE') {
        continue;
      }
      out.push({ stackName, stackId, logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '', type: r.ResourceType ?? '' });
    }
    token = page.NextToken;
  } while (token);
  return out;
}
