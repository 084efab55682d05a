/**
 * Helpers over resolved CloudFormation values: literals, intrinsics and text.
 * Everything here is pure; nothing reads the construct tree.
 */

/** Stands in for an unresolved intrinsic inside text built from Fn::Join / Fn::Sub. */
export const UNRESOLVED = '${UNRESOLVED}';

/** An intrinsic function object (`{ Ref }`, `{ 'Fn::GetAtt' }`, ...). */
export function isIntrinsic(value: unknown): value is { [key: string]: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition');
}

/** True when the value (or anything inside it) still needs CloudFormation to be known. */
export function containsIntrinsic(value: unknown): boolean {
  if (isIntrinsic(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsIntrinsic);
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some(containsIntrinsic);
  }
  return false;
}

/** Logical id behind `{ Ref: X }` or `{ 'Fn::GetAtt': [X, attr] }` / `'X.attr'`. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isIntrinsic(value)) {
    return undefined;
  }
  if (typeof value.Ref === 'string') {
    return value.Ref;
  }
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
    return getAtt[0];
  }
  if (typeof getAtt === 'string') {
    return getAtt.split('.')[0];
  }
  return undefined;
}

/** Attribute name of a `Fn::GetAtt`, undefined for anything else. */
export function referencedAttribute(value: unknown): string | undefined {
  if (!isIntrinsic(value)) {
    return undefined;
  }
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[1] === 'string') {
    return getAtt[1];
  }
  if (typeof getAtt === 'string') {
    return getAtt.split('.').slice(1).join('.');
  }
  return undefined;
}

/**
 * Text of a value as far as it is known: literal strings as they are, `Fn::Join` / `Fn::Sub` /
 * `Fn::Base64` with their literal parts kept and each unresolved part replaced by {@link UNRESOLVED}.
 * Returns undefined for values that are not text.
 */
export function knownText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (!isIntrinsic(value)) {
    return undefined;
  }
  const [fn, arg] = Object.entries(value)[0];
  switch (fn) {
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
        return UNRESOLVED;
      }
      return arg[1].map((part: unknown) => knownText(part) ?? UNRESOLVED).join(arg[0]);
    }
    case 'Fn::Sub': {
      const template = Array.isArray(arg) ? arg[0] : arg;
      // Variables given in the map are substituted with their text; others (parameters, attributes) are unresolved.
      const variables: { [name: string]: unknown } = Array.isArray(arg) && arg[1] !== null && typeof arg[1] === 'object' ? arg[1] : {};
      return typeof template === 'string'
        ? template.replace(/\$\{(?!!)([^}]*)\}/g, (_, name: string) => (name in variables ? knownText(variables[name]) ?? UNRESOLVED : UNRESOLVED))
        : UNRESOLVED;
    }
    case 'Fn::Base64':
      // Fn::Base64 encodes at deploy time: its argument is the plain text.
      return knownText(arg) ?? UNRESOLVED;
    case 'Fn::Select': {
      // An item of a list the template writes out: the item is written out too.
      const [at, list] = Array.isArray(arg) ? arg : [];
      const i = typeof at === 'number' ? at : typeof at === 'string' && /^\d+$/.test(at) ? Number(at) : undefined;
      return i !== undefined && Array.isArray(list) && i < list.length ? knownText(list[i]) ?? UNRESOLVED : UNRESOLVED;
    }
    default:
      return UNRESOLVED;
  }
}

/** Decodes a literal that is plausibly base64 (pre-encoded user data); undefined otherwise. */
export function decodeBase64Literal(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 8 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    return undefined;
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  // Only accept printable results: random identifiers also match the base64 alphabet.
  return /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(decoded) && !decoded.includes('\ufffd') ? decoded : undefined;
}

/**
 * Every piece of text in a value: string leaves, and joins/subs rendered with {@link knownText}.
 * Calls `visit(text, path)` with a JSON-pointer-like path.
 */
export function visitText(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') {
    visit(value, path);
    return;
  }
  if (isIntrinsic(value)) {
    const fn = Object.keys(value)[0];
    if (fn === 'Fn::Join' || fn === 'Fn::Sub' || fn === 'Fn::Base64') {
      const text = knownText(value);
      if (text !== undefined) {
        visit(text, path);
      }
    }
    const arg = (value as any)[fn];
    if (fn === 'Fn::Sub' && Array.isArray(arg) && arg[1] !== null && typeof arg[1] === 'object') {
      // The variable map is text of the template too, used or not.
      visitText(arg[1], `${path}/${fn}/1`, visit);
    } else if (fn !== 'Fn::Join' && fn !== 'Fn::Sub' && fn !== 'Fn::Base64' && fn !== 'Ref' && fn !== 'Fn::GetAtt') {
      // Arguments of other functions (the list of an Fn::Select, the branches of an Fn::If, the DefaultValue
      // of an Fn::FindInMap) are written in the template as they are.
      visitText(arg, `${path}/${fn}`, visit);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => visitText(item, `${path}/${i}`, visit));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      visitText(item, `${path}/${key}`, visit);
    }
  }
}

/**
 * Every logical id (or parameter) a value refers to, at any depth: inside joins, selects and `${Name}`
 * substitutions too, but not the variables an `Fn::Sub` defines itself. Unlike {@link referencedIds},
 * this counts things built from a resource (an ARN joined around its `Ref`).
 */
