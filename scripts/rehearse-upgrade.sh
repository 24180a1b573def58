#!/usr/bin/env bash
# A kernel-upgrade rehearsal in the virtual lab: nights on one lab-host kernel, the upgrade, nights
# on the other, then `passbench changes` and the dashboard over those nights. Only the lab host's
# kernel changes (the nested guests keep theirs), as when a lab's hosts get a new kernel. Each night
# is the nightly scenario on one VF guest, TCP only (scenarios/virtual-lab-rehearsal.yaml: ~3 min a
# night under TCG), into a history of its own, so the rehearsal never mixes with the real nights.
#
#   scripts/rehearse-upgrade.sh                          6.1 for 6 nights, then 6.12 for 5
#   scripts/rehearse-upgrade.sh --peer-rate 3 --step 20  ... and the upgrade costs 20 % of tcp.rx
#
#   --from K, --to K       lab-host kernels (passbench lab up --kernel; default 6.1 then 6.12)
#   --nights-before N      nights on the first kernel (default 6: the night verdict needs 5 good
#                          nights before it judges one, and one more keeps a single odd night from
#                          widening its interval past the step)
#   --nights-after N       nights on the second (default 5: with fewer, E-divisive at level 0.006
#                          cannot reach significance: over 8 points there are only 56 5/3 splits)
#   --peer-rate MBIT       cap what the lab's peer sends to the guest at MBIT Mbit/s every night
#                          (lab up --peer-rate). It must sit well below what the guest receives
#                          without it, or the guest's own pace sets the figure: under TCG inside
#                          TCG a VF guest received 7.7-9.6 Mbit/s against a cap of 10, and 5.6 on a
#                          busy machine; at 3 the cap governs
#   --step PCT             lower that cap by PCT % from the first night on the new kernel: a
#                          regression made on purpose, to see the night verdict flag it on its night
#                          and `changes` name the kernel that came with it (it cannot know the cause:
#                          it names what the runs recorded as different)
#   --guest-accel A        the nested guests' accelerator: tcg (default), kvm or auto (lab up
#                          --guest-accel; kvm: ~1 min a night instead of ~3, not yet reliable)
#   --out DIR              history.sqlite, dashboard/ and rehearsal.log (default
#                          reports/rehearsal-<time>; a DIR that has a history already is refused)
# Exit: 0 when the rehearsal ran (whatever the nights found); 2 on bad arguments; otherwise the
# exit code of the step that could not run. The lab is always taken down.
set -euo pipefail

die_usage() { echo "rehearse-upgrade: $*" >&2; exit 2; }

# Prints the line of the run's outcome that matters for the night's summary.
night_summary() {
  local outcome=$1
  grep -E '^run [^ ]+: |^  REGRESSION: ' "$outcome" || true
}

# Brings the lab up on kernel $1 with the peer capped at $2 Mbit/s ('' for no cap); prints its config.
lab_up() {
  local kernel=$1 rate=$2
  local args=(lab up --name "$name" --kernel "$kernel" --guest-accel "$guest_accel")
  [ -n "$rate" ] && args+=(--peer-rate "$rate")
  npx passbench lab down --name "$name" >/dev/null
  npx passbench "${args[@]}"
}

# One night: the nightly scenario on the lab, into the rehearsal's history. Exit 0 (passed) and 1
# (a check failed or the night regressed) are nights; anything else stops the rehearsal.
night() {
  local n=$1 total=$2 kernel=$3 rate=$4 lab_config=$5
  local status=0
  echo "== night $n of $total: lab-host kernel $kernel${rate:+, peer capped at $rate Mbit/s}"
  npx passbench run nightly --lab "$lab_config" --config scenarios/virtual-lab-rehearsal.yaml \
    --host "$name" --history "$history" | tee "$scratch/outcome.txt" || status=$?
  if [ "$status" -gt 1 ]; then echo "rehearse-upgrade: night $n could not run (exit $status)" >&2; exit "$status"; fi
  echo "night $n (kernel $kernel${rate:+, peer $rate Mbit/s}): exit $status" >>"$scratch/nights.txt"
  night_summary "$scratch/outcome.txt" | sed 's/^/  /' >>"$scratch/nights.txt"
}

