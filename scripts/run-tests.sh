#!/usr/bin/env bash
# `npm test`: typecheck and lint (~20 s), then the tests in three lanes at once, then one summary
# line for CI.
#   lab lane 1: the virtual-lab tests not named below, on lab "labtest", shown as they run;
#   lab lane 2: the guest-heavy ones (LANE2: peers, the run smoke, nested guests), on a lab of its
#               own ("labtest2"), kept in a file and shown after;
#   host lane:  the unit tests and the guest-image tests (QEMU on this machine, no lab), kept in a
#               file and shown after.
# A nested TCG guest keeps one core busy: one lab alone left the other of CI's 2 cores mostly idle
# (load ~1.0 through a nightly; one lab lane took 32 min). Each lab is a machine of its own
# (test/support/shared-lab.ts, PASSBENCH_TEST_LAB), so the two lanes share nothing but the CPUs.
# One lane alone: npm run test:unit, npm run test:lab.
set -uo pipefail
cd "$(dirname "$0")/.."

LANE2=(test/lab/peers.test.ts test/lab/run-smoke.test.ts test/lab/nested-guests.test.ts)
HOST_LANE=(test/lab/guest-images.test.ts)

out=$(mktemp -d "${TMPDIR:-/tmp}/passbench-tests-XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$out"' EXIT

npm run -s typecheck && npm run -s lint || exit 1

npx mocha 'test/unit/**/*.test.ts' "${HOST_LANE[@]}" >"$out/host" 2>&1 &
pids+=($!)
PASSBENCH_TEST_LAB=labtest2 npx mocha "${LANE2[@]}" >"$out/lab2" 2>&1 &
pids+=($!)
ignore=(); for f in "${LANE2[@]}" "${HOST_LANE[@]}"; do ignore+=(--ignore "$f"); done
PASSBENCH_TEST_LAB=labtest npx mocha "${ignore[@]}" 'test/lab/**/*.test.ts' 2>&1 | tee "$out/lab1"
lab1_rc=$?
wait "${pids[1]}"; lab2_rc=$?
wait "${pids[0]}"; host_rc=$?
pids=()
printf '\n== lab lane 2 (%s), run beside it: exit %s ==\n' "${LANE2[*]}" "$lab2_rc"
cat "$out/lab2"
printf '\n== unit and guest-image tests, run beside the lab lanes: exit %s ==\n' "$host_rc"
cat "$out/host"

# Each mocha run ends with "N passed, N failed, N skipped" (test/support/summary-reporter.cjs). A
# lane without that line (mocha never got to its end) counts as one failure.
counts() {
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1)
  if [ -n "$line" ]; then echo "$line" | awk '{print $1, $3, $5}'; else echo "0 1 0"; fi
}
passed=0 failed=0 skipped=0
for lane in lab1 lab2 host; do
  read -r p f s <<<"$(counts "$out/$lane")"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
printf '\nlab lane 1: exit %s; lab lane 2: exit %s; host lane: exit %s\n' "$lab1_rc" "$lab2_rc" "$host_rc"
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$lab1_rc" -eq 0 ] && [ "$lab2_rc" -eq 0 ] && [ "$host_rc" -eq 0 ]
