import { IResolvable, Stack, Token, Tokenization } from 'aws-cdk-lib';

/**
 * Resolves a value like `stack.resolve`, but walks plain objects and arrays itself and hands only
 * the token-carrying leaves to `stack.resolve`. `stack.resolve` allocates a resolution context
 * for every node of the tree; resolving a rendered resource that way dominates a pack's cost.
 */
export function resolveLeaves(stack: Stack, value: any, cache?: Map<string, any>, keepUndefined = false, post?: PostResolve): any {
  if (value === undefined || value === null) {
    return value;
  }
  switch (typeof value) {
    case 'string': {
      if (!value.includes('{Token[')) {
        return value;
      }
      // The same reference (a key ARN, a subnet id) recurs across resources; resolve it once.
      if (cache?.has(value)) {
        return cache.get(value);
      }
      const resolved = stack.resolve(value);
      cache?.set(value, resolved);
      return resolved;
    }
    case 'number':
      return Token.isUnresolved(value) ? stack.resolve(value) : value;
    case 'object':
      break;
    default:
      return value;
  }
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v === 'string' && v.startsWith('#{Token['))) {
      return stack.resolve(value); // an encoded list token stands for the whole list
    }
    const out: any[] = [];
    for (const item of value) {
      const resolved = resolveLeaves(stack, item, cache, keepUndefined, post);
      if (resolved !== undefined) {
        out.push(resolved);
      }
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (post && proto === post.prototype) {
    // `ignoreEmpty(...)` around Properties, Metadata and DependsOn: resolve what it wraps leaf by
    // leaf, then let it drop what is empty, as `stack.resolve` would.
    return (value as PostResolveLike).postProcess(resolveLeaves(stack, (value as PostResolveLike).value, cache, keepUndefined, post), post.context);
  }
  if (Tokenization.isResolvable(value) || (proto !== Object.prototype && proto !== null)) {
    return stack.resolve(value as IResolvable);
  }
  const out: { [key: string]: any } = {};
  for (const k in value) { // a plain object: own keys only, without allocating the entries
    const key = k.includes('{Token[') ? String(stack.resolve(k)) : k;
    const resolved = resolveLeaves(stack, value[k], cache, keepUndefined, post);
    if (resolved !== undefined || keepUndefined) {
      // deletion overrides are `undefined` values that deepMerge must still see
      out[key] = resolved;
    }
  }
  return out;
}

interface PostResolveLike {
  readonly value: any;
  postProcess(input: any, context: any): any;
}

/** The class of the post-resolve tokens `_toCloudFormation()` wraps values in, and the context to run them with. */
interface PostResolve {
  readonly prototype: object;
  readonly context: object;
}

/**
 * Renders one `CfnResource` template entry: `_toCloudFormation()` wraps the entry in a
 * post-resolve token whose processor renders property names and applies raw overrides; we
 * resolve its input leaf by leaf and run the same processor. Falls back to a full
 * `stack.resolve` when the shape is not the expected one.
 */
export function renderEntry(stack: Stack, entry: unknown, cache?: Map<string, any>): any {
  const token = entry as Partial<PostResolveLike>;
  if (!token || typeof token.postProcess !== 'function' || token.value === undefined || typeof token.value !== 'object') {
    return stack.resolve(entry);
  }
  const context = {
    scope: stack,
    preparing: false,
    documentPath: [],
    resolve: (x: any, options?: { removeEmpty?: boolean }) =>
      options?.removeEmpty === false ? resolveLeaves(stack, x, cache, true) : stack.resolve(x),
    registerPostProcessor: () => undefined,
  };
  const post: PostResolve = { prototype: Object.getPrototypeOf(token), context };
  const input = resolveLeaves(stack, token.value, cache, false, post);
  // input is resolved and the processor resolves the overrides itself
  return token.postProcess(input, context);
}