clean_up() {
  npx passbench lab down --name "$name" >/dev/null || true
  rm -rf "$scratch"
}

main() {
  if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
  cd "$(dirname "$0")/.."
  local from=6.1 to=6.12 before=6 after=5 rate='' step='' out=''
  guest_accel=tcg   # not local: lab_up reads it
  while [ $# -gt 0 ]; do
    case $1 in
      --from) from=${2:?--from needs a kernel}; shift 2 ;;
      --to) to=${2:?--to needs a kernel}; shift 2 ;;
      --nights-before) before=${2:?}; shift 2 ;;
      --nights-after) after=${2:?}; shift 2 ;;
      --peer-rate) rate=${2:?--peer-rate needs Mbit/s}; shift 2 ;;
      --step) step=${2:?--step needs a percentage}; shift 2 ;;
      --guest-accel) guest_accel=${2:?--guest-accel needs tcg, kvm or auto}; shift 2 ;;
      --out) out=${2:?--out needs a directory}; shift 2 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die_usage "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ $before =~ ^[1-9][0-9]?$ ]] || die_usage "--nights-before '$before': expected 1 to 99"
  [[ $after =~ ^[1-9][0-9]?$ ]] || die_usage "--nights-after '$after': expected 1 to 99"
  [[ -z $rate || $rate =~ ^[0-9]+(\.[0-9]+)?$ ]] || die_usage "--peer-rate '$rate': expected Mbit/s, e.g. 10"
  if [ -n "$step" ]; then
    [ -n "$rate" ] || die_usage "--step $step: needs --peer-rate (the cap it lowers)"
    [[ $step =~ ^[0-9]{1,2}$ ]] && [ "$step" -gt 0 ] || die_usage "--step '$step': expected a percentage from 1 to 99"
  fi
  local rate_after=$rate
  [ -n "$step" ] && rate_after=$(awk -v r="$rate" -v s="$step" 'BEGIN { printf "%g", r * (100 - s) / 100 }')

  out=${out:-reports/rehearsal-$(date -u +%Y%m%dT%H%M%SZ)}
  # Not local: the EXIT trap (clean_up) reads them after main has returned.
  name=rehearsal
  history=$out/history.sqlite
  [ -e "$history" ] && die_usage "--out $out has a history already; give a new directory"
  mkdir -p "$out"
  scratch=$(mktemp -d -t passbench-rehearsal.XXXXXX)
  trap clean_up EXIT
  : >"$scratch/nights.txt"
  vm-images/build-guest.sh >/dev/null
  local started total=$((before + after)) lab_config n
  started=$(date +%s)

  lab_config=$(lab_up "$from" "$rate")
  for ((n = 1; n <= before; n++)); do night "$n" "$total" "$from" "$rate" "$lab_config"; done
  echo "== the upgrade: lab-host kernel $from -> $to${step:+, and the peer cap $rate -> $rate_after Mbit/s (-$step %, on purpose)}"
  lab_config=$(lab_up "$to" "$rate_after")
  for ((n = before + 1; n <= total; n++)); do night "$n" "$total" "$to" "$rate_after" "$lab_config"; done
  npx passbench lab down --name "$name" >/dev/null

  echo
  echo "== the nights"
  cat "$scratch/nights.txt"
  echo
  echo "== passbench changes --history $history"
  npx passbench changes --history "$history" || true   # exit 1 while a change for the worse is open
  echo
  npx passbench dashboard --history "$history" --out "$out/dashboard" >/dev/null
  echo "rehearsal: $total nights in $(( ($(date +%s) - started) / 60 )) min; dashboard: $out/dashboard/index.html; history: $history"
}

# Sourced (a test), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
