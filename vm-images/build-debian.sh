#!/usr/bin/env bash
# Builds a Debian 12 cloud-style guest image from Debian's packages: what a lab runs in production
# (Debian's own kernel and its igbvf/ixgbevf/e1000/virtio drivers as modules, systemd, cloud-init
# reading a NoCloud seed, OpenSSH), plus iperf3, ethtool and pciutils for the measurements.
#
#   vm-images/build-debian.sh      # prints DEBIAN_QCOW2= DEBIAN_KERNEL= DEBIAN_INITRD= DEBIAN_KVER=
#
# The disk is one ext4 file system with no partition table and no boot loader (made without loop
# devices or root mounts: mke2fs -d); QEMU boots the image's own kernel and initramfs, kept beside it,
# with root=/dev/vda. Nothing secret is in it: no SSH host key, no password, no authorized key. Each
# guest gets those from its own cloud-init seed (harness/guest/cloud-seed.ts), and its disk is a
# copy-on-write overlay over this image, which is never written.
# Output: ${PASSBENCH_CACHE:-~/.cache/passbench}/guest/debian/debian-12-<hash>.{qcow2,vmlinuz,initrd}: inside
# the guest images' folder, which `lab up` shares into the virtual lab host (/images/debian/…).
set -euo pipefail

cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}
dir=$cache/guest/debian
mkdir -p "$dir"
log() { printf 'build-debian: %s\n' "$*" >&2; }
die() { printf 'build-debian: error: %s\n' "$*" >&2; exit 1; }
for tool in mmdebstrap mke2fs qemu-img sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
[ "$(id -u)" -eq 0 ] || die "mmdebstrap needs root here (its chroot runs the packages' maintainer scripts)"

mirror=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/debian.sources | head -n1 | awk '{print $2}')
mirror=${mirror:-http://deb.debian.org/debian}
packages=linux-image-amd64,systemd-sysv,udev,kmod,cloud-init,ifupdown,isc-dhcp-client,openssh-server,iperf3,ethtool,pciutils,iproute2,iputils-ping,procps,netbase
size=2G

# Rebuilt when this recipe changes (packages, settings); the mirror's newer versions alone do not.
key=$(sha256sum "$0" | cut -c1-16)
base=$dir/debian-12-$key
report() { printf 'DEBIAN_QCOW2=%s\nDEBIAN_KERNEL=%s\nDEBIAN_INITRD=%s\nDEBIAN_KVER=%s\n' "$base.qcow2" "$base.vmlinuz" "$base.initrd" "$(cat "$base.kver")"; }
if [ -f "$base.qcow2" ] && [ -f "$base.vmlinuz" ] && [ -f "$base.initrd" ] && [ -f "$base.kver" ]; then
  log "up to date: $base.qcow2"
  report; exit 0
fi

t0=$(date +%s)
log "building $base.qcow2 from $mirror (bookworm): a few minutes"
stage=$(mktemp -d "$dir/build.XXXXXX"); trap 'rm -rf "$stage"' EXIT
root=$stage/root
# The initramfs holds only what finds the root on a virtio disk (MODULES=list): with every module
# (MODULES=most) it is 36 MB, which QEMU loads slowly under nested TCG.
mmdebstrap --quiet --variant=minbase --include="$packages" --components=main \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='printf "MODULES=list\n" >"$1/etc/initramfs-tools/conf.d/passbench"' \
  --customize-hook='printf "virtio_pci\nvirtio_blk\next4\n" >>"$1/etc/initramfs-tools/modules"' \
  --customize-hook='chroot "$1" update-initramfs -u -k all' \
  bookworm "$root" "$mirror"

# The seed is the only datasource: without this, cloud-init probes for clouds that are not there.
cat >"$root/etc/cloud/cloud.cfg.d/90-passbench.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
CFG
printf '/dev/vda / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
# Every guest makes its own host keys (the seed's): none baked into the image.
rm -f "$root"/etc/ssh/ssh_host_*
# Timers that would compete with a measurement in a guest that lives for minutes, and a scrub of
# ext4 snapshots the image never has (5 s of a 37 s first-level boot).
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer; do
  rm -f "$root/etc/systemd/system/timers.target.wants/$unit"
done
ln -sf /dev/null "$root/etc/systemd/system/e2scrub_reap.service"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
: >"$root/etc/machine-id"

kver=$(basename "$(ls -d "$root"/lib/modules/*)")
cp "$root/boot/vmlinuz-$kver" "$stage/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$stage/initrd"
mke2fs -q -t ext4 -L debian-root -d "$root" "$stage/root.raw" "$size"
qemu-img convert -f raw -O qcow2 "$stage/root.raw" "$stage/root.qcow2"
mv "$stage/vmlinuz" "$base.vmlinuz"; mv "$stage/initrd" "$base.initrd"; printf '%s\n' "$kver" >"$base.kver"
mv "$stage/root.qcow2" "$base.qcow2"
log "kernel $kver, image $(du -h "$base.qcow2" | cut -f1), built in $(( $(date +%s) - t0 )) s"
report
