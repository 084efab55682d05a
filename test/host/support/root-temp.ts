import { chmodSync, mkdtempSync, statSync } from 'fs';
import { join } from 'path';

/**
 * The root-run bootstrap scripts write only where every directory up to / is owned by root and
 * writable by root alone, so their tests cannot use os.tmpdir() (/tmp is world-writable, even if
 * sticky). /var/lib is root-owned 0755 on Debian and Amazon Linux; the new directory is made 0755
 * too, so that an unprivileged user (the attacker in the race tests) can reach what it is allowed to.
 */
export function rootOwnedTempDir(prefix: string): string {
  if (process.getuid?.() !== 0) {
    throw new Error('the host bootstrap script tests run the rendered root scripts for real and need root; run them as root (CI does).');
  }
  const base = '/var/lib';
  const stat = statSync(base);
  const mode = (stat.mode % 0o10000).toString(8).padStart(4, '0');
  if (stat.uid !== 0 || /[2367]/.test(mode.slice(2))) {
    throw new Error(`${base} must be owned by root and writable by root only for these tests; got uid ${stat.uid}, mode ${mode}.`);
  }
  const dir = mkdtempSync(join(base, `timescale-host-test-${prefix}`));
  chmodSync(dir, 0o755);
  return dir;
}
