#!/usr/bin/env bash
# Builds a Debian 12 cloud-style guest image from Debian's packages: what a lab runs in production
# (Debian's own kernel and its igbvf/ixgbevf/e1000/virtio drivers as modules, systemd, cloud-init
# reading a NoCloud seed, OpenSSH), plus iperf3, ethtool and pciutils for the measurements.
#
#   vm-images/build-debian.sh      # prints DEBIAN_QCOW2= DEBIAN_KERNEL= DEBIAN_INITRD= DEBIAN_KVER= DEBIAN_BOOT_QCOW2=
#
# Two disks of the same system, both made without loop devices or root mounts (mke2fs -d):
#   debian-12-<hash>.qcow2       one ext4 file system, no partition table, no boot loader: QEMU boots
#                                the image's kernel and initramfs, kept beside it, with root=/dev/vda
#                                (the fast way, and the one the nested runs use);
#   debian-12-<hash>-boot.qcow2  as a distribution's cloud image is: an MBR, a boot loader on the disk
#                                (syslinux on a FAT partition, with the kernel, the initramfs and the
#                                kernel's command line) and the same ext4 as partition 2; the firmware
#                                boots it (-boot c), and interfaces keep their predictable names.
# Nothing secret is in it: no SSH host key, no password, no authorized key. Each
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
for tool in syslinux mcopy mkfs.vfat sfdisk; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || die "$mbr not found (syslinux-common; run scripts/setup-debian.sh)"
packages=linux-image-amd64,systemd-sysv,udev,kmod,cloud-init,ifupdown,isc-dhcp-client,openssh-server,iperf3,ethtool,pciutils,iproute2,iputils-ping,procps,netbase
size=2G

# Rebuilt when this recipe changes (packages, settings); the mirror's newer versions alone do not.
key=$(sha256sum "$0" | cut -c1-16)
base=$dir/debian-12-$key
report() { printf 'DEBIAN_QCOW2=%s\nDEBIAN_KERNEL=%s\nDEBIAN_INITRD=%s\nDEBIAN_KVER=%s\nDEBIAN_BOOT_QCOW2=%s\n' "$base.qcow2" "$base.vmlinuz" "$base.initrd" "$(cat "$base.kver")" "$base-boot.qcow2"; }
if [ -f "$base.qcow2" ] && [ -f "$base-boot.qcow2" ] && [ -f "$base.vmlinuz" ] && [ -f "$base.initrd" ] && [ -f "$base.kver" ]; then
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
# By label: the root is /dev/vda on the plain disk, /dev/vda2 on the one with a boot loader.
printf 'LABEL=debian-root / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
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

# The disk with a boot loader: MBR (syslinux's: boots the active partition), partition 1 FAT with
# syslinux, the kernel, the initramfs and the command line, partition 2 the root file system.
fat_mib=64
mkfs.vfat -n DEBIAN-BOOT -C "$stage/boot.fat" $((fat_mib * 1024)) >/dev/null
cat >"$stage/syslinux.cfg" <<CFG
DEFAULT debian
TIMEOUT 0
LABEL debian
  KERNEL vmlinuz
  INITRD initrd
  APPEND root=/dev/vda2 rw console=ttyS0
CFG
mcopy -i "$stage/boot.fat" "$stage/vmlinuz" "$stage/initrd" "$stage/syslinux.cfg" ::/
syslinux --install "$stage/boot.fat"
root_bytes=$(stat -c %s "$stage/root.raw")
truncate -s $(( (1 + fat_mib) * 1048576 + root_bytes )) "$stage/disk.raw"
dd if="$stage/boot.fat" of="$stage/disk.raw" bs=1M seek=1 conv=notrunc status=none
dd if="$stage/root.raw" of="$stage/disk.raw" bs=1M seek=$((1 + fat_mib)) conv=notrunc,sparse status=none
sfdisk --quiet "$stage/disk.raw" <<PARTS
label: dos
start=2048, size=$((fat_mib * 2048)), type=c, bootable
start=$(( (1 + fat_mib) * 2048 )), size=$((root_bytes / 512)), type=83
PARTS
dd if="$mbr" of="$stage/disk.raw" bs=440 count=1 conv=notrunc status=none
qemu-img convert -f raw -O qcow2 "$stage/disk.raw" "$stage/boot.qcow2"

mv "$stage/vmlinuz" "$base.vmlinuz"; mv "$stage/initrd" "$base.initrd"; printf '%s\n' "$kver" >"$base.kver"
mv "$stage/root.qcow2" "$base.qcow2"; mv "$stage/boot.qcow2" "$base-boot.qcow2"
# Images of earlier recipes are of no use (a guest running from one keeps its open file).
find "$dir" -maxdepth 1 -name 'debian-12-*' ! -name "debian-12-$key*" -delete
log "kernel $kver, image $(du -h "$base.qcow2" | cut -f1), built in $(( $(date +%s) - t0 )) s"
report
