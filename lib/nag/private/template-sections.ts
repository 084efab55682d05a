import { StackIndex } from './rendered';
import { isIntrinsic, referencedAnywhere } from './values';

/** A template parameter as the rules need it. */
export interface RenderedParameter {
  readonly logicalId: string;
  readonly noEcho: boolean;
  readonly default?: unknown;
}

interface Sections {
  readonly parameters: Map<string, RenderedParameter>;
  readonly mappings: Map<string, { [key: string]: { [key: string]: unknown } }>;
}

/** Parameters and Mappings of the stack, rendered once per stack from the elements its index found. */
export function templateSections(index: StackIndex): Sections {
  return index.memo('template-sections', () => {
    const stack = index.stack;
    const parameters = new Map<string, RenderedParameter>();
    const mappings = new Map<string, { [key: string]: { [key: string]: unknown } }>();
    for (const c of index.parameterElements) {
      const logicalId: string = stack.resolve(c.logicalId);
      parameters.set(logicalId, { logicalId, noEcho: c.noEcho === true, default: stack.resolve(c.default) });
    }
    for (const c of index.mappingElements) {
      const rendered = stack.resolve((c as any)._toCloudFormation())?.Mappings ?? {};
      for (const [id, body] of Object.entries<any>(rendered)) {
        mappings.set(id, body);
      }
    }
    return { parameters, mappings };
  });
}

/** NoEcho parameters with a Default that a value refers to (`Ref`, or `${Name}` inside Fn::Sub). */
export function noEchoDefaultsIn(value: unknown, index: StackIndex, out: RenderedParameter[] = []): RenderedParameter[] {
  const parameters = index.memo('no-echo-defaults', () => new Map([...templateSections(index).parameters]
    .filter(([, p]) => p.noEcho && p.default !== undefined)));
  if (parameters.size === 0) {
    return out;
  }
  for (const id of referencedAnywhere(value)) {
    const p = parameters.get(id);
    if (p) {
      out.push(p);
    }
  }
  return out;
}

/** Values an `Fn::FindInMap` inside `value` can return: one when its keys are literal, every candidate otherwise. */
export function mappedValues(value: unknown, index: StackIndex, visit: (text: string, where: string) => void): void {
  // Without Mappings there is nothing to find (an Fn::FindInMap must name a mapping of the template).
  if (templateSections(index).mappings.size === 0) {
    return;
  }
  const walk = (v: unknown): void => {
    if (isIntrinsic(v) && Array.isArray(v['Fn::FindInMap'])) {
      const [name, top, second, options] = v['Fn::FindInMap'] as unknown[];
      // The value returned when the keys are not in the mapping (AWS::LanguageExtensions).
      const fallback = options !== null && typeof options === 'object' ? (options as { DefaultValue?: unknown }).DefaultValue : undefined;
      if (typeof fallback === 'string') {
        visit(fallback, `Fn::FindInMap DefaultValue of ${String(name)}`);
      }
      const mapping = typeof name === 'string' ? templateSections(index).mappings.get(name) : undefined;
      if (mapping) {
        for (const [k1, level] of Object.entries(mapping)) {
          if (typeof top === 'string' && top !== k1) {
            continue;
          }
          for (const [k2, leaf] of Object.entries(level ?? {})) {
            if (typeof second === 'string' && second !== k2) {
              continue;
            }
            for (const text of Array.isArray(leaf) ? leaf : [leaf]) {
              if (typeof text === 'string') {
                visit(text, `Mappings/${name}/${k1}/${k2} (through Fn::FindInMap)`);
              }
            }
          }
        }
      }
    }
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
}
