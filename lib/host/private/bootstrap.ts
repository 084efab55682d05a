/**
 * What the host's bootstrap writes to disk: paths, the shell scripts cfn-init runs and the base
 * server configuration. Kept apart from the construct so the scripts can be read on their own.
 *
 * No script prints a secret, and none uses `set -x`: cfn-init copies command output into
 * /var/log/cfn-init-cmd.log, which is shipped to CloudWatch Logs.
 */

export const CONFIG_DIR = '/etc/timescale';
export const CONF_D_DIR = `${CONFIG_DIR}/conf.d`;
export const POSTGRESQL_CONF = `${CONFIG_DIR}/postgresql.conf`;
export const PG_HBA_CONF = `${CONFIG_DIR}/pg_hba.conf`;
export const PG_IDENT_CONF = `${CONFIG_DIR}/pg_ident.conf`;

export const DATA_MOUNT = '/var/lib/timescale/data';
export const WAL_MOUNT = '/var/lib/timescale/wal';
export const PGDATA = `${DATA_MOUNT}/pgdata`;
export const WALDIR = `${WAL_MOUNT}/pg_wal`;
export const LOG_DIR = '/var/log/timescale';

export const SERVICE_NAME = 'timescaledb';
export const SBIN = '/usr/local/sbin';
export const PREPARE_VOLUME = `${SBIN}/timescale-prepare-volume`;
export const FETCH_SECRET = `${SBIN}/timescale-fetch-secret`;
export const INIT_CLUSTER = `${SBIN}/timescale-init-cluster`;
export const INSTALL_S3_RPMS = `${SBIN}/timescale-install-s3-rpms`;
export const RUN_SQL = `${SBIN}/timescale-run-sql`;
export const SQL_DIR = `${CONFIG_DIR}/sql`;
export const RECLAIM_DIRS = `${SBIN}/timescale-reclaim-dirs`;
export const SQL_SECRETS_DIR = '/run/timescale/sql';
/** Symlink to the installed `postgres` binary, whose directory depends on the package source. */
export const POSTGRES_LINK = '/usr/local/libexec/timescale/postgres';

export const CLOUDWATCH_AGENT_CONFIG = '/opt/aws/amazon-cloudwatch-agent/etc/timescale-host.json';
export const CLOUDWATCH_AGENT_CTL = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';

/** Formats a volume only if it holds no filesystem or partition table, then mounts it by UUID. */
export const PREPARE_VOLUME_SCRIPT = `#!/bin/bash
# Usage: timescale-prepare-volume <volume-id> <device-name> <mount-point>
# Never reformats: a volume with any filesystem or partition table signature is mounted as it is.
set -euo pipefail
volume_id="$1"
device_name="$2"
mount_point="$3"

# Nitro instances expose EBS volumes as NVMe devices named after the volume id, not the device name.
by_id="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_\${volume_id//-/}"
xen_name="/dev/xvd\${device_name#/dev/sd}"
device=""
# The volume attachment is created after the instance, so wait for it (up to 15 minutes).
for _ in $(seq 1 180); do
  for candidate in "$by_id" "$device_name" "$xen_name"; do
    if [ -b "$candidate" ]; then device="$(readlink -f "$candidate")"; break 2; fi
  done
  sleep 5
done
if [ -z "$device" ]; then
  echo "timescale-prepare-volume: volume $volume_id is not attached (looked for $by_id and $device_name)" >&2
  exit 1
fi

set +e
blkid -p "$device" >/dev/null 2>&1
probe=$?
set -e
if [ "$probe" -eq 2 ]; then
  # Exit status 2: no signature at all, a new volume.
  mkfs.xfs -q "$device"
elif [ "$probe" -ne 0 ]; then
  echo "timescale-prepare-volume: cannot probe $device (blkid exit $probe); not formatting it" >&2
  exit 1
fi

uuid="$(blkid -s UUID -o value "$device")"
mkdir -p "$mount_point"
if ! grep -q "^UUID=$uuid " /etc/fstab; then
  # nofail: a missing volume must not stop the instance from booting into Session Manager.
  echo "UUID=$uuid $mount_point xfs defaults,noatime,nofail 0 2" >> /etc/fstab
fi
mountpoint -q "$mount_point" || mount "$mount_point"
`;

