import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { isIntrinsic } from './values';

/** What a session document's `inputs` are, when they can be known before deployment. */
export type SessionInputs = { [key: string]: unknown };

/**
 * A Session Manager document's Content as an object, from an object, JSON text or YAML text.
 * Undefined when it is only known at deploy time, or when the text does not read as one
 * document the same way under YAML 1.1 and 1.2 (a duplicate key, `yes`/`on` booleans, `<<` merge
 * keys): which reading Session Manager takes is not documented, so such a document is not judged.
 */
export function sessionDocument(content: unknown): { [key: string]: unknown } | undefined {
  if (typeof content === 'string') {
    const readings = [readYaml(content, '1.1'), readYaml(content, '1.2')];
    if (readings.some((r) => r === undefined) || !isDeepStrictEqual(readings[0], readings[1])) {
      return undefined;
    }
    content = readings[0];
  }
  return isObject(content) && !isIntrinsic(content) ? content : undefined;
}

/** The `inputs` of a Session Manager document (see {@link sessionDocument}); undefined when they cannot be known. */
export function sessionInputs(content: unknown): SessionInputs | undefined {
  const doc = sessionDocument(content);
  if (!doc) {
    return undefined;
  }
  const inputs = doc.inputs ?? {};
  if (!isObject(inputs)) {
    return undefined;
  }
  // The agent reads inputs into Go structs, whose JSON decoding matches keys regardless of case: two keys
  // that differ only in case (cloudWatchEncryptionEnabled, CloudWatchEncryptionEnabled) are one setting
  // whose value the rules cannot know.
  const lowered = Object.keys(inputs).map((key) => key.toLowerCase());
  return new Set(lowered).size === lowered.length ? inputs : undefined;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** YAML (JSON is YAML) as one document; undefined on any error or warning, several documents or duplicate keys. */
function readYaml(text: string, version: '1.1' | '1.2'): unknown {
  const doc = parseDocument(text, { version, uniqueKeys: true, merge: version === '1.1', prettyErrors: false });
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined; // more aliases than a session document needs (an alias bomb), or a value that cannot be built
  }
}
