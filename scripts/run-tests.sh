#!/usr/bin/env bash
# `npm test`: typecheck and lint (~20 s), then the tests in two lanes at once, then one summary
# line for CI.
#   lab lane:  the tests that use the virtual lab (nested guests under TCG), shown as they run;
#   host lane: the unit tests and the guest-image tests (QEMU on this machine, no lab), kept in a
#              file and shown once the lab lane is done.
# A nested TCG guest keeps one core busy and leaves the other mostly idle (load ~1.0 through a
# nightly on 2 cores): the host lane runs there instead of before the lab lane. Two lab lanes on two
# labs were tried (.ci/run 1616 s and 1945 s against 1909 s with one): the lab tests then load both
# cores (load 4-5) and each lab lane took as long as the one did.
# Either lane alone: npm run test:unit, npm run test:lab.
set -uo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d "${TMPDIR:-/tmp}/passbench-tests-XXXXXX")
host_pid=
trap '[ -z "$host_pid" ] || kill "$host_pid" 2>/dev/null; rm -rf "$out"' EXIT

npm run -s typecheck && npm run -s lint || exit 1

npx mocha 'test/unit/**/*.test.ts' test/lab/guest-images.test.ts >"$out/host" 2>&1 &
host_pid=$!

npx mocha --ignore test/lab/guest-images.test.ts 'test/lab/**/*.test.ts' 2>&1 | tee "$out/lab"
lab_rc=$?
wait "$host_pid"
host_rc=$?
host_pid=
printf '\n== unit and guest-image tests (run beside the lab tests): exit %s ==\n' "$host_rc"
cat "$out/host"

# Each mocha run ends with "N passed, N failed, N skipped" (test/support/summary-reporter.cjs). A
# lane without that line (mocha never got to its end) counts as one failure.
counts() {
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1)
  if [ -n "$line" ]; then echo "$line" | awk '{print $1, $3, $5}'; else echo "0 1 0"; fi
}
read -r lp lf ls <<<"$(counts "$out/lab")"
read -r hp hf hs <<<"$(counts "$out/host")"
printf '\nlab lane: exit %s; host lane: exit %s\n' "$lab_rc" "$host_rc"
printf '%d passed, %d failed, %d skipped\n' $((lp + hp)) $((lf + hf)) $((ls + hs))
[ "$lab_rc" -eq 0 ] && [ "$host_rc" -eq 0 ]
