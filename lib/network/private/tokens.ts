import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A comparable key for a value that may be a token: literals as-is, tokens resolved in their stack. */
export function resolvedKey(scope: IConstruct, value: string): string {
  if (!Token.isUnresolved(value)) {
    return `literal:${value}`;
  }
  const stack = Stack.of(scope);
  return `${stack.node.path}:${JSON.stringify(stack.resolve(value))}`;
}

/** `values` without the ones that resolve to the same thing as an earlier one. */
export function uniqueByResolved(scope: IConstruct, values: string[]): string[] {
  const seen = new Map<string, string>();
  values.forEach((value) => {
    const key = resolvedKey(scope, value);
    if (!seen.has(key)) {
      seen.set(key, value);
    }
  });
  return [...seen.values()];
}
