/**
 * What the host runs for pgBackRest: root scripts and systemd units. No script prints a secret or
 * uses `set -x` (cfn-init's command output is shipped to CloudWatch Logs).
 */
import { waitForPrimaryCommand } from '../../host/private/bootstrap';
import { PgBackRestConfig } from '../pgbackrest-config';

const SBIN = '/usr/local/sbin';
export const CREDENTIALS_SCRIPT = `${SBIN}/timescale-pgbackrest-credentials`;
export const BACKUP_SCRIPT = `${SBIN}/timescale-pgbackrest-backup`;
export const RESTORE_SCRIPT = `${SBIN}/timescale-pgbackrest-restore`;
export const FRESHNESS_SCRIPT = `${SBIN}/timescale-pgbackrest-freshness`;
/** Root-owned: the freshness records the metric filters read. */
export const METRICS_LOG_DIR = '/var/log/timescale-backup-metrics';
export const METRICS_LOG = `${METRICS_LOG_DIR}/freshness.log`;
export const UNIT_DIR = '/etc/systemd/system';
export const UNIT_PREFIX = 'pgbackrest-';

/** Where the data and WAL live (see lib/host/private/bootstrap.ts). */
interface HostPaths {
  readonly dataMount: string;
  readonly walMount: string;
  readonly pgdata: string;
  readonly waldir: string;
  readonly postgresLink: string;
  readonly serviceName: string;
  readonly port: number | string;
}

/**
 * Assumes the repository role (with the host role's credentials, which only root can reach) and
 * writes its short-lived S3 credentials where pgBackRest reads them, readable by the `postgres`
 * group only. Role chaining caps them at one hour; the timer renews them every 15 minutes.
 */
export function credentialsScript(roleArn: string): string {
  return `#!/bin/bash
# Usage: ${CREDENTIALS_SCRIPT}
set -euo pipefail
umask 077
install -d -o root -g postgres -m 0750 ${PgBackRestConfig.CONFIG_PATH} ${PgBackRestConfig.CONFIG_INCLUDE_PATH}
tmp="$(mktemp -- "${PgBackRestConfig.CONFIG_INCLUDE_PATH}/.credentials.XXXXXX")"
trap 'rm -f -- "$tmp"' EXIT
aws sts assume-role --role-arn '${roleArn}' --role-session-name "pgbackrest-$(hostname -s)" --duration-seconds 3600 \\
    --query Credentials --output json \\
  | python3 -c 'import json, sys; c = json.load(sys.stdin); sys.stdout.write("[global]\\nrepo1-s3-key=%s\\nrepo1-s3-key-secret=%s\\nrepo1-s3-token=%s\\n" % (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))' \\
  > "$tmp"
chown root:postgres "$tmp"
chmod 0640 "$tmp"
mv -fT -- "$tmp" ${PgBackRestConfig.CREDENTIALS_FILE}
trap - EXIT
`;
}

/** Creates the stanza (idempotent) and checks that WAL reaches the repository. */
export function stanzaCommand(stanza: string): string {
  return [
    `install -d -o postgres -g postgres -m 0750 ${PgBackRestConfig.SPOOL_PATH} ${PgBackRestConfig.LOG_PATH}`,
    `install -d -o root -g root -m 0755 ${METRICS_LOG_DIR}`,
    CREDENTIALS_SCRIPT,
    `runuser -u postgres -- ${PgBackRestConfig.command(stanza, 'stanza-create')}`,
    `runuser -u postgres -- ${PgBackRestConfig.command(stanza, 'check')}`,
  ].join(' && ');
}

/** Takes a backup of the given type as `postgres`, with fresh credentials, then records freshness. */
export function backupScript(stanza: string): string {
  return `#!/bin/bash
# Usage: ${BACKUP_SCRIPT} <full|diff|incr>
set -euo pipefail
case "\${1:-}" in
  full|diff|incr) ;;
  *) echo "${BACKUP_SCRIPT}: expected full, diff or incr; got '\${1:-}'" >&2; exit 1 ;;
esac
${CREDENTIALS_SCRIPT}
runuser -u postgres -- ${PgBackRestConfig.command(stanza, '--type="$1" backup')}
${FRESHNESS_SCRIPT} || true
`;
}

/**
 * Restores the cluster from the repository: into an empty data volume before the first start, or in
 * place (`--delta`, the server stopped and started again) for a point-in-time restore of a running
 * service. `latest` replays all archived WAL; a time stops at it and promotes.
 */