/**
 * Writes a Secrets Manager value to a file with the given ownership and mode, printing nothing.
 *
 * It runs as root, so it writes only where no other user can: the target directory and every
 * ancestor up to / must be real directories, owned by root and not writable by group or other
 * (a sticky /tmp is refused too). Otherwise a user who can write there could swap the temporary
 * file for a symlink between its creation and the `chown`, and take over any file root can reach.
 */
export const FETCH_SECRET_SCRIPT = `#!/bin/bash
# Usage: timescale-fetch-secret <secret-id> <json-field or -> <path> <mode> <owner> <group> [<ini-section> <ini-key>]
# With an INI section and key, the file is the section's header and one line, <key>=<value>.
# The value passes through a pipe into a private temporary file only; it is never printed or
# passed as a command-line argument.
set -euo pipefail
secret_id="$1"
field="$2"
path="$3"
mode="$4"
owner="$5"
group="$6"
section="\${7:-}"
key="\${8:-}"
refuse() {
  echo "timescale-fetch-secret: refusing to write $path: $1" >&2
  exit 1
}
case "$path" in
  /*) ;;
  *) refuse "the path is not absolute" ;;
esac
case "$path/" in
  *//*|*/./*|*/../*) refuse "the path is not in canonical form (no //, /./ or /../)" ;;
esac
dir="$(dirname "$path")"
# Every existing directory from the target up to / must be one only root can change.
check_chain() {
  local current="$1" uid perms
  while :; do
    if [ -L "$current" ]; then
      refuse "$current is a symlink; every directory up to / must be a real directory owned by root"
    elif [ -e "$current" ]; then
      [ -d "$current" ] || refuse "$current is not a directory"
      read -r uid perms < <(stat -c '%u %a' -- "$current")
      [ "$uid" = 0 ] || refuse "$current is owned by uid $uid; every directory up to / must be owned by root"
      if (( (8#$perms & 8#022) != 0 )); then
        refuse "$current has mode $perms, writable by group or other; every directory up to / must be writable by root only"
      fi
    elif [ "$2" = existing ]; then
      refuse "$current does not exist"
    fi
    [ "$current" = / ] && break
    current="\${current%/*}"
    current="\${current:-/}"
  done
}
check_chain "$dir" missing-allowed
if [ ! -d "$dir" ]; then
  # Parents are traversable (0755); the directory itself is root:<group> 0750.
  (umask 022 && mkdir -p -- "$(dirname "$dir")")
  install -d -o root -g "$group" -m 0750 -- "$dir"
fi
check_chain "$dir" existing
umask 077
tmp="$(mktemp -- "$dir/.timescale-secret.XXXXXX")"
trap 'rm -f -- "$tmp"' EXIT
[[ "$section$key" =~ ^[A-Za-z0-9_.-]*$ ]] || refuse "the INI section and key may hold letters, digits and . _ - only"
[ -z "$section" ] || [ -n "$key" ] || refuse "an INI section needs a key"
aws secretsmanager get-secret-value --secret-id "$secret_id" --query SecretString --output text \\
  | if [ "$field" = "-" ]; then
      cat
    else
      python3 -c 'import json, sys; sys.stdout.write(str(json.load(sys.stdin)[sys.argv[1]]))' "$field"
    fi \\
  | if [ -n "$section" ]; then
      # aws --output text ends the value with a newline; the line gets exactly one.
      python3 -c 'import sys; sys.stdout.write("[%s]\\n%s=%s\\n" % (sys.argv[1], sys.argv[2], sys.stdin.read().rstrip("\\n")))' "$section" "$key"
    else
      cat
    fi > "$tmp"
chown -- "$owner:$group" "$tmp"
chmod -- "$mode" "$tmp"
mv -fT -- "$tmp" "$path"
trap - EXIT
`;

/**
 * Replaces directories that a user other than root can change (earlier versions created some for
 * `postgres`) with nothing: each is renamed into a fresh root-only directory beside it, then
 * removed, and the scripts that write there recreate it owned by root. Directories are given parents
 * first; a parent that root alone cannot change is refused, since renaming in it is not safe.
 */
