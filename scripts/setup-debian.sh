#!/usr/bin/env bash
# Installs everything passbench and its virtual lab need on a fresh Debian 12 machine.
# Idempotent: a second run only checks. Needs root (apt-get).
set -euo pipefail

need_apt=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# QEMU 10 (igb with SR-IOV) lives in bookworm-backports; stock bookworm has 7.2 without igb.
backports=/etc/apt/sources.list.d/passbench-backports.sources
if [ ! -f "$backports" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  mirror=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/debian.sources | head -n1 | awk '{print $2}')
  mirror=${mirror:-http://deb.debian.org/debian}
  cat >"$backports" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=
fi

packages=(pciutils kmod iproute2 openssh-server openssh-sftp-server openssh-client dropbear-bin busybox-static cpio
          iperf3 xorriso isolinux syslinux-common ethtool procps psmisc
          # the guest kernel, built from linux-source by vm-images/build-guest-kernel.sh
          bc bison flex libelf-dev xz-utils
          # the Debian 12 cloud-style guest image, from Debian's packages (vm-images/build-debian.sh),
          # and its variant with a boot loader on the disk (syslinux on a FAT partition, without loop devices)
          mmdebstrap syslinux mtools dosfstools fdisk
          # results/reports: a real PostgreSQL for the shared-history tests (they start their own
          # server on a temp dir), Chromium for the report browser test, and what the `canvas` npm
          # module (chartjs-node-canvas) builds against, plus fonts for chart text.
          postgresql chromium build-essential python3 pkg-config
          libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev fonts-dejavu-core)
for p in "${packages[@]}"; do have "$p" || need_apt+=("$p"); done

qemu_ok=false
if command -v qemu-system-x86_64 >/dev/null; then
  v=$(qemu-system-x86_64 --version | head -n1 | grep -oE '[0-9]+\.[0-9]+' | head -n1)
  [ "${v%%.*}" -ge 10 ] && qemu_ok=true
fi

if [ ${#need_apt[@]} -gt 0 ] || ! $qemu_ok; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#need_apt[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  $qemu_ok || apt-get install -y -qq --no-install-recommends -t bookworm-backports \
    qemu-system-x86 qemu-utils ipxe-qemu seabios
fi
# sshd must not start as a service on this machine: tests start their own on loopback.
qemu-system-x86_64 --version | head -n1
