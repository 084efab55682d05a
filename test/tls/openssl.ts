import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A scratch folder with helpers to run the real `openssl` binary on files written there. */
export class OpenSsl {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-test-'));

  public write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  /** Runs openssl; returns { ok, output } with stdout and stderr together. */
  public run(...args: string[]): { ok: boolean; output: string } {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  }

  public cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