export const RECLAIM_DIRS_SCRIPT = `#!/bin/bash
# Usage: timescale-reclaim-dirs <directory> ...
set -euo pipefail
root_only() {
  local uid perms
  [ ! -L "$1" ] && [ -d "$1" ] || return 1
  read -r uid perms < <(stat -c '%u %a' -- "$1")
  [ "$uid" = 0 ] && (( (8#$perms & 8#022) == 0 ))
}
for dir in "$@"; do
  [ -e "$dir" ] || [ -L "$dir" ] || continue
  root_only "$dir" && continue
  parent="$(dirname "$dir")"
  if ! root_only "$parent"; then
    echo "timescale-reclaim-dirs: cannot safely replace $dir: its parent $parent is not a root-only directory" >&2
    exit 1
  fi
  aside="$(mktemp -d -- "$parent/.timescale-reclaim.XXXXXX")"
  mv -T -- "$dir" "$aside/old"
  rm -rf -- "$aside"
  echo "timescale-reclaim-dirs: removed $dir, which a user other than root could change; it is recreated owned by root" >&2
done
`;

/** Downloads the RPMs under an S3 prefix and installs them with dnf (dependencies from Amazon Linux's repositories). */
export const INSTALL_S3_RPMS_SCRIPT = `#!/bin/bash
# Usage: timescale-install-s3-rpms <s3-uri-of-prefix>
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
aws s3 cp --recursive --only-show-errors --exclude '*' --include '*.rpm' "$1" "$work"
shopt -s globstar nullglob
rpms=("$work"/**/*.rpm)
if [ "\${#rpms[@]}" -eq 0 ]; then
  echo "timescale-install-s3-rpms: no .rpm files under $1" >&2
  exit 1
fi
dnf install -y --setopt=install_weak_deps=False "\${rpms[@]}"
`;

/** Creates the cluster on first boot only: data on the data volume, WAL on the WAL volume. */
export function initClusterScript(postgresVersion: string): string {
  return `#!/bin/bash
# Creates the PostgreSQL cluster once. A data volume that already holds a cluster (an instance
# replaced or recovered, a volume restored from a snapshot) is used as it is.
set -euo pipefail
umask 077

bindir=""
for candidate in "/usr/pgsql-${postgresVersion}/bin" /usr/bin; do
  if [ -x "$candidate/postgres" ] && [ -x "$candidate/initdb" ]; then bindir="$candidate"; break; fi
done
if [ -z "$bindir" ]; then
  echo "timescale-init-cluster: no PostgreSQL ${postgresVersion} server binaries found; check the package source" >&2
  exit 1
fi
install -d -m 0755 "$(dirname ${POSTGRES_LINK})"
ln -sfn "$bindir/postgres" ${POSTGRES_LINK}

for mount_point in ${DATA_MOUNT} ${WAL_MOUNT}; do
  if ! mountpoint -q "$mount_point"; then
    echo "timescale-init-cluster: $mount_point is not mounted; refusing to create a cluster on the root volume" >&2
    exit 1
  fi
done
chown postgres:postgres ${DATA_MOUNT} ${WAL_MOUNT}
install -d -o postgres -g postgres -m 0700 ${LOG_DIR}
install -d -o root -g postgres -m 0750 ${CONFIG_DIR} ${CONF_D_DIR}

if [ -f ${PGDATA}/PG_VERSION ]; then
  exit 0
fi
# The superuser has no password; it logs in over the local socket only, as the OS user postgres (peer).
runuser -u postgres -- "$bindir/initdb" --pgdata=${PGDATA} --waldir=${WALDIR} \\
  --username=postgres --auth-local=peer --auth-host=reject \\
  --encoding=UTF8 --locale=C.UTF-8 --data-checksums
`;
}

/**
 * A shell command that waits until the server has left recovery. A server restored from a backup tells
 * systemd it is ready as soon as it accepts read-only connections, before it has replayed the archived
 * WAL written after the backup; what runs next (extensions, roles, SQL, stanza-create) needs a primary.
 * Returns at once on a server that is not recovering; fails when the unit stops.
 */
export function waitForPrimaryCommand(port: number | string, postgresLink = POSTGRES_LINK, serviceName = SERVICE_NAME): string {
  return `bindir="$(dirname "$(readlink -f ${postgresLink})")" && ` +
    `until [ "$(runuser -u postgres -- "$bindir/psql" -X -A -t -q -p ${port} -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do ` +
    `systemctl is-active --quiet ${serviceName} || { echo "${serviceName} stopped before leaving recovery" >&2; exit 1; }; sleep 5; done`;
}

