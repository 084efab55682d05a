import { ChildProcess, spawn, spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { renderedFile, renderedInit } from './support/rendered';
import { rootOwnedTempDir } from './support/root-temp';

/**
 * The attacker is the postgres OS user (the server, or anyone who gets code to run as it). The root
 * scripts the host renders are run for real, as root, against a temporary tree, with a stand-in
 * `aws` that answers after a delay, while a process running as postgres swaps every temporary
 * file and target it can reach for a symlink to a root-owned victim file.
 */

const ROUNDS = 25;

/** The secret fetch as it was: a temporary file in the target directory, chowned by path. */
const NAIVE_FETCH_SECRET_SCRIPT = `#!/bin/bash
set -euo pipefail
path="$3"; mode="$4"; owner="$5"; group="$6"
umask 077
dir="$(dirname "$path")"
[ -d "$dir" ] || install -d -o "$owner" -g "$group" -m 0750 "$dir"
tmp="$(mktemp "$dir/.timescale-secret.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text > "$tmp"
chown "$owner:$group" "$tmp"
chmod "$mode" "$tmp"
mv -f "$tmp" "$path"
trap - EXIT
`;

/** Every $d it can write: each .timescale-secret.* entry and the target name become symlinks to the victim. */
const RACER = `shopt -s nullglob
victim="$1"; stop="$2"; shift 2
while [ ! -e "$stop" ]; do
  for d in "$@"; do
    [ -w "$d" ] || continue
    for entry in "$d"/.timescale-secret.* "$d/target"; do
      ln -sfn -- "$victim" "$entry" 2>/dev/null || true
    done
  done
done
`;

const id = (flag: string, name: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
const POSTGRES_UID = id('-u', 'postgres');
const POSTGRES_GID = id('-g', 'postgres');

let base: string;
let bin: string;
let racers = 0;
let init: any;

function mkdir(path: string, mode: number, uid = 0, gid = 0): string {
  mkdirSync(path);
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

function victimFile(name: string): string {
  const path = join(base, name);
  writeFileSync(path, 'victim\n');
  chownSync(path, 0, 0);
  chmodSync(path, 0o600);
  return path;
}

/** Runs `script` (as root) with the stand-in aws first on PATH. */
function run(script: string, path: string, delaySeconds: number, mode = '000440', owner = 'root', group = 'postgres') {
  return spawnSync(script, ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:s', '-', path, mode, owner, group], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, STAND_IN_AWS_DELAY: String(delaySeconds) },
  });
}

/** Starts the racing postgres process; `stop` ends it, bounded, and kills its process group if it lingers. */
function startRacer(victim: string, dirs: string[]): { stop: () => Promise<void> } {
  const stopFile = join(base, `stop-racer-${racers++}`);
  const child: ChildProcess = spawn('timeout', ['120', 'runuser', '-u', 'postgres', '--', 'bash', '-c', RACER, 'racer', victim, stopFile, ...dirs], {
    stdio: 'ignore', detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      writeFileSync(stopFile, '');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000));
      if (await Promise.race([exited.then(() => 'exited' as const), timer]) === 'timeout') {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}

/** Owner, group, mode and kind of every entry under `root`, without following symlinks. */
function snapshot(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  const visit = (path: string) => {
    const stat = lstatSync(path);
    entries.set(path, `${stat.uid}:${stat.gid} ${(stat.mode % 0o200000).toString(8)}`);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    }
  };
  visit(root);
  return entries;
}

beforeAll(() => {
  init = renderedInit();
  base = rootOwnedTempDir('race-');
  bin = mkdir(join(base, 'bin'), 0o755);
  writeFileSync(join(bin, 'aws'), '#!/bin/bash\n# Stand-in for the AWS CLI: answers get-secret-value after a delay, widening any race window.\n' +
    'sleep "$STAND_IN_AWS_DELAY"\nprintf %s stand-in-secret-value\n', { mode: 0o755 });
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

test('the harness catches the old pattern: the racing postgres user takes over a root-owned file', async () => {
  const victim = victimFile('victim-naive');
  const naive = join(bin, 'naive-fetch-secret');
  writeFileSync(naive, NAIVE_FETCH_SECRET_SCRIPT, { mode: 0o700 });
  // As the old script was used for the superuser password: a directory owned by postgres.
  const dir = mkdir(join(base, 'naive'), 0o755, POSTGRES_UID, POSTGRES_GID);
  const racer = startRacer(victim, [dir]);
  let attempts = 0;
  try {
    while (attempts < 10 && lstatSync(victim).uid === 0) {
      attempts++;
      run(naive, join(dir, 'target'), 0.2, '000400', 'postgres', 'postgres');
    }
  } finally {
    await racer.stop();
  }
  // chown followed the swapped-in symlink: postgres now owns a file only root could write.
  expect({ uid: lstatSync(victim).uid, attempts }).toEqual({ uid: POSTGRES_UID, attempts: expect.any(Number) });
});

describe('the rendered secret fetch, raced by postgres', () => {
  let fetch: string;
  let victim: string;
  let accepted: string[];
  let refused: { path: string; message: RegExp }[];
  let tree: string;
  let before: Map<string, string>;
  const results: { path: string; status: number | null; stderr: string }[] = [];

  beforeAll(async () => {
    fetch = join(bin, 'timescale-fetch-secret');
    writeFileSync(fetch, renderedFile(init, '/usr/local/sbin/timescale-fetch-secret'), { mode: 0o700 });
    victim = victimFile('victim');
    tree = mkdir(join(base, 'tree'), 0o755);
    const secure = mkdir(join(tree, 'secure'), 0o755);
    const tls = mkdir(join(secure, 'tls'), 0o750, 0, POSTGRES_GID);
    const pgdir = mkdir(join(tree, 'pgdir'), 0o755, POSTGRES_UID, POSTGRES_GID);
    const groupWritable = mkdir(join(tree, 'group-writable'), 0o770, 0, POSTGRES_GID);
    const sticky = mkdir(join(tree, 'sticky'), 0o1777);
    const pgparent = mkdir(join(tree, 'pgparent'), 0o755, POSTGRES_UID, POSTGRES_GID);
    const child = mkdir(join(pgparent, 'child'), 0o755);
    symlinkSync(tls, join(tree, 'link'));
    accepted = [join(tls, 'target'), join(secure, 'made', 'deeper', 'target')];
    refused = [
      { path: join(pgdir, 'target'), message: new RegExp(`${pgdir} is owned by uid ${POSTGRES_UID}; every directory up to / must be owned by root`) },
      { path: join(pgdir, 'missing', 'target'), message: new RegExp(`${pgdir} is owned by uid ${POSTGRES_UID}`) },
      { path: join(groupWritable, 'target'), message: new RegExp(`${groupWritable} has mode 770, writable by group or other`) },
      { path: join(sticky, 'target'), message: new RegExp(`${sticky} has mode 1777, writable by group or other`) },
      { path: join(child, 'target'), message: new RegExp(`${pgparent} is owned by uid ${POSTGRES_UID}`) },
      { path: join(tree, 'link', 'target'), message: new RegExp(`${tree}/link is a symlink; every directory up to / must be a real directory`) },
      { path: `${secure}/../secure/tls/target`, message: /the path is not in canonical form/ },
    ];
    before = snapshot(tree);
    const racer = startRacer(victim, [pgdir, join(pgdir, 'missing'), groupWritable, sticky, pgparent, child, secure, tls]);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const path of [...accepted, ...refused.map((r) => r.path)]) {
          const result = run(fetch, path, 0.005);
          results.push({ path, status: result.status, stderr: result.stderr });
        }
      }
    } finally {
      await racer.stop();
    }
  });

  test(`writes every accepted target, ${ROUNDS} rounds, as root:postgres 0440 with the value`, () => {
    for (const path of accepted) {
      expect(results.filter((r) => r.path === path)).toEqual(Array(ROUNDS).fill({ path, status: 0, stderr: '' }));
      const stat = lstatSync(path);
      expect({ file: stat.isFile(), uid: stat.uid, gid: stat.gid, mode: (stat.mode % 0o10000).toString(8) })
        .toEqual({ file: true, uid: 0, gid: POSTGRES_GID, mode: '440' });
      expect(readFileSync(path, 'utf8')).toBe('stand-in-secret-value');
    }
  });

  test('refuses every target whose directory or an ancestor postgres can change, saying why, and writes nothing there', () => {
    for (const { path, message } of refused) {
      const runs = results.filter((r) => r.path === path);
      expect(runs).toHaveLength(ROUNDS);
      for (const result of runs) {
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`^timescale-fetch-secret: refusing to write ${path.replace(/[.]/g, '\\.')}: `));
        expect(result.stderr).toMatch(message);
      }
    }
    expect(existsSync(join(tree, 'pgdir', 'missing'))).toBe(false);
  });

  test('the victim keeps its owner, mode and content', () => {
    const stat = lstatSync(victim);
    expect({ uid: stat.uid, gid: stat.gid, mode: (stat.mode % 0o10000).toString(8) }).toEqual({ uid: 0, gid: 0, mode: '600' });
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
  });

  test('nothing outside the intended files changed owner or mode, and no temporary file is left', () => {
    const after = snapshot(tree);
    const changed = [...before].filter(([path, state]) => after.get(path) !== state && !accepted.includes(path));
    expect(changed).toEqual([]);
    // New entries: the targets, the directories made for one of them, and the attacker's own symlinks.
    const added = [...after.keys()].filter((path) => !before.has(path));
    const made = join(tree, 'secure', 'made');
    const attackerOwned = added.filter((path) => lstatSync(path).isSymbolicLink() && lstatSync(path).uid === POSTGRES_UID);
    expect(added.filter((path) => !attackerOwned.includes(path)).sort()).toEqual(
      [...accepted, made, join(made, 'deeper')].sort());
    expect(after.get(made)).toBe('0:0 40755');
    expect(after.get(join(made, 'deeper'))).toBe(`0:${POSTGRES_GID} 40750`);
    expect([...after.keys()].filter((path) => path.includes('.timescale-secret.') && !attackerOwned.includes(path))).toEqual([]);
  });

  test('the racer was really there: it planted symlinks to the victim wherever it could write', () => {
    const planted = lstatSync(join(tree, 'pgdir', 'target'));
    expect({ symlink: planted.isSymbolicLink(), uid: planted.uid }).toEqual({ symlink: true, uid: POSTGRES_UID });
  });
});

