/**
 * A small EventBridge event-pattern matcher for the subset the alert rules use: exact values,
 * `prefix`, `anything-but` (a value or a list), `exists`, nested objects and `$or`. Anything else
 * throws, so that a pattern this model does not know cannot pass by accident.
 *
 * Semantics from the EventBridge User Guide ("Event patterns", "Content filtering"): every field of
 * the pattern must match; a leaf is a list of matchers, any of which may match; when the event's
 * value is a list, any element may match; `anything-but` and every other matcher but
 * `{ exists: false }` need the field to be present; `$or` holds when one of its patterns does.
 */
export function matchesPattern(pattern: { [key: string]: any }, event: any): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') {
      if (!Array.isArray(expected) || expected.length < 2) {
        throw new Error(`$or needs a list of at least two patterns; got ${JSON.stringify(expected)}`);
      }
      return expected.some((alternative) => matchesPattern(alternative, event));
    }
    const actual = event === undefined || event === null ? undefined : event[key];
    if (Array.isArray(expected)) {
      return expected.some((matcher) => leafMatches(matcher, actual));
    }
    if (expected !== null && typeof expected === 'object') {
      return matchesPattern(expected, actual !== null && typeof actual === 'object' && !Array.isArray(actual) ? actual : undefined);
    }
    throw new Error(`a pattern field must be a list of matchers or an object; got ${JSON.stringify(expected)} for ${key}`);
  });
}

function leafMatches(matcher: any, actual: any): boolean {
  if (matcher !== null && typeof matcher === 'object') {
    const [kind, ...more] = Object.keys(matcher);
    if (more.length > 0) {
      throw new Error(`a matcher has one key; got ${JSON.stringify(matcher)}`);
    }
    const argument = matcher[kind];
    switch (kind) {
      case 'exists':
        return argument ? actual !== undefined : actual === undefined;
      case 'prefix':
        return anyValue(actual, (value) => typeof value === 'string' && value.startsWith(argument));
      case 'anything-but': {
        if (actual === undefined) {
          return false;
        }
        const excluded: any[] = Array.isArray(argument) ? argument : [argument];
        if (excluded.some((e) => e !== null && typeof e === 'object')) {
          throw new Error(`anything-but with a nested matcher is not modelled; got ${JSON.stringify(argument)}`);
        }
        const values = Array.isArray(actual) ? actual : [actual];
        return values.some((value) => !excluded.includes(value));
      }
      default:
        throw new Error(`matcher ${kind} is not modelled`);
    }
  }
  return anyValue(actual, (value) => value === matcher);
}

function anyValue(actual: any, test: (value: any) => boolean): boolean {
  if (actual === undefined) {
    return false;
  }
  return Array.isArray(actual) ? actual.some(test) : test(actual);
}
