#!/usr/bin/env bash
# The Debian 12 cloud image (vm-images/build-debian.sh) as the guest of a measured run in the virtual
# lab: a VF through vfio-pci and the e1000 baseline on the test wire, each booted from an overlay
# with a cloud-init seed passbench writes, proven and measured (TCP) against the lab's traffic host.
# Under TCG inside TCG each boot takes ~15-20 min, so this is run by hand before a release (and
# before resolving guest-image work), not in CI; CI boots the image at the first level
# (test/lab/guest-images.test.ts). The lab is always taken down, also on failure or Ctrl-C.
#   PASSBENCH_LAB_NAME     lab name (default debian)
#   PASSBENCH_DEBIAN_BOOT  kernel (default): QEMU boots the image's kernel and initramfs;
#                          loader: the disk with its own boot loader (-boot c, predictable NIC names:
#                          the seed finds the VF by the MAC its PF gave it)
#   PASSBENCH_DEBIAN_ONLY  vf or e1000: that case only (each takes ~20 min)
# Output: the run's outcome and report paths, as the nightly prints them.
set -euo pipefail

main() {
  if [ "$(id -u)" -ne 0 ]; then exec sudo "$0" "$@"; fi
  cd "$(dirname "$0")/.."
  name=${PASSBENCH_LAB_NAME:-debian}
  scratch=$(mktemp -d -t passbench-debian.XXXXXX)
  trap 'npx passbench lab down --name "$name" >/dev/null || true; rm -rf "$scratch"' EXIT
  local built guest devices=()
  built=$(vm-images/build-debian.sh)
  # build-debian.sh writes under the guest images' folder, which the lab host mounts at /images.
  field() { printf '/images/debian/%s' "$(basename "$(sed -n "s/^$1=//p" <<<"$built")")"; }
  case ${PASSBENCH_DEBIAN_BOOT:-kernel} in
    kernel) guest="{ qcow2: $(field DEBIAN_QCOW2), kernel: $(field DEBIAN_KERNEL), initrd: $(field DEBIAN_INITRD), memoryMiB: 1024 }" ;;
    loader) guest="{ qcow2: $(field DEBIAN_BOOT_QCOW2), memoryMiB: 1024 }" ;;
    *) echo "debian-nested: PASSBENCH_DEBIAN_BOOT=${PASSBENCH_DEBIAN_BOOT}: expected kernel or loader" >&2; exit 2 ;;
  esac
  case ${PASSBENCH_DEBIAN_ONLY:-} in
    '') devices=(vf e1000) ;;
    vf | e1000) devices=("$PASSBENCH_DEBIAN_ONLY") ;;
    *) echo "debian-nested: PASSBENCH_DEBIAN_ONLY=${PASSBENCH_DEBIAN_ONLY}: expected vf or e1000" >&2; exit 2 ;;
  esac
  {
    echo 'run:'
    echo '  devices:'
    for d in "${devices[@]}"; do
      case $d in
        vf) echo '    - { mode: vf, pf: "0000:00:01.0", count: 1, model: igb }' ;;
        e1000) echo '    - { mode: e1000, bridge: br-test, address: 10.0.3.41/24 }' ;;
      esac
    done
  } >"$scratch/selection.yaml"
  cat >>"$scratch/selection.yaml" <<YAML
  guest: $guest
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