export function restoreScript(stanza: string, host: HostPaths): string {
  return `#!/bin/bash
# Usage: ${RESTORE_SCRIPT} <latest | YYYY-MM-DD HH:MM:SS+00> [in-place]
set -euo pipefail
target="\${1:-}"
mode="\${2:-first-start}"
if [ "$target" != latest ] && ! [[ "$target" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\\ [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?\\+00$ ]]; then
  echo "${RESTORE_SCRIPT}: the target must be 'latest' or a UTC time such as '2026-01-31 12:00:00+00'; got '$target'" >&2
  exit 1
fi
args=(--link-all)
if [ "$target" != latest ]; then args+=(--type=time "--target=$target" --target-action=promote); fi
for mount_point in ${host.dataMount} ${host.walMount}; do
  if ! mountpoint -q "$mount_point"; then
    echo "${RESTORE_SCRIPT}: $mount_point is not mounted; refusing to restore onto the root volume" >&2
    exit 1
  fi
done
install -d -o postgres -g postgres -m 0750 ${PgBackRestConfig.SPOOL_PATH} ${PgBackRestConfig.LOG_PATH}
${CREDENTIALS_SCRIPT}
# Recovery fetches the archived WAL with one archive-get per segment, each reading the credentials file,
# for as long as it replays: keep the one-hour credentials renewed from now on, not only after the start.
systemctl daemon-reload
systemctl enable --now ${UNIT_PREFIX}credentials.timer
if [ "$mode" = in-place ]; then
  systemctl stop ${host.serviceName}
  runuser -u postgres -- ${PgBackRestConfig.command(stanza, '--delta "${args[@]}" restore')}
  systemctl start ${host.serviceName}
  ${waitForPrimaryCommand(host.port, host.postgresLink, host.serviceName)}
  exit 0
fi
if [ -f ${host.pgdata}/PG_VERSION ]; then
  echo "${RESTORE_SCRIPT}: ${host.pgdata} already holds a cluster; it is used as it is"
  exit 0
fi
chown postgres:postgres ${host.dataMount} ${host.walMount}
install -d -o postgres -g postgres -m 0700 ${host.pgdata} ${host.waldir}
runuser -u postgres -- ${PgBackRestConfig.command(stanza, '"${args[@]}" restore')}
`;
}

/**
 * Writes one JSON line with the age of the newest backup (pgBackRest's JSON \`info\`) and of the WAL
 * waiting to be archived (0 when none waits; otherwise the time since the last segment was archived),
 * read by the log group's metric filters. A value that cannot be read is left out, so its alarm, which
 * treats missing data as breaching, fires.
 */
export function freshnessScript(stanza: string, serviceName: string, host: HostPaths): string {
  return `#!/bin/bash
# Usage: ${FRESHNESS_SCRIPT}
set -uo pipefail
install -d -o root -g root -m 0755 ${METRICS_LOG_DIR}
info="$(runuser -u postgres -- ${PgBackRestConfig.command(stanza, '--output=json info')} 2>/dev/null || true)"
bindir="$(dirname "$(readlink -f ${host.postgresLink})")"
wal="$(cd / && runuser -u postgres -- "$bindir/psql" -X -A -t -q -p ${host.port} -d postgres -c \\
  "SELECT (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') || ' ' || coalesce(extract(epoch FROM now() - last_archived_time)::bigint, -1) FROM pg_stat_archiver" 2>/dev/null || true)"
INFO="$info" WAL="$wal" python3 - '${serviceName}' >> ${METRICS_LOG} <<'PY'
import json, os, sys, time
record = {"metric": "pgbackrest-freshness", "service": sys.argv[1], "time": int(time.time())}
try:
    backups = [b for stanza in json.loads(os.environ["INFO"]) for b in stanza.get("backup", [])]
    if backups:
        record["backup_age_seconds"] = int(time.time()) - max(b["timestamp"]["stop"] for b in backups)
except (ValueError, KeyError, TypeError):
    pass
try:
    ready, age = (int(v) for v in os.environ["WAL"].split())
    if ready == 0:
        record["wal_archive_age_seconds"] = 0
    elif age >= 0:
        record["wal_archive_age_seconds"] = age
except ValueError:
    pass
print(json.dumps(record))
PY
`;
}

export function serviceUnit(description: string, command: string): string {
  return `[Unit]
Description=${description}
After=network-online.target

[Service]
Type=oneshot
ExecStart=${command}
`;
}

export function timerUnit(description: string, onCalendar: string, randomizedDelay: string = '0'): string {
  return `[Unit]
Description=${description}

[Timer]
OnCalendar=${onCalendar}
RandomizedDelaySec=${randomizedDelay}
Persistent=true

[Install]
WantedBy=timers.target
`;
}
