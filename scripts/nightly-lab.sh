#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, boots the virtual lab, runs the nightly scenario
# against it (whole NIC, a VF and the e1000, each booted, proven over SSH and measured), and prints
# where the report is. The lab is always taken down, also on failure or Ctrl-C.
#   PASSBENCH_LAB_NAME   lab name (default nightly), for several labs side by side
#   PASSBENCH_SKIP_SETUP=1  skip setup-debian.sh and npm ci (a machine that has them already)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
started=$(date +%s)
if [ "${PASSBENCH_SKIP_SETUP:-}" != 1 ]; then
  ./scripts/setup-debian.sh
  npm ci --no-audit --no-fund
fi

name=${PASSBENCH_LAB_NAME:-nightly}
trap 'npx passbench lab down --name "$name" >/dev/null || true' EXIT
# lab.yaml: how to reach the lab host, and run.guest: the nested-guest image build-guest.sh made.
lab_config=$(npx passbench lab up --name "$name")
npx passbench doctor --lab "$lab_config" --host "$name" || true   # the lab has no KVM: doctor says so
npx passbench devices --lab "$lab_config" --host "$name"

# The outcome ends with the run directory and the reports; the exit code is the run's.
status=0
npx passbench run nightly --lab "$lab_config" --config scenarios/virtual-lab.yaml --host "$name" | tee /dev/stderr >/tmp/passbench-nightly.$$ || status=$?
html=$(sed -n 's/^report (html): //p' /tmp/passbench-nightly.$$)
rm -f /tmp/passbench-nightly.$$
echo
echo "nightly: $([ "$status" -eq 0 ] && echo PASSED || echo "FAILED (exit $status)") in $(( ($(date +%s) - started) / 60 )) min"
if [ -n "$html" ]; then
  echo "report: $html"
  echo "  (report.md, junit.xml, results.json and samples.jsonl beside it; history: npx passbench history)"
fi
exit "$status"