export function referencedAnywhere(value: unknown, out = new Set<string>()): Set<string> {
  const id = referencedLogicalId(value);
  if (id !== undefined) {
    out.add(id);
  } else if (isIntrinsic(value) && 'Fn::Sub' in value) {
    const arg = value['Fn::Sub'];
    const [template, variables] = Array.isArray(arg) ? arg : [arg, {}];
    if (typeof template === 'string') {
      for (const m of template.matchAll(/\$\{(?!!)([^}.]+)[^}]*\}/g)) {
        if (!(variables && m[1] in variables)) {
          out.add(m[1]);
        }
      }
    }
    referencedAnywhere(variables, out);
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach((v) => referencedAnywhere(v, out));
  }
  return out;
}

/**
 * The values `value` can take on any branch of an `Fn::If` it chooses with, lists flattened and
 * `AWS::NoValue` left out: `Fn::If [C, {Ref: A}, 'b']` gives `{Ref: A}` and `'b'`.
 */
export function branchLeaves(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap(branchLeaves);
  }
  if (isIntrinsic(value) && Array.isArray(value['Fn::If']) && typeof value['Fn::If'][0] === 'string') {
    return (value['Fn::If'] as unknown[]).slice(1).flatMap(branchLeaves);
  }
  if (isIntrinsic(value) && value.Ref === 'AWS::NoValue') {
    return [];
  }
  return value === undefined || value === null ? [] : [value];
}

/** `value` as an array: CloudFormation accepts a single item where a list is expected. */
export function asArray<T = any>(value: unknown): T[] {
  if (value === undefined || value === null) {
    return [];
  }
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** True for CloudFormation booleans (`true` or `'true'`, any case). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** Short, single-line rendering of a value for messages. */
export function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Stands in for a value derived only from pseudo parameters (e.g. the Region without dashes): fixed at deploy, not a wildcard. */
export const DERIVED = '{derived}';

/** Whether every `Ref` inside the value is a pseudo parameter and nothing else needs another resource or a parameter. */
function onlyPseudo(value: unknown): boolean {
  if (isIntrinsic(value)) {
    const [fn, arg] = Object.entries(value)[0];
    if (fn === 'Ref') {
      return typeof arg === 'string' && arg.startsWith('AWS::') && arg !== 'AWS::NoValue';
    }
    if (!['Fn::Join', 'Fn::Split', 'Fn::Select', 'Fn::Sub'].includes(fn)) {
      return false;
    }
    if (fn === 'Fn::Sub') {
      const template = Array.isArray(arg) ? arg[0] : arg;
      const vars = Array.isArray(arg) ? arg[1] ?? {} : {};
      return typeof template === 'string' && [...template.matchAll(/\$\{(?!!)([^}]*)\}/g)]
        .every((m) => m[1].startsWith('AWS::') || (m[1] in vars && onlyPseudo(vars[m[1]])));
    }
    return onlyPseudo(arg);
  }
  if (Array.isArray(value)) {
    return value.every(onlyPseudo);
  }
  return value === null || typeof value !== 'object';
}

/**
 * Text of a value with pseudo parameters kept as `{Region}`, `{AccountId}`, ... (no colons, so ARNs still split): values
 * that are fixed at deploy time but not known at synth. Parts derived only from pseudo parameters
 * become {@link DERIVED}; anything else (parameters, other resources, imports) {@link UNRESOLVED}.
 * Undefined for values that are not text.
 */
export function pseudoText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (!isIntrinsic(value)) {
    return undefined;
  }
  const [fn, arg] = Object.entries(value)[0];
  if (fn === 'Ref') {
    return typeof arg === 'string' && arg.startsWith('AWS::') ? `{${arg.slice(5)}}` : UNRESOLVED;
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    return arg[1].map((part: unknown) => pseudoText(part) ?? UNRESOLVED).join(arg[0]);
  }
  if (fn === 'Fn::Sub') {
    const template = Array.isArray(arg) ? arg[0] : arg;
    const vars = (Array.isArray(arg) ? arg[1] : undefined) ?? {};
    if (typeof template !== 'string') {
      return UNRESOLVED;
    }
    return template.replace(/\$\{(?!!)([^}]*)\}/g, (_m, name: string) =>
      name in vars ? pseudoText(vars[name]) ?? UNRESOLVED : name.startsWith('AWS::') ? `{${name.slice(5)}}` : UNRESOLVED);
  }
  return onlyPseudo(value) ? DERIVED : UNRESOLVED;
}

/**
 * The logical IDs a value references (`Ref`, `Fn::GetAtt`), on every branch of an `Fn::If` and in
 * every item of a list. A reference inside another function (a join, a substitution) names
 * something built from the resource, not the resource, and is not counted.
 */
export function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  const id = referencedLogicalId(value);
  if (id !== undefined) {
    out.add(id);
  } else if (Array.isArray(value)) {
    value.forEach((item) => referencedIds(item, out));
  } else if (isIntrinsic(value) && Array.isArray((value as any)['Fn::If'])) {
    (value as any)['Fn::If'].slice(1).forEach((branch: unknown) => referencedIds(branch, out));
  }
  return out;
}