describe('the rendered directory reclaim', () => {
  let reclaim: string;
  beforeAll(() => {
    reclaim = join(bin, 'timescale-reclaim-dirs');
    writeFileSync(reclaim, renderedFile(init, '/usr/local/sbin/timescale-reclaim-dirs'), { mode: 0o700 });
  });

  test('replaces a directory postgres owns or a symlink, keeps a root-only one, and never follows the symlink', () => {
    const root = mkdir(join(base, 'reclaim'), 0o755);
    const legacy = mkdir(join(root, 'legacy'), 0o700, POSTGRES_UID, POSTGRES_GID);
    writeFileSync(join(legacy, 'server.key'), 'old');
    const kept = mkdir(join(root, 'kept'), 0o750, 0, POSTGRES_GID);
    writeFileSync(join(kept, 'file'), 'kept');
    const target = mkdir(join(root, 'elsewhere'), 0o755);
    writeFileSync(join(target, 'file'), 'elsewhere');
    symlinkSync(target, join(root, 'link'));

    const result = spawnSync(reclaim, [legacy, kept, join(root, 'link'), join(root, 'absent')], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`removed ${legacy}, which a user other than root could change`));
    expect(readdirSync(root).sort()).toEqual(['elsewhere', 'kept']);
    expect(readFileSync(join(kept, 'file'), 'utf8')).toBe('kept');
    expect(readFileSync(join(target, 'file'), 'utf8')).toBe('elsewhere');
  });

  test('refuses when the parent is not root-only, and leaves the directory', () => {
    const parent = mkdir(join(base, 'reclaim-pgparent'), 0o755, POSTGRES_UID, POSTGRES_GID);
    const legacy = mkdir(join(parent, 'legacy'), 0o700, POSTGRES_UID, POSTGRES_GID);
    const result = spawnSync(reclaim, [legacy], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`cannot safely replace ${legacy}: its parent ${parent} is not a root-only directory`));
    expect(readdirSync(parent)).toEqual(['legacy']);
  });
});