/** The systemd unit: the server reads its configuration from CONFIG_DIR, not from the data directory. */
export const SYSTEMD_UNIT = `[Unit]
Description=PostgreSQL with TimescaleDB (cdk-timescale-security)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=${DATA_MOUNT} ${WAL_MOUNT}

[Service]
Type=notify
User=postgres
Group=postgres
ExecStart=${POSTGRES_LINK} -D ${CONFIG_DIR}
ExecReload=/bin/kill -HUP $MAINPID
KillMode=mixed
KillSignal=SIGINT
TimeoutSec=0
OOMScoreAdjust=-1000
Environment=PG_OOM_ADJUST_FILE=/proc/self/oom_score_adj
Environment=PG_OOM_ADJUST_VALUE=0

[Install]
WantedBy=multi-user.target
`;

/** cfn-hup ships without a systemd unit on Amazon Linux 2023. */
export const CFN_HUP_UNIT = `[Unit]
Description=cfn-hup: applies CloudFormation::Init changes without replacing the instance
After=network-online.target

[Service]
Type=simple
ExecStart=/opt/aws/bin/cfn-hup
Restart=always

[Install]
WantedBy=multi-user.target
`;

/**
 * The base `postgresql.conf`. TLS, access and audit settings arrive as files in conf.d (included
 * last, so they win) and as `pg_hba.conf`.
 */
export function basePostgresqlConf(port: number | string): string {
  return `# Written by cdk-timescale-security DatabaseHost. Add settings as files in ${CONF_D_DIR}.
data_directory = '${PGDATA}'
hba_file = '${PG_HBA_CONF}'
ident_file = '${PG_IDENT_CONF}'
listen_addresses = '*'
port = ${port}
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
password_encryption = 'scram-sha-256'

logging_collector = on
log_directory = '${LOG_DIR}'
log_filename = 'postgresql-%a.log'
log_truncate_on_rotation = on
log_rotation_age = 1d
log_rotation_size = 0
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d/%a from %h '
log_connections = on
log_disconnections = on

include_dir '${CONF_D_DIR}'
`;
}

/** Until a `pg_hba.conf` is delivered, only the local superuser (the bootstrap) can connect. */
export const DEFAULT_PG_HBA = `# Written by cdk-timescale-security DatabaseHost: no network access until a pg_hba.conf is
# delivered with DatabaseHost.addConfigFile.
local all postgres peer
`;

export const DEFAULT_PG_IDENT = '# Written by cdk-timescale-security DatabaseHost: no user name maps.\n';

/**
 * Runs one SQL file as the postgres superuser with psql, after setting psql variables from files
 * (secrets fetched moments before into SQL_SECRETS_DIR). psql reads its commands from stdin, so
 * nothing is written to disk here, and the values never appear on a command line: psql reads them
 * with a backquoted `cat`. The variable files are removed whatever the outcome.
 */
export function runSqlScript(port: number | string): string {
  return `#!/bin/bash
# Usage: timescale-run-sql <sql-file> [<variable>=<file> ...]
set -euo pipefail
sql="$1"
shift
safe_path='^/[A-Za-z0-9._@+/-]+$'
[[ "$sql" =~ $safe_path ]] || { echo "timescale-run-sql: not a safe SQL file path: $sql" >&2; exit 1; }
for spec in "$@"; do
  if ! [[ "$spec" =~ ^[A-Za-z_][A-Za-z0-9_]*=/[A-Za-z0-9._@+/-]+$ ]]; then
    echo "timescale-run-sql: expected <variable>=<absolute file path>; got $spec" >&2
    exit 1
  fi
done
cleanup() {
  for spec in "$@"; do rm -f -- "\${spec#*=}"; done
}
trap 'cleanup "$@"' EXIT
bindir="$(dirname "$(readlink -f ${POSTGRES_LINK})")"
{
  for spec in "$@"; do
    printf '\\\\set %s \`cat %s\`\\n' "\${spec%%=*}" "\${spec#*=}"
  done
  printf '\\\\i %s\\n' "$sql"
} | runuser -u postgres -- "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -p ${port} -d postgres -f -
`;
}

