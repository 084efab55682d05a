import { Token } from 'aws-cdk-lib';

/**
 * Throws when `value` is a concrete number outside `[min, max]`. Unresolved tokens are
 * accepted: their value is only known at deploy time.
 */
export function assertInRange(what: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  const suffix = unit ? ` ${unit}` : '';
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} must be a whole number from ${min} to ${max}${suffix}; got ${value}${suffix}.`);
  }
}
