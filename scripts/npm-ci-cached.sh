#!/usr/bin/env bash
# `npm ci`, with the resulting node_modules kept outside git and reused while nothing it depends on
# changes: better-sqlite3 and canvas compile from source here (their prebuilt binaries are on GitHub,
# which these machines cannot reach), so `npm ci` takes 1 min on an idle 2-core machine, 3 min on a
# busy one; restoring the kept copy takes seconds. The key covers package-lock.json, what
# package.json says about dependencies (not its scripts), Node's version and the architecture; a
# copy that fails to unpack is dropped and rebuilt.
#   PASSBENCH_CACHE   cache root (default ~/.cache/passbench)
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}/node-modules
deps=$(node -p 'const p = require("./package.json"); JSON.stringify([p.dependencies, p.devDependencies, p.optionalDependencies, p.overrides, p.allowScripts])')
key=$( { cat package-lock.json; echo "$deps"; node --version; uname -m; } | sha256sum | cut -c1-16)
kept=$cache/node_modules-$key.tar

if [ -f "$kept" ]; then
  rm -rf node_modules
  if tar -xf "$kept"; then
    echo "npm ci: node_modules restored from $kept"
    exit 0
  fi
  echo "npm ci: $kept does not unpack; installing afresh" >&2
  rm -f "$kept"
fi

npm ci --no-audit --no-fund
mkdir -p "$cache"
# Written under a temporary name and renamed: a run killed half-way never leaves a partial copy.
tar -cf "$kept.partial.$$" node_modules && mv "$kept.partial.$$" "$kept"
# Older keys are older lockfiles: one copy is enough.
find "$cache" -name 'node_modules-*.tar' ! -name "node_modules-$key.tar" -delete
