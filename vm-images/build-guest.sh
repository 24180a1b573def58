#!/usr/bin/env bash
# Builds the nested-guest ISO: the lab's kernel + a busybox initramfs with dropbear, iperf3,
# busybox httpd, lspci and the NIC modules e1000 igbvf igb ixgbe ixgbevf, bootable with isolinux.
#
#   vm-images/build-guest.sh          # prints ISO=… (cached; also KERNEL= INITRD= KVER= of the lab)
#   qemu-system-x86_64 … -cdrom guest.iso -boot d -fw_cfg name=opt/passbench/…,file=…
#
# The kernel is the lab's: build-lab.sh downloads/extracts it (cached) and this script reuses that
# extraction. No keys are baked in: guest-init.sh reads opt/passbench/{authorized_keys,host_key,net}
# from QEMU fw_cfg at boot. Output: ${PASSBENCH_CACHE:-~/.cache/passbench}/guest/guest-<kver>-<hash>.iso
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}
mkdir -p "$cache/guest"

log() { printf 'build-guest: %s\n' "$*" >&2; }
die() { printf 'build-guest: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=modules.sh
. "$here/modules.sh"

for tool in depmod cpio gzip xz sha256sum xorriso ldd; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
busybox=/bin/busybox
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
isohdpfx=/usr/lib/ISOLINUX/isohdpfx.bin
[ -f "$isolinux_bin" ] && [ -f "$ldlinux" ] || die "isolinux not found (apt-get install isolinux syslinux-common)"
bins=(/usr/sbin/dropbear /usr/bin/dropbearkey /usr/bin/iperf3 /usr/bin/lspci)
for b in "${bins[@]}"; do [ -x "$b" ] || die "$b missing (apt-get install dropbear-bin iperf3 pciutils)"; done

# extract_vmlinux BZIMAGE: the ELF payload on stdout (zstd, xz or gzip, whichever the kernel uses),
# like the kernel tree's scripts/extract-vmlinux.
extract_vmlinux() {
  local magic tool off
  for magic in '28b52ffd:zstd -dcq' 'fd377a585a00:xz -dcq' '1f8b0800:gzip -dcq'; do
    tool=${magic#*:}; magic=${magic%%:*}
    command -v "${tool%% *}" >/dev/null || continue
    for off in $(od -An -v -tx1 -w1 "$1" | tr -d ' \n' | grep -ob "$magic" | cut -d: -f1 | head -n 3); do
      off=$((off / 2))
      tail -c +$((off + 1)) "$1" | $tool 2>/dev/null >"$stage/vmlinux.try" || true
      if [ "$(head -c 4 "$stage/vmlinux.try" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then cat "$stage/vmlinux.try"; return 0; fi
    done
  done
  return 1
}

# 1. Kernel: the lab's (same package, same cached extraction).
eval "$("$here/build-lab.sh" | grep -E '^(KERNEL|KVER)=')"
kdir=$(dirname "$(dirname "$KERNEL")")
kver=$KVER
moddep=$kdir/lib/modules/$kver/modules.dep
[ -f "$moddep" ] || die "no modules.dep in $kdir"

# 2. Cache key: everything that goes into the ISO.
wanted=(e1000 igbvf igb ixgbe ixgbevf qemu_fw_cfg)
libs=$(for b in "${bins[@]}"; do ldd "$b" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}'; done | sort -u)
key=$( { echo "$KERNEL"; echo "${wanted[*]}"; cat "$0" "$here/guest-init.sh" "$here/modules.sh" "$busybox" "$isolinux_bin" \
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
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,etc,root,var/www,lib/modules/"$kver"} "$cd9660/isolinux"
cp "$busybox" "$root/bin/busybox"; ln -s busybox "$root/bin/sh"
install -m 0755 "$here/guest-init.sh" "$root/init"

# Dynamic binaries + their shared libraries (ldd), at the paths ldd reports.
for b in "${bins[@]}"; do install -D -m 0755 "$b" "$root$b"; done
for l in $libs; do mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"
printf 'passbench guest\n' >"$root/var/www/index.html"

# Modules with their dependencies (modules.dep), decompressed for busybox insmod.
resolve_modules "$kdir/lib/modules/$kver" "${wanted[@]}"
: >"$root/etc/modules.order"
for rel in "${order[@]}"; do
  dst=$root/lib/modules/$kver/${rel%.xz}; mkdir -p "$(dirname "$dst")"
  case $rel in *.xz) xz -dc "$kdir/lib/modules/$kver/$rel" >"$dst" ;; *) cp "$kdir/lib/modules/$kver/$rel" "$dst" ;; esac
  echo "${rel%.xz}" >>"$root/etc/modules.order"
done
log "modules: $(tr '\n' ' ' <"$root/etc/modules.order")"
# Per module, itself with its dependencies (deps first): /init loads only what the guest's NICs need.
: >"$root/etc/modules.deps"
for m in "${wanted[@]}"; do
  resolve_modules "$kdir/lib/modules/$kver" "$m"
  echo "$m ${order[*]//.xz/}" >>"$root/etc/modules.deps"
done
echo "$kver" >"$root/etc/kver"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -9 >"$cd9660/isolinux/initrd.gz"
cp "$KERNEL" "$cd9660/isolinux/vmlinuz"
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
# through PVH, with no bzImage decompression and no real-mode setup — seconds in a nested TCG guest.
extract_vmlinux "$KERNEL" >"$gvmlinux.tmp" || die "cannot extract vmlinux from $KERNEL"
mv "$gvmlinux.tmp" "$gvmlinux"
cp "$cd9660/isolinux/initrd.gz" "$ginitrd.tmp"; mv "$ginitrd.tmp" "$ginitrd"
mv "$iso.tmp" "$iso"
log "initramfs $(du -h "$cd9660/isolinux/initrd.gz" | cut -f1), ISO $(du -h "$iso" | cut -f1), built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
report
