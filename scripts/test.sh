#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, then runs typecheck, lint, unit and lab tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
./scripts/setup-debian.sh
./scripts/npm-ci-cached.sh
# The lab kernel + initramfs and the nested-guest image (its own kernel, built from linux-source in
# ~4-6 min the first time; initramfs; ISO), before the lab tests need them (cached in
# ~/.cache/passbench; `lab up` would build them too, inside its deadline). And the Debian 12
# cloud-style image (mmdebstrap, ~1.5 min the first time) that test/lab/guest-images boots.
vm-images/build-lab.sh >/dev/null
vm-images/build-guest.sh >/dev/null
vm-images/build-debian.sh >/dev/null
npm test
