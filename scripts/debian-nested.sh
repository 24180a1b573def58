#!/usr/bin/env bash
# The Debian 12 cloud image (vm-images/build-debian.sh) as the guest of a measured run in the virtual
# lab: a VF through vfio-pci and the e1000 baseline on the test wire, each booted from an overlay
# with a cloud-init seed passbench writes, proven and measured (TCP) against the lab's traffic host.
# Under TCG inside TCG each boot takes ~15-20 min, so this is run by hand before a release (and
# before resolving guest-image work), not in CI; CI boots the image at the first level
# (test/lab/guest-images.test.ts). The lab is always taken down, also on failure or Ctrl-C.
#   PASSBENCH_LAB_NAME   lab name (default debian)
# Output: the run's outcome and report paths, as the nightly prints them.
set -euo pipefail

main() {
  if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
  cd "$(dirname "$0")/.."
  name=${PASSBENCH_LAB_NAME:-debian}
  scratch=$(mktemp -d -t passbench-debian.XXXXXX)
  trap 'npx passbench lab down --name "$name" >/dev/null || true; rm -rf "$scratch"' EXIT
  local built qcow2 kernel initrd
  built=$(vm-images/build-debian.sh)
  qcow2=$(sed -n 's/^DEBIAN_QCOW2=//p' <<<"$built"); kernel=$(sed -n 's/^DEBIAN_KERNEL=//p' <<<"$built")
  initrd=$(sed -n 's/^DEBIAN_INITRD=//p' <<<"$built")
  # build-debian.sh writes under the guest images' folder, which the lab host mounts at /images.
  cat >"$scratch/selection.yaml" <<YAML
run:
  devices:
    - { mode: vf, pf: "0000:00:01.0", count: 1, model: igb }
    - { mode: e1000, bridge: br-test, address: 10.0.3.41/24 }
  guest: { qcow2: /images/debian/$(basename "$qcow2"), kernel: /images/debian/$(basename "$kernel"), initrd: /images/debian/$(basename "$initrd"), memoryMiB: 1024 }
  tests: [tcp]
  repetitions: { min: 3, max: 3, targetCi: 0.05, warmup: first }
  # A boot of the Debian image takes 15-20 min here: a fixed deadline, far beyond it.
  durations: { measureS: 3, bootS: 3600 }
  history: reports/debian-history.sqlite
YAML
  local lab_config
  lab_config=$(npx passbench lab up --name "$name")
  npx passbench run nightly --lab "$lab_config" --config "$scratch/selection.yaml" --host "$name"
}

main "$@"
