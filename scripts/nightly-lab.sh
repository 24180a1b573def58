#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, boots the virtual lab, runs the nightly scenario
# against it and prints where the report is. The lab is always taken down, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
./scripts/setup-debian.sh
npm ci --no-audit --no-fund

trap 'npx passbench lab down --name nightly || true' EXIT
lab_config=$(npx passbench lab up --name nightly)
npx passbench doctor --lab "$lab_config" --host nightly || true   # the lab has no KVM: doctor says so
npx passbench devices --lab "$lab_config" --host nightly
npx passbench run scenarios/nightly.ts --lab "$lab_config"
