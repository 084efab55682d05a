import * as fs from 'fs';
import * as path from 'path';
import { CfnCondition, CfnMapping, CfnParameter, CfnResource, CfnRule, Stack, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { renderEntry } from './fast-render';
import { asArray, referencedIds, referencedLogicalId } from './values';
import { hasChoices, ParameterChoices, Variant, variantsOf } from './variants';

/**
 * A resource as it will be deployed: its entry in the synthesized template, after raw
 * overrides, with tokens resolved to CloudFormation intrinsics.
 */
export interface RenderedResource {
  readonly node: CfnResource;
  readonly stack: Stack;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: { [key: string]: any };
  readonly metadata: { [key: string]: any };
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
  /** The template condition the resource is created under (its `Condition` attribute), if any. */
  readonly condition?: string;
  /**
   * For one version of a resource (see {@link StackIndex.variantsOf}): the value each condition
   * (`condition:<name>`) and parameter (`parameter:<name>`) takes in it.
   */
  readonly choices?: ReadonlyMap<string, unknown>;
}

/**
 * The single place that reads a resource's rendered template entry. `_toCloudFormation()` is
 * internal to aws-cdk-lib but is what the stack itself calls when it writes the template, so it
 * includes `addOverride` / `addPropertyOverride` / `addDeletionOverride` and `cfnOptions`.
 * There is no public API that returns one resource's rendered form (2.257).
 */
export function renderResource(node: CfnResource, stack: Stack = Stack.of(node), cache?: Map<string, any>): RenderedResource | undefined {
  const fragment = (node as any)._toCloudFormation();
  const resources = fragment?.Resources;
  if (!resources) {
    return undefined;
  }
  const logicalId: string = stack.resolve(node.logicalId);
  const entry = renderEntry(stack, Object.values(resources)[0], cache) ?? {};
  return {
    node,
    stack,
    logicalId,
    type: entry.Type ?? node.cfnResourceType,
    properties: entry.Properties ?? {},
    metadata: entry.Metadata ?? {},
    deletionPolicy: entry.DeletionPolicy,
    updateReplacePolicy: entry.UpdateReplacePolicy,
    condition: typeof entry.Condition === 'string' ? entry.Condition : undefined,
  };
}

/** Renders, or undefined when the resource cannot be rendered (the synth reports that error itself). */
function tryRender(node: CfnResource, stack: Stack, cache?: Map<string, any>): RenderedResource | undefined {
  try {
    return renderResource(node, stack, cache);
  } catch {
    return undefined;
  }
}

/** The resource's entry in an already synthesized template (no rendering needed). */
function fromTemplate(node: CfnResource, stack: Stack, template: any): RenderedResource | undefined {
  const logicalId: string = stack.resolve(node.logicalId);
  const entry = template.Resources?.[logicalId];
  if (!entry) {
    return undefined;
  }
  return {
    node,
    stack,
    logicalId,
    type: entry.Type,
    properties: entry.Properties ?? {},
    metadata: entry.Metadata ?? {},
    deletionPolicy: entry.DeletionPolicy,
    updateReplacePolicy: entry.UpdateReplacePolicy,
    condition: typeof entry.Condition === 'string' ? entry.Condition : undefined,
  };
}

/** A `Rules` section entry (CfnRule) of the template. */
export interface RenderedTemplateRule {
  readonly logicalId: string;
  readonly ruleCondition?: unknown;
  readonly assertions: { Assert: unknown; AssertDescription?: string }[];
}

/**
 * Everything about one stack that cross-resource rules need, built once per validation run in
 * one walk of the stack: resources by node, logical id and type, parameters and template rules.
 * Derived lookups (bucket policies by bucket, routes by subnet, ...) are built lazily, once.
 */
export class StackIndex {
  public readonly byNode = new Map<CfnResource, RenderedResource>();
  public readonly byLogicalId = new Map<string, RenderedResource>();
  public readonly parameters = new Set<string>();
  /** Each parameter's default and allowed values, which a deployment can choose between. */
  public readonly parameterChoices = new Map<string, ParameterChoices>();
  public readonly templateRules: RenderedTemplateRule[] = [];
  /** The stack's parameter and mapping constructs, rendered only by the rules that read them. */
  public readonly parameterElements: CfnParameter[] = [];
  public readonly mappingElements: CfnMapping[] = [];
  private readonly byTypeMap = new Map<string, RenderedResource[]>();
  private readonly derived = new Map<string, unknown>();
  private readonly variants = new WeakMap<RenderedResource, Variant[] | undefined>();
  private readonly tooMuch = new WeakMap<RenderedResource, boolean>();
  /** Whether any resource can choose: the template has conditions or parameters. Most have neither. */
  private mayChoose: boolean;

  constructor(public readonly stack: Stack, template?: any) {
    const tokens = new Map<string, any>();
    this.mayChoose = template?.Conditions !== undefined;
    walkStack(stack, stack, (c) => {
      if (CfnResource.isCfnResource(c)) {
        const rendered = (template && fromTemplate(c, stack, template)) ?? tryRender(c, stack, tokens);
        if (rendered) {
          this.byNode.set(c, rendered);
          this.byLogicalId.set(rendered.logicalId, rendered);
          const list = this.byTypeMap.get(rendered.type);
          list ? list.push(rendered) : this.byTypeMap.set(rendered.type, [rendered]);
        }
      } else if (c instanceof CfnParameter) {
        this.parameterElements.push(c);
        const logicalId: string = stack.resolve(c.logicalId);
        this.parameters.add(logicalId);
        // An SSM-typed parameter's default names a parameter in SSM, not the value it deploys with.
        const choices = { default: stack.resolve(c.default), allowedValues: stack.resolve(c.allowedValues) };
        if (!c.type.startsWith('AWS::SSM::') && (choices.default !== undefined || choices.allowedValues !== undefined)) {
          this.parameterChoices.set(logicalId, choices);
          this.mayChoose = true;
        }
      } else if (c instanceof CfnMapping) {
        this.mappingElements.push(c);
      } else if (c instanceof CfnCondition) {
        this.mayChoose = true;
      } else if (c instanceof CfnRule) {
        const rules = stack.resolve((c as any)._toCloudFormation())?.Rules ?? {};
        for (const [logicalId, body] of Object.entries<any>(rules)) {
          this.templateRules.push({ logicalId, ruleCondition: body.RuleCondition, assertions: asArray(body.Assertions) });
        }
      }
    });
  }

  public get resourceCount(): number {
    return this.byNode.size;
  }

  public byType(type: string): RenderedResource[] {
    return this.byTypeMap.get(type) ?? [];
  }

  /** The resource a `{ Ref }` / `{ Fn::GetAtt }` points at, if it is in this stack. */
  public target(value: unknown): RenderedResource | undefined {
    const id = referencedLogicalId(value);
    return id === undefined ? undefined : this.byLogicalId.get(id);
  }

  /**
   * The ways `resource` can be deployed when it chooses with `Fn::If` or takes parameters
   * (see {@link variantsOf}); undefined when it is deployed one way only. Computed once per resource.
   */
  public variantsOf(resource: RenderedResource): Variant[] | undefined {
    if (!this.mayChoose) {
      return undefined;
    }
    if (!this.variants.has(resource)) {
      this.variants.set(resource, variantsOf(resource, this.parameterChoices));
    }
    return this.variants.get(resource);
  }

  /**
   * Whether `resource` chooses with `Fn::If` or parameters in more ways than are judged one by one
   * (more than MAX_VARIANTS): it is then judged as written, where a choice it makes cannot be seen.
   */
  public choosesTooMuch(resource: RenderedResource): boolean {
    if (!this.mayChoose || this.variantsOf(resource) !== undefined) {
      return false;
    }
    if (!this.tooMuch.has(resource)) {
      this.tooMuch.set(resource, hasChoices(resource, this.parameterChoices));
    }
    return this.tooMuch.get(resource)!;
  }

  /** Memoizes a derived lookup for the lifetime of this index (one validation run). */
  public memo<T>(key: string, build: () => T): T {
    if (!this.derived.has(key)) {
      this.derived.set(key, build());
    }
    return this.derived.get(key) as T;
  }

  /**
   * Resources of `type` grouped by the logical id their `property` refers to (`{ Ref }` or
   * `{ Fn::GetAtt }`, under each id an `Fn::If` may choose); literal values are grouped under
   * `literal:<value>`.
   */
  public groupByReference(type: string, property: string): Map<string, RenderedResource[]> {
    return this.memo(`group:${type}:${property}`, () => {
      const out = new Map<string, RenderedResource[]>();
      for (const r of this.byType(type)) {
        for (const ref of asArray(r.properties[property])) {
          const ids = typeof ref === 'string' ? [`literal:${ref}`] : [...referencedIds(ref)];
          for (const id of ids) {
            const list = out.get(id);
            list ? list.push(r) : out.set(id, [r]);
          }
        }
      }
      return out;
    });
  }

  /** Whether `r` is the resource as written, rather than one of its versions (an `Fn::If` branch, a parameter's value). */
  public isAsWritten(r: RenderedResource): boolean {
    return this.byLogicalId.get(r.logicalId) === r;
  }
}

/** Children of `scope` that belong to `stack` (nested stacks get their own index). */
function walkStack(stack: Stack, scope: IConstruct, visit: (c: IConstruct) => void): void {
  for (const child of scope.node.children) {
    if (Stack.isStack(child) && child !== stack) {
      continue;
    }
    visit(child);
    walkStack(stack, child, visit);
  }
}

/**
 * One validation run: stack indexes are built on first use and dropped with the session, so a
 * second `validateScope` after the app changed never sees stale renderings.
 */
export class EvaluationSession {
  private readonly indexes = new WeakMap<Stack, StackIndex>();
  private readonly templatePaths: Set<string>;

  /**
   * @param templatePaths templates the CDK already synthesized (plugin mode): resources found
   * there are read from the template instead of being rendered again
   */
  constructor(templatePaths: string[] = []) {
    this.templatePaths = new Set(templatePaths.map((p) => path.resolve(p)));
  }

  private templateOf(stack: Stack): any {
    if (this.templatePaths.size === 0 || stack.nested) {
      return undefined;
    }
    const stage = Stage.of(stack);
    const file = stage ? path.resolve(stage.outdir, stack.templateFile) : undefined;
    if (!file || !this.templatePaths.has(file) || !fs.existsSync(file)) {
      return undefined;
    }
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  public indexFor(stack: Stack): StackIndex {
    let index = this.indexes.get(stack);
    if (!index) {
      index = new StackIndex(stack, this.templateOf(stack));
      this.indexes.set(stack, index);
    }
    return index;
  }

  /** The rendered resource and the index of its stack. */
  public lookup(node: CfnResource): { resource: RenderedResource; index: StackIndex } | undefined {
    const index = this.indexFor(Stack.of(node));
    const resource = index.byNode.get(node) ?? tryRender(node, index.stack);
    return resource ? { resource, index } : undefined;
  }
}
