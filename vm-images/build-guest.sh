#!/usr/bin/env bash
# Builds passbench's guest image: its own kernel (build-guest-kernel.sh: every NIC driver built in)
# + a busybox initramfs with dropbear (and sftp-server), iperf3, busybox httpd, lspci, ethtool and tc, as an isolinux ISO
# and as plain files for direct boot (-kernel vmlinux -initrd, PVH).
#
#   vm-images/build-guest.sh          # prints ISO= GUEST_KERNEL= GUEST_VMLINUX= GUEST_INITRD= KVER=
#   qemu-system-x86_64 … -cdrom guest.iso -boot d -fw_cfg name=opt/passbench/…,file=…
#
# No keys are baked in: guest-init.sh reads opt/passbench/{authorized_keys,host_key,net}
# from QEMU fw_cfg at boot. Output: ${PASSBENCH_CACHE:-~/.cache/passbench}/guest/guest-<kver>-<hash>.iso
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}
mkdir -p "$cache/guest"

log() { printf 'build-guest: %s\n' "$*" >&2; }
die() { printf 'build-guest: error: %s\n' "$*" >&2; exit 1; }
for tool in cpio gzip sha256sum xorriso ldd; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
busybox=/bin/busybox
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
isohdpfx=/usr/lib/ISOLINUX/isohdpfx.bin
[ -f "$isolinux_bin" ] && [ -f "$ldlinux" ] || die "isolinux not found (apt-get install isolinux syslinux-common)"
bins=(/usr/sbin/dropbear /usr/bin/dropbearkey /usr/lib/openssh/sftp-server /usr/bin/iperf3 /usr/bin/lspci /usr/sbin/ethtool /usr/sbin/tc)
for b in "${bins[@]}"; do [ -x "$b" ] || die "$b missing (apt-get install dropbear-bin openssh-sftp-server iperf3 pciutils ethtool iproute2)"; done

# 1. Kernel: passbench's own guest kernel (build-guest-kernel.sh, cached), every driver built in.
eval "$("$here/build-guest-kernel.sh" | grep -E '^(VMLINUX|BZIMAGE|KRELEASE)=')"
kver=$KRELEASE

# 2. Cache key: everything that goes into the ISO.
libs=$(for b in "${bins[@]}"; do ldd "$b" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}'; done | sort -u)
key=$( { echo "$VMLINUX"; cat "$0" "$here/guest-init.sh" "$busybox" "$isolinux_bin" \
         "${bins[@]}" $libs; } | sha256sum | cut -c1-16)
iso=$cache/guest/guest-$kver-$key.iso
# The same kernel + initramfs as plain files, for direct boot (-kernel/-initrd: no SeaBIOS CD boot,
# no isolinux; see README "Boot speed").
gkernel=${iso%.iso}.vmlinuz; ginitrd=${iso%.iso}.initrd; gvmlinux=${iso%.iso}.vmlinux
report() { printf 'ISO=%s\nGUEST_KERNEL=%s\nGUEST_VMLINUX=%s\nGUEST_INITRD=%s\nKVER=%s\n' "$iso" "$gkernel" "$gvmlinux" "$ginitrd" "$kver"; }
if [ -f "$iso" ] && [ -f "$gkernel" ] && [ -f "$ginitrd" ] && [ -f "$gvmlinux" ]; then
  log "up to date: $iso"
  report; exit 0
fi

t0=$(date +%s.%N)
log "building $iso"
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
root=$stage/root; cd9660=$stage/iso
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,etc,root,var/www} "$cd9660/isolinux"
cp "$busybox" "$root/bin/busybox"
# Every applet as a link into /bin, made here rather than by `busybox --install` at each boot.
for applet in $("$busybox" --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
install -m 0755 "$here/guest-init.sh" "$root/init"
# Made here, not by /init at each boot (a fork each in a nested guest): root's home and .ssh (0700),
# and the file systems /init mounts with one `mount -a`.
install -d -m 0700 "$root/root" "$root/root/.ssh"
cat >"$root/etc/fstab" <<'FSTAB'
proc /proc proc defaults 0 0
sysfs /sys sysfs defaults 0 0
devtmpfs /dev devtmpfs defaults 0 0
tmpfs /tmp tmpfs mode=1777 0 0
FSTAB

# Dynamic binaries + their shared libraries (ldd), at the paths ldd reports.
for b in "${bins[@]}"; do
  install -D -m 0755 "$b" "$root$b"
  # busybox's applet of the same name would come first in PATH (/bin): the real tool wins (tc).
  rm -f "$root/bin/$(basename "$b")" "$root/sbin/$(basename "$b")"
done
for l in $libs; do mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"; done
# dropbear runs SFTP from /usr/lib/sftp-server (the traffic host's lock is written over SFTP).
ln -s openssh/sftp-server "$root/usr/lib/sftp-server"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"
printf 'passbench guest\n' >"$root/var/www/index.html"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$stage/initrd.cpio"
gzip -9 <"$stage/initrd.cpio" >"$cd9660/isolinux/initrd.gz"
cp "$BZIMAGE" "$cd9660/isolinux/vmlinuz"
cp "$isolinux_bin" "$ldlinux" "$cd9660/isolinux/"
cat >"$cd9660/isolinux/isolinux.cfg" <<CFG
DEFAULT passbench
PROMPT 0
TIMEOUT 0
LABEL passbench
  KERNEL /isolinux/vmlinuz
  INITRD /isolinux/initrd.gz
  APPEND console=ttyS0 quiet
CFG
hybrid=(); [ -f "$isohdpfx" ] && hybrid=(-isohybrid-mbr "$isohdpfx")
xorriso -as mkisofs -quiet -o "$iso.tmp" -V PASSBENCH_GUEST -J -R "${hybrid[@]}" \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
  "$cd9660" 2>&1 | grep -v '^$' >&2 || true
[ -s "$iso.tmp" ] || die "xorriso produced no ISO"
cp "$cd9660/isolinux/vmlinuz" "$gkernel.tmp"; mv "$gkernel.tmp" "$gkernel"
# The uncompressed kernel (ELF with the PVH entry note, CONFIG_PVH=y): QEMU's -kernel boots it
# through PVH, with no decompression and no real-mode setup.
cp "$VMLINUX" "$gvmlinux.tmp"; mv "$gvmlinux.tmp" "$gvmlinux"
# The direct-boot initramfs uncompressed: a nested TCG guest's kernel took ~2 s to gunzip it (16 MB),
# more than QEMU takes to load the larger file (bench/README, 5 December). The ISO keeps it gzipped.
cp "$stage/initrd.cpio" "$ginitrd.tmp"; mv "$ginitrd.tmp" "$ginitrd"
mv "$iso.tmp" "$iso"
log "initramfs $(du -h "$ginitrd" | cut -f1) ($(du -h "$cd9660/isolinux/initrd.gz" | cut -f1) gzipped in the ISO), ISO $(du -h "$iso" | cut -f1), built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
report
