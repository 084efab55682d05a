import { RenderedResource } from './rendered';

/** What a template parameter can be at deployment: its default, and the values CloudFormation accepts. */
export interface ParameterChoices {
  readonly default?: unknown;
  readonly allowedValues?: unknown[];
}

/** One way a resource can be deployed, and what had to hold for it. */
export interface Variant {
  readonly resource: RenderedResource;
  /** For example `IsProduction is false, DataKeyArn = 'alias/aws/ebs'`. */
  readonly when: string;
}

/**
 * More combinations than this are judged as written (unverifiable where a choice matters), so that a
 * template with many conditions cannot make checking exponential.
 */
export const MAX_VARIANTS = 16;

/** Stands for "leave the `{ Ref }` as it is": a parameter may be given any value at deployment. */
const ANY_VALUE = Symbol('any value');
/** The result of `{ Ref: 'AWS::NoValue' }`: the property or list item is left out. */
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * The ways a resource can be deployed, when its properties or metadata choose with `Fn::If` or take a
 * template parameter: one resource per combination of the conditions' truth values and the
 * parameters' values. A condition can be true or false (conditions are not evaluated). A parameter
 * takes each of its `AllowedValues`; without them, its default and any other value (the `{ Ref }`
 * is left, for the rule to call unverifiable).
 *
 * A condition or a parameter takes one value per variant wherever it appears, as CloudFormation
 * evaluates it once per deployment. Returns undefined when nothing is chosen, or when there are more
 * than {@link MAX_VARIANTS} combinations.
 */
export function variantsOf(resource: RenderedResource, parameters: ReadonlyMap<string, ParameterChoices>): Variant[] | undefined {
  const conditions = new Set<string>();
  const chosen = new Set<string>();
  collectChoices(resource.properties, parameters, conditions, chosen);
  collectChoices(resource.metadata, parameters, conditions, chosen);
  if (conditions.size === 0 && chosen.size === 0) {
    return undefined;
  }
  const dimensions: Array<{ name: string; kind: 'condition' | 'parameter'; options: unknown[] }> = [
    ...[...conditions].map((name) => ({ name, kind: 'condition' as const, options: [true, false] })),
    ...[...chosen].map((name) => ({ name, kind: 'parameter' as const, options: parameterOptions(parameters.get(name)!) })),
  ];
  const count = dimensions.reduce((n, d) => n * d.options.length, 1);
  if (count > MAX_VARIANTS) {
    return undefined;
  }
  const variants: Variant[] = [];
  for (let i = 0; i < count; i++) {
    const values = new Map<string, unknown>();
    let rest = i;
    for (const dimension of dimensions) {
      values.set(`${dimension.kind}:${dimension.name}`, dimension.options[rest % dimension.options.length]);
      rest = Math.floor(rest / dimension.options.length);
    }
    const pick = (value: unknown) => substitute(value, values);
    variants.push({
      resource: { ...resource, properties: orEmpty(pick(resource.properties)), metadata: orEmpty(pick(resource.metadata)), choices: values },
      when: describeChoices(values),
    });
  }
  return variants;
}

/** Whether a resource chooses with `Fn::If` or parameters at all (whether or not it has few enough versions to judge). */
export function hasChoices(resource: RenderedResource, parameters: ReadonlyMap<string, ParameterChoices>): boolean {
  const conditions = new Set<string>();
  const chosen = new Set<string>();
  collectChoices(resource.properties, parameters, conditions, chosen);
  collectChoices(resource.metadata, parameters, conditions, chosen);
  return conditions.size > 0 || chosen.size > 0;
}

/** Whether two versions can be deployed together: every condition and parameter both choose takes one value. */
export function compatible(a: ReadonlyMap<string, unknown> | undefined, b: ReadonlyMap<string, unknown> | undefined): boolean {
  if (!a || !b) {
    return true;
  }
  for (const [key, value] of a) {
    if (b.has(key) && b.get(key) !== value) {
      return false;
    }
  }
  return true;
}

/** `when` of a version: what had to hold for it, e.g. `IsProduction is false`. */
export function describeChoices(choices: ReadonlyMap<string, unknown>): string {
  return [...choices].map(([key, value]) => {
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)] as ['condition' | 'parameter', string];
    return describeChoice(kind, name, value);
  }).join(', ');
}

function parameterOptions(choices: ParameterChoices): unknown[] {
  if (choices.allowedValues && choices.allowedValues.length > 0) {
    return choices.allowedValues;
  }
  return [choices.default, ANY_VALUE];
}

function describeChoice(kind: 'condition' | 'parameter', name: string, value: unknown): string {
  if (kind === 'condition') {
    return `${name} is ${value}`;
  }
  return value === ANY_VALUE ? `${name} is given at deployment` : `${name} = ${JSON.stringify(value)}`;
}

/** Conditions that `Fn::If` chooses on, and parameters with a default or allowed values, in `value`. */
function collectChoices(value: unknown, parameters: ReadonlyMap<string, ParameterChoices>, conditions: Set<string>, chosen: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item) => collectChoices(item, parameters, conditions, chosen));
    return;
  }
  if (value === null || typeof value !== 'object') {
    return;
  }
  const object = value as { [key: string]: unknown };
  const ifArgs = object['Fn::If'];
  if (Array.isArray(ifArgs) && typeof ifArgs[0] === 'string') {
    conditions.add(ifArgs[0]);
  }
  const ref = object.Ref;
  if (typeof ref === 'string' && Object.keys(object).length === 1) {
    const choices = parameters.get(ref);
    if (choices && (choices.default !== undefined || (choices.allowedValues?.length ?? 0) > 0)) {
      chosen.add(ref);
    }
  }
  Object.values(object).forEach((item) => collectChoices(item, parameters, conditions, chosen));
}

/** `value` with each `Fn::If` replaced by its chosen branch and each chosen parameter by its value. */
function substitute(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => substitute(item, values)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const object = value as { [key: string]: unknown };
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'Fn::If' && Array.isArray(object['Fn::If']) && typeof object['Fn::If'][0] === 'string') {
    const [condition, whenTrue, whenFalse] = object['Fn::If'] as [string, unknown, unknown];
    return substitute(values.get(`condition:${condition}`) ? whenTrue : whenFalse, values);
  }
  if (keys.length === 1 && keys[0] === 'Ref') {
    if (object.Ref === 'AWS::NoValue') {
      return NO_VALUE;
    }
    const key = `parameter:${object.Ref}`;
    if (values.has(key) && values.get(key) !== ANY_VALUE) {
      return values.get(key);
    }
    return value;
  }
  const out: { [key: string]: unknown } = {};
  for (const key of keys) {
    const item = substitute(object[key], values);
    if (item !== NO_VALUE) {
      out[key] = item;
    }
  }
  return out;
}

function orEmpty(value: unknown): { [key: string]: any } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as { [key: string]: any } : {};
}