/** The daily re-application of the reconfigure config set: renewed secrets reach the server. */
export const REFRESH_NAME = 'timescale-refresh';

export function refreshUnit(command: string): string {
  return `[Unit]
Description=Re-applies secret files and server configuration (renewed TLS certificates) and reloads PostgreSQL
After=network-online.target

[Service]
Type=oneshot
ExecStart=${command}
`;
}

export const REFRESH_TIMER = `[Unit]
Description=Daily refresh of secret files and server configuration

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`;

/** The nftables table that closes the instance metadata service to every UID but root. */
export const IMDS_GUARD_TABLE = 'timescale_imds_guard';
export const IMDS_GUARD_NAME = 'timescale-imds-guard';
export const IMDS_GUARD_RULESET_FILE = `/etc/nftables/${IMDS_GUARD_NAME}.nft`;

/**
 * Rejects traffic to the instance metadata service (IPv4 and IPv6) from any process whose UID is
 * not 0: the host role's credentials are for the host's own root-run agents (cfn-init, the SSM and
 * CloudWatch agents), never for an operator's shell or the database server. TCP is refused with a
 * reset, so clients fail at once. Applying it again replaces the table in one transaction: `table`
 * creates it if missing, so `delete` never fails.
 */
export const IMDS_GUARD_RULESET = `#!/usr/sbin/nft -f
# Written by cdk-timescale-security DatabaseHost: the instance metadata service, which hands out the
# host role's credentials, answers root only.
table inet ${IMDS_GUARD_TABLE}
delete table inet ${IMDS_GUARD_TABLE}
table inet ${IMDS_GUARD_TABLE} {
  chain output {
    type filter hook output priority filter; policy accept;
    ip daddr 169.254.169.254 meta skuid != 0 meta l4proto tcp counter reject with tcp reset
    ip daddr 169.254.169.254 meta skuid != 0 counter reject with icmpx admin-prohibited
    ip6 daddr fd00:ec2::254 meta skuid != 0 meta l4proto tcp counter reject with tcp reset
    ip6 daddr fd00:ec2::254 meta skuid != 0 counter reject with icmpx admin-prohibited
  }
}
`;

/**
 * Applies the guard at every boot, early (before the network and the SSM agent, so before any
 * Session Manager session), and again after nftables.service, which may flush the ruleset.
 */
export const IMDS_GUARD_UNIT = `[Unit]
Description=Closes the instance metadata service to every user but root (cdk-timescale-security)
DefaultDependencies=no
After=local-fs.target nftables.service
Before=network-pre.target amazon-ssm-agent.service shutdown.target
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${IMDS_GUARD_RULESET_FILE}

[Install]
WantedBy=sysinit.target
`;

/** Systemd units running a scheduled SQL script: `timescale-sql-<name>.service` and `.timer`. */
export const SQL_UNIT_PREFIX = 'timescale-sql-';

export function sqlServiceUnit(name: string, sqlFile: string): string {
  return `[Unit]
Description=Runs the SQL script ${name} as the PostgreSQL superuser (cdk-timescale-security)
After=${SERVICE_NAME}.service

[Service]
Type=oneshot
ExecStart=${RUN_SQL} ${sqlFile}
`;
}

export function sqlTimerUnit(name: string, seconds: number): string {
  return `[Unit]
Description=Runs the SQL script ${name} every ${seconds} seconds

[Timer]
OnBootSec=${seconds}s
OnUnitActiveSec=${seconds}s
AccuracySec=1s

[Install]
WantedBy=timers.target
`;
}

/**
 * Enables the timers of scheduled SQL scripts, and disables and removes those of scripts that are
 * no longer scheduled.
 */
export function sqlTimersCommand(timers: string[]): string {
  const keep = timers.map((timer) => ` ${timer} `).join('');
  return [
    `for unit in /etc/systemd/system/${SQL_UNIT_PREFIX}*.timer; do`,
    '[ -e "$unit" ] || continue;',
    `case " ${keep} " in *" $(basename "$unit") "*) ;; *) systemctl disable --now "$(basename "$unit")" || true; rm -f -- "$unit" "\${unit%.timer}.service";; esac;`,
    'done; systemctl daemon-reload',
    ...timers.map((timer) => `&& systemctl enable --now ${timer}`),
  ].join(' ');
}
