#!/usr/bin/env bash
# Install the Fedify test peer (tests/peers/fedify) with `npm ci` from its pinned lock file.
#
# Idempotent and fast when already installed: a stamp in node_modules records the lock file's hash
# and the Node binary chosen. Node: the machine's `node` when it is 22 or newer, else the pinned
# `node@22` npm package's binary (an optional dependency, installed only then). The chosen binary's
# path is the second line of tests/peers/fedify/node_modules/.fedi-setup (the tests read it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="$root/tests/peers/fedify"
stamp="$peer/node_modules/.fedi-setup"

node_major() {
    "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}

system_node="$(command -v node || true)"
if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 22 ]; then
    source="system"
else
    source="package"
fi
if command -v sha256sum >/dev/null 2>&1; then
    lock_hash="$(sha256sum "$peer/package-lock.json" | cut -d' ' -f1)"
else
    lock_hash="$(shasum -a 256 "$peer/package-lock.json" | cut -d' ' -f1)"
fi
wanted="$lock_hash $source"

if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$wanted" ]; then
    node_bin="$(sed -n 2p "$stamp")"
    if [ -x "$node_bin" ] && [ -d "$peer/node_modules/@fedify/fedify" ]; then
        exit 0
    fi
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "setup-fedify-peer: npm is needed to install the Fedify test peer (install Node.js)" >&2
    exit 1
fi

echo "Installing the Fedify test peer (npm ci in tests/peers/fedify, Node from: $source)..."
cd "$peer"
if [ "$source" = "system" ]; then
    npm ci --omit=optional --no-audit --no-fund --loglevel=error
    node_bin="$system_node"
else
    npm ci --include=optional --no-audit --no-fund --loglevel=error
    node_bin="$peer/node_modules/node/bin/node"
fi

if [ "$(node_major "$node_bin")" -lt 22 ]; then
    echo "setup-fedify-peer: $node_bin is not Node 22 or newer" >&2
    exit 1
fi
printf '%s\n%s\n' "$wanted" "$node_bin" >"$stamp"
echo "Fedify test peer ready (node $("$node_bin" --version) at $node_bin)"
