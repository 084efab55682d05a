#!/usr/bin/env bash
# Runs the rule engine's and the core constructs' unit tests again against the lowest aws-cdk-lib the
# package admits (the floor of its peer range), because the rule engine reads aws-cdk-lib internals
# (`_toCloudFormation`, token post-processing, `InitElement._bind`) that may change between releases.
# `npm test` runs this after the main suite, which runs against the current aws-cdk-lib (devDependency).
#
# The floor is installed once into a cache outside the clone (survives `npm ci`; override the place with
# CDK_FLOOR_CACHE) and mapped in with jest's moduleNameMapper (test/setup/jest.cdk-floor.config.js).
set -euo pipefail
cd "$(dirname "$0")/../.."

# The floor is read from package.json's peer ranges, so a raised floor is tested without editing this file.
floor() { node -p "require('./package.json').peerDependencies['$1'].replace(/^[\\^~>=]+/, '')"; }
cdk_version="$(floor aws-cdk-lib)"
constructs_version="$(floor constructs)"
cache="${CDK_FLOOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-timescale-security}/aws-cdk-lib-${cdk_version}-constructs-${constructs_version}"

if [ ! -f "$cache/node_modules/aws-cdk-lib/package.json" ]; then
  staging="$(mktemp -d "${cache}.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$cache")" && mktemp -d "${cache}.XXXXXX"; })"
  echo '{"private":true}' > "$staging/package.json"
  if ! npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error \
    "aws-cdk-lib@${cdk_version}" "constructs@${constructs_version}" >/dev/null; then
    rm -rf "$staging"
    echo "npm test needs aws-cdk-lib@${cdk_version} (the peer floor) from the npm registry and could not install it; check the network or npm's registry setting, or set CDK_FLOOR_CACHE to a directory holding node_modules/aws-cdk-lib@${cdk_version}." >&2
    exit 1
  fi
  rm -rf "$cache"
  mv "$staging" "$cache"
fi

# The subset: the rule engine on every rule case and pack (test/nag), and the constructs whose rendered
# templates it reads through those internals (keys with lazy Deny exemptions, the host's cfn-init
# elements), and the service's L2 surface, whose aws-cdk-lib APIs must exist at the floor too (the tests only
# transpile, so nothing else would notice a newer API). The composed service's own suite is left to the main
# run: it synthesizes the whole service a dozen times (half this run's time) and reads no internal the
# others do not. Snapshot assertions are left to the main run: aws-cdk-lib's own
# resources (its custom resource runtimes, default tags) legitimately differ between releases. Tests of
# the reference deployment (bin/) are left out too: its granular acknowledgments
# ('AwsSolutions-IAM4[Policy::...]') are refused by aws-cdk-lib 2.257's Validations.acknowledge, and cdk-nag 3
# registered as a Validations plugin needs a newer aws-cdk-lib anyway; the reference app runs on the pinned one.
CDK_FLOOR_DIR="$cache/node_modules" npx jest --config test/setup/jest.cdk-floor.config.js --ci \
  --testNamePattern '^(?!.*(snapshot|reference deployment))' \
  test/nag/ test/keys/service-keys.test.ts test/host/database-host.test.ts test/service/timescale-service-l2.test.ts "$@"
