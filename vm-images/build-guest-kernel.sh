#!/usr/bin/env bash
# Builds passbench's guest kernel from Debian's linux-source package: `make tinyconfig`, then
# vm-images/guest-kernel.config merged over it. Everything a guest needs is built in (the NIC
# drivers igb igbvf ixgbe ixgbevf e1000 e1000e virtio-net, fw_cfg, PVH entry), so there are no
# modules to load and nothing else to initialise: a nested guest under TCG boots in seconds where
# the stock Debian kernel took minutes (vm-images/README.md "Boot speed").
#
#   vm-images/build-guest-kernel.sh     # prints VMLINUX= BZIMAGE= KRELEASE= (paths in the cache)
#
# Cached OUTSIDE git in ${PASSBENCH_CACHE:-~/.cache/passbench}/guest-kernel/<key>/, key = sha256 of
# (source package, config fragment, this script): rebuilt only when one of them changes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PASSBENCH_CACHE:-$HOME/.cache/passbench}
fragment=$here/guest-kernel.config
mkdir -p "$cache/debs" "$cache/guest-kernel"

log() { printf 'build-guest-kernel: %s\n' "$*" >&2; }
die() { printf 'build-guest-kernel: error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb make gcc bc bison flex tar xz sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-debian.sh)"
done
[ -f /usr/include/gelf.h ] || die "libelf headers not found, needed by objtool (apt-get install libelf-dev)"

# 1. The source package: the one bookworm-backports' linux-source depends on (the lab host's 6.12).
pkg=$(apt-cache depends -t bookworm-backports linux-source 2>/dev/null | awk '/Depends: linux-source-[0-9]/{print $2; exit}')
[ -n "$pkg" ] || die "cannot resolve linux-source in bookworm-backports; is it in apt sources? run scripts/setup-debian.sh"
deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  log "downloading $pkg"
  (cd "$cache/debs" && apt-get download -t bookworm-backports "$pkg" >&2) \
    || die "could not download $pkg (apt-get download above says why; run apt-get update?)"
  deb=$(ls "$cache/debs/${pkg}_"*.deb | head -n1)
fi

key=$( { basename "$deb"; cat "$fragment" "$0"; } | sha256sum | cut -c1-16)
out=$cache/guest-kernel/$key
report() { printf 'VMLINUX=%s\nBZIMAGE=%s\nKRELEASE=%s\n' "$out/vmlinux" "$out/bzImage" "$(cat "$out/release")"; }
if [ -f "$out/.done" ]; then
  log "up to date: $out"
  report; exit 0
fi

t0=$(date +%s)
build=$(mktemp -d "$cache/guest-kernel/build.XXXXXX")
trap 'rm -rf "$build"' EXIT
log "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$build" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$build"/usr/src/linux-source-*.tar.xz -C "$build"
src=$(ls -d "$build"/linux-source-*/ | head -n1)

# 2. Config: tinyconfig + the fragment; every option the fragment sets must survive olddefconfig
#    (an option whose dependency is missing is dropped silently by Kconfig: that is an error here).
make -C "$src" -s tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment" >/dev/null
make -C "$src" -s olddefconfig >/dev/null
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while IFS= read -r line; do
  name=${line%%=*}
  case ${line#*=} in
    n) if grep -q "^$name=" "$src/.config"; then echo "$line (still set)"; fi ;;
    *) if ! grep -qxF "$line" "$src/.config"; then echo "$line (got: $(grep -E "^$name=|^# $name is not set" "$src/.config" || echo absent))"; fi ;;
  esac
done)
[ -z "$missing" ] || die "options of $fragment not taken (a dependency is missing):"$'\n'"$missing"

# 3. Build: vmlinux (ELF with the PVH entry note: QEMU -kernel boots it with no decompression) and
#    bzImage (for the ISO's isolinux and for firmware that wants one).
log "building ($(nproc) jobs; ~4 min on 2 cores)"
make -C "$src" -s -j"$(nproc)" bzImage >"$build/make.log" 2>&1 || { tail -n 30 "$build/make.log" >&2; die "kernel build failed"; }
mkdir -p "$out.tmp"
cp "$src/vmlinux" "$out.tmp/vmlinux"
cp "$src/arch/x86/boot/bzImage" "$out.tmp/bzImage"
cp "$src/.config" "$out.tmp/config"
cat "$src/include/config/kernel.release" >"$out.tmp/release"
touch "$out.tmp/.done"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built $(cat "$out/release") in $(( $(date +%s) - t0 )) s: vmlinux $(du -h "$out/vmlinux" | cut -f1), bzImage $(du -h "$out/bzImage" | cut -f1)"
report
