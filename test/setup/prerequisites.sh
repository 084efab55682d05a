#!/usr/bin/env bash
# What the test suite needs beyond Node, checked before the tests run (`npm test` runs this first):
# a PostgreSQL server with pgaudit, pgBackRest, stunnel and openssl for the real-server tests, nftables and
# iproute2 for the firewall tests in a network namespace, and cfn-lint for the deploy checks.
# As root on Debian, what is missing is installed from Debian's packages; otherwise this stops with
# one line saying what is missing and how to get it.
set -euo pipefail

postgres_major() {
  ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sed -E 's#.*/postgresql/([0-9]+)/bin/postgres#\1#' | sort -n | tail -1
}

# The Debian packages that are missing, given the PostgreSQL major version installed (if any).
missing_packages() {
  local major="$1" packages=()
  command -v openssl >/dev/null || packages+=(openssl)
  if [ -z "$major" ]; then
    packages+=(postgresql)
  else
    [ -f "/usr/share/postgresql/${major}/extension/pgaudit.control" ] || packages+=("postgresql-${major}-pgaudit")
  fi
  command -v pgbackrest >/dev/null || packages+=(pgbackrest)
  command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || packages+=(stunnel4)
  command -v nft >/dev/null || packages+=(nftables)
  command -v ip >/dev/null || packages+=(iproute2)
  echo "${packages[@]}"
}

can_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
}

install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

packages="$(missing_packages "$(postgres_major)")"
if [ -n "$packages" ]; then
  if ! can_install; then
    echo "npm test needs Debian packages that are missing: ${packages}. Install them with: sudo apt-get install -y ${packages}" >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # one word per package
  install $packages
  # pgaudit's package name depends on the PostgreSQL major version, known only once the server is installed.
  packages="$(missing_packages "$(postgres_major)")"
  # shellcheck disable=SC2086
  [ -z "$packages" ] || install $packages
fi

if ! id postgres >/dev/null 2>&1; then
  echo "npm test needs the postgres OS user, which the postgresql package creates; it is missing. Reinstall with: sudo apt-get install --reinstall postgresql-common" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "npm test starts PostgreSQL as the postgres OS user and nftables in a network namespace, so it must run as root; it runs as $(id -un)." >&2
  exit 1
fi
# cfn-lint has no Debian package; it comes from Python's package index.
if ! command -v cfn-lint >/dev/null; then
  echo "npm test needs cfn-lint for the deploy checks, and it is missing. Install it with: python3 -m pip install cfn-lint" >&2
  exit 1
fi
# moto's server stands in for AWS: S3 and KMS in the pgBackRest round trip, and the APIs `verify` reads in
# its end-to-end tests; it comes from Python's package index.
if ! command -v moto_server >/dev/null; then
  echo "npm test needs moto_server (an AWS API emulator) for the backup round trip and the verify end-to-end tests, and it is missing. Install it with: python3 -m pip install 'moto[server]'" >&2
  exit 1
fi
