#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, then runs typecheck, lint, unit and lab tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
./scripts/setup-debian.sh
npm ci --no-audit --no-fund
npm test
