#!/usr/bin/env bash
# Builds the virtual lab host's kernel + initramfs from Debian packages.
#
#   vm-images/build-lab.sh            # prints KERNEL=… INITRD=… KVER=… (paths in the cache)
#   PASSBENCH_LAB_KERNEL=stable …     # 6.1 from bookworm instead of the 6.12 backports kernel
#
# Everything lands in a cache OUTSIDE git: ${PASSBENCH_CACHE:-~/.cache/passbench}/lab/.
# The initramfs is rebuilt only when its inputs change (kernel package, this script, init, busybox).
# It holds busybox-static, a handful of modules and vm-images/lab-init.sh as /init. No keys are baked
# in: the host key and authorized_keys are passed at boot with QEMU -fw_cfg (see lab-init.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}
flavor=${PASSBENCH_LAB_KERNEL:-backports}   # backports (6.12) | stable (6.1)
mkdir -p "$cache/debs" "$cache/lab"

log() { printf 'build-lab: %s\n' "$*" >&2; }
die() { printf 'build-lab: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=modules.sh
. "$here/modules.sh"

for tool in apt-get apt-cache dpkg-deb depmod cpio gzip xz sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
busybox=/bin/busybox
[ -x "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' \
  || ldd "$busybox" 2>&1 | grep -q 'not a dynamic' \
  || die "$busybox is not busybox-static (apt-get install busybox-static)"

# 1. Which kernel package? linux-image-amd64 is a metapackage; we want the real image it depends on.
case $flavor in
  backports) suite_opt=(-t bookworm-backports) ;;
  stable)    suite_opt=() ;;
  *) die "PASSBENCH_LAB_KERNEL must be backports or stable, not '$flavor'" ;;
esac
pkg=$(apt-cache depends "${suite_opt[@]}" linux-image-amd64 2>/dev/null \
      | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 ($flavor); is bookworm-backports in apt sources? run apt-get update"

deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  log "downloading $pkg"
  (cd "$cache/debs" && apt-get download "${suite_opt[@]}" "$pkg" >&2)
  deb=$(ls "$cache/debs/${pkg}_"*.deb | head -n1)
fi

# 2. Extract it once.
kdir=$cache/lab/kernel-$(basename "$deb" .deb)
if [ ! -f "$kdir/.done" ]; then
  log "extracting $(basename "$deb")"
  rm -rf "$kdir"; mkdir -p "$kdir"
  dpkg-deb -x "$deb" "$kdir"
  kver=$(ls "$kdir/lib/modules" | head -n1)
  depmod -b "$kdir" "$kver"
  touch "$kdir/.done"
fi
kver=$(ls "$kdir/lib/modules" | head -n1)
kernel=$kdir/boot/vmlinuz-$kver
[ -f "$kernel" ] || die "no kernel at $kernel"

# 3. Cache key: everything that goes into the initramfs.
# kvm + kvm-amd: QEMU's TCG emulates AMD SVM with nested paging (-cpu max has svm, npt), so KVM
# works inside the lab host and nested guests run once emulated (by the outer TCG) instead of twice.
# kvm-intel for a lab under KVM on an Intel machine (-cpu host); the one that does not fit fails to load.
# sch_tbf: `lab up --peer-rate` caps the peer's port with a token bucket (a regression made on purpose).
wanted=(igb igbvf e1000 e1000e vfio vfio-pci vfio_iommu_type1 9p 9pnet_virtio qemu_fw_cfg virtio_pci kvm kvm-amd kvm-intel sch_tbf
        virtio_net bridge tun vhost_net)   # the baseline guests' bridge on the test hub, their taps, vhost-net for virtio-net
key=$( { basename "$deb"; echo "${wanted[*]}"; cat "$0" "$here/lab-init.sh" "$here/modules.sh" "$busybox"; } | sha256sum | cut -c1-16)
initrd=$cache/lab/initramfs-$kver-$key.cpio.gz
if [ -f "$initrd" ]; then
  log "up to date: $initrd"
else
  log "building $initrd"
  stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,run,newroot,etc,lib/modules/"$kver"}
  cp "$busybox" "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  install -m 0755 "$here/lab-init.sh" "$stage/init"

  # Dependencies from modules.dep, dependencies first (modules built into the kernel are skipped).
  resolve_modules "$kdir/lib/modules/$kver" "${wanted[@]}"
  : >"$stage/etc/modules.order"
  for rel in "${order[@]}"; do
    src=$kdir/lib/modules/$kver/$rel
    dst=$stage/lib/modules/$kver/${rel%.xz}
    mkdir -p "$(dirname "$dst")"
    case $rel in
      *.xz) xz -dc "$src" >"$dst" ;;   # busybox insmod may lack xz support; decompress once here
      *) cp "$src" "$dst" ;;
    esac
    echo "${rel%.xz}" >>"$stage/etc/modules.order"
  done
  log "modules: $(tr '\n' ' ' <"$stage/etc/modules.order")"
  # modules.dep for the lab's own modprobe (inside the chroot: modprobe -d /run/lab-modules NAME).
  cp "$kdir/lib/modules/$kver/modules.builtin"* "$stage/lib/modules/$kver/" 2>/dev/null || true
  cp "$stage/etc/modules.order" "$stage/lib/modules/$kver/modules.order"
  depmod -b "$stage" "$kver"
  echo "$kver" >"$stage/etc/kver"

  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) \
    | gzip -1 >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"

  # Older builds are kept: another lab may be booting from one right now (2 MB each).
  log "initramfs $(du -h "$initrd" | cut -f1)"
fi

printf 'KERNEL=%s\nINITRD=%s\nKVER=%s\n' "$kernel" "$initrd" "$kver"
