/** Not exported from the package: shared by the renderers in this folder. */

/**
 * Quotes `value` as a `postgresql.conf` string literal (`'...'`, with `'` doubled and `\`
 * escaped). CDK tokens pass through inside the quotes.
 *
 * @throws when the value contains a line break or other control character, which a
 * configuration line cannot hold.
 */
export function quoteConfValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw new Error(`A postgresql.conf value cannot contain line breaks or control characters; got ${JSON.stringify(value)}.`);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, '\'\'')}'`;
}
