import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderedFile, renderedInit } from './support/rendered';

/**
 * The rendered metadata-service guard, applied with nft exactly as the host applies it, inside a
 * network namespace of its own (unshare -n) where a local HTTP server answers at the metadata
 * service's addresses. The attacker is any user but root: an operator's shell, or the server.
 */

const PROBES = `
probe() { # <label> <user, or userns: nobody as root of its own user namespace> <address>
  local as=(runuser -u "$2" --)
  [ "$2" = userns ] && as=(runuser -u nobody -- unshare --user --map-root-user)
  if out="$(timeout 5 "\${as[@]}" bash -c 'exec 3<>"/dev/tcp/$0/80" && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && head -c 15 <&3' "$3" 2>&1)" \\
    && [[ "$out" == "HTTP/1.0 200 OK" || "$out" == "HTTP/1.1 200 OK" ]]; then
    echo "$1 $2 $3 ok"
  else
    echo "$1 $2 $3 refused: \${out//$'\\n'/ }"
  fi
}
round() {
  for user in root nobody postgres \${USERNS:+userns}; do
    for address in 169.254.169.254 fd00:ec2::254; do probe "$1" "$user" "$address"; done
  done
}
`;

/** Whether an unprivileged user may create a user namespace here (kernels and containers may forbid it). */
const USERNS = spawnSync('runuser', ['-u', 'nobody', '--', 'unshare', '--user', '--map-root-user', 'true'], { stdio: 'ignore' }).status === 0;

function runInNamespace(ruleset: string, dir: string): string[] {
  const rulesetFile = join(dir, 'imds-guard.nft');
  writeFileSync(rulesetFile, ruleset, { mode: 0o600 });
  const script = `set -euo pipefail
${PROBES}
ip link set lo up
ip addr add 169.254.169.254/32 dev lo
ip -6 addr add fd00:ec2::254/128 dev lo nodad
timeout 20 "${process.execPath}" -e "require('http').createServer((q, s) => s.end('metadata')).listen(80, '::')" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/169.254.169.254/80) 2>/dev/null; then break; fi
  sleep 0.05
done
round without-guard
nft -f ${rulesetFile}
round with-guard
nft -f ${rulesetFile}
round reapplied
echo "tables $(nft list tables | tr '\\n' ' ')"
echo "rules $(nft list table inet timescale_imds_guard | grep -c 'meta skuid != 0')"
`;
  const result = spawnSync('unshare', ['-n', 'bash', '-c', script], {
    encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, USERNS: USERNS ? '1' : '' },
  });
  if (result.status !== 0) {
    throw new Error(`the namespace run failed (status ${result.status}, signal ${result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout.trim().split('\n');
}

describe('the metadata-service guard, applied in a network namespace', () => {
  let lines: string[];
  let dir: string;
  const outcome = (label: string, user: string, address: string) => {
    const line = lines.find((l) => l.startsWith(`${label} ${user} ${address} `));
    expect(line).toBeDefined();
    return line!.split(' ')[3].replace(/:$/, '');
  };

  beforeAll(() => {
    if (spawnSync('sh', ['-c', 'command -v nft']).status !== 0) {
      throw new Error('nft is missing: apt-get install nftables');
    }
    if (process.getuid?.() !== 0) {
      throw new Error('the metadata-service guard test creates a network namespace and needs root; run it as root (CI does).');
    }
    dir = mkdtempSync(join(tmpdir(), 'imds-guard-'));
    lines = runInNamespace(renderedFile(renderedInit(), '/etc/nftables/timescale-imds-guard.nft'), dir);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(['169.254.169.254', 'fd00:ec2::254'])('without the guard, a non-root user reaches %s (so the test can fail)', (address) => {
    expect([outcome('without-guard', 'nobody', address), outcome('without-guard', 'postgres', address)]).toEqual(['ok', 'ok']);
  });

  test.each(['169.254.169.254', 'fd00:ec2::254'])('with the guard, root reaches %s and non-root users are refused', (address) => {
    expect(outcome('with-guard', 'root', address)).toBe('ok');
    expect(outcome('with-guard', 'nobody', address)).toBe('refused');
    expect(outcome('with-guard', 'postgres', address)).toBe('refused');
  });

  // The guard matches the kernel's UID of the socket's owner, not the UID inside a user namespace.
  (USERNS ? test : test.skip)('a non-root user who is root in its own user namespace is refused too, and reaches it without the guard', () => {
    for (const address of ['169.254.169.254', 'fd00:ec2::254']) {
      expect([outcome('without-guard', 'userns', address), outcome('with-guard', 'userns', address)]).toEqual(['ok', 'refused']);
    }
  });

  test('applying it again replaces it: still one table with its four rules, same outcome', () => {
    expect(lines).toContain('tables table inet timescale_imds_guard ');
    expect(lines).toContain('rules 4');
    for (const address of ['169.254.169.254', 'fd00:ec2::254']) {
      expect(['root', 'nobody', 'postgres'].map((user) => outcome('reapplied', user, address))).toEqual(['ok', 'refused', 'refused']);
    }
  });
});
