import { isIntrinsic } from './values';

/** The `inputs` of a Session Manager document's Content (object, JSON or flat YAML); undefined when only known at deploy time. */
export function sessionInputs(content: unknown): { [key: string]: unknown } | undefined {
  if (typeof content === 'string') {
    try {
      return sessionInputs(JSON.parse(content));
    } catch {
      // YAML content: read the flat `key: value` lines under inputs.
      const inputs: { [key: string]: unknown } = {};
      for (const m of content.matchAll(/^\s+(\w+):\s*['"]?([^'"\n#]*)['"]?\s*$/gm)) {
        inputs[m[1]] = m[2].trim() === 'true' ? true : m[2].trim() === 'false' ? false : m[2].trim();
      }
      return inputs;
    }
  }
  if (content && typeof content === 'object' && !isIntrinsic(content)) {
    return ((content as any).inputs ?? {}) as { [key: string]: unknown };
  }
  return undefined;
}
