#!/bin/busybox sh
# /init of the nested guest (initramfs inside the ISO built by build-guest.sh).
#
# 1. mounts proc/sys/dev (the NIC drivers and fw_cfg are built into the kernel),
# 2. reads from QEMU fw_cfg (/sys/firmware/qemu_fw_cfg/by_name/opt/passbench/<name>/raw):
#      authorized_keys  (required)  root's authorized_keys
#      host_key         (required)  dropbear-format host key (dropbearconvert openssh dropbear …)
#      net              (optional)  one line per NIC: "IFACE ADDRESS/PREFIX [GATEWAY]" or "IFACE dhcp";
#                                   without it every NIC is tried with DHCP
#    nothing secret is baked into the image,
# 3. brings the NICs up, starts dropbear on :22 and busybox httpd on :80.
# Progress goes to the serial console as "passbench-guest: [uptime] …".
# The applet links are made at build time (build-guest.sh): `busybox --install` at boot costs
# seconds in a nested TCG guest, as does every fork (0.1-0.3 s each), so up to "services started"
# the image and the shell's builtins do what they can: one `mount -a` (the image's /etc/fstab),
# folders made at build time, `say` reading the uptime, `read` the kernel release and the keys, a
# redirection the hostname, umask the modes; dropbear reads its host key from fw_cfg itself.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -a
mkdir /dev/pts; mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts
say() { read -r up _ </proc/uptime; echo "passbench-guest: [$up] $*" >/dev/console; }
fail() { say "FATAL: $*"; exec sh </dev/console >/dev/console 2>&1; }
say "start"

# Every driver a guest needs is built into passbench's guest kernel (build-guest-kernel.sh): no
# modules to load.
read -r release </proc/sys/kernel/osrelease
say "kernel $release"

fw=/sys/firmware/qemu_fw_cfg/by_name/opt/passbench
[ -r $fw/authorized_keys/raw ] || fail "no fw_cfg opt/passbench/authorized_keys (-fw_cfg name=opt/passbench/authorized_keys,file=…)"
[ -r $fw/host_key/raw ] || fail "no fw_cfg opt/passbench/host_key (dropbear format)"
# /root and /root/.ssh are 0700 in the image (build-guest.sh); the host key stays in fw_cfg (root only).
umask 077
while IFS= read -r key || [ -n "$key" ]; do printf '%s\n' "$key"; done <$fw/authorized_keys/raw >/root/.ssh/authorized_keys
umask 022
say "keys read from fw_cfg"

# Network.
echo guest >/proc/sys/kernel/hostname
dhcp_script() {  # written only where a NIC uses DHCP, before its udhcpc goes to the background
  [ -x /etc/udhcpc.script ] && return
  cat >/etc/udhcpc.script <<'S'
#!/bin/sh
case $1 in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    : >/etc/resolv.conf; for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done ;;
esac
S
  chmod 0755 /etc/udhcpc.script
}
dhcp() {  # $1 = iface; background, so SSH does not wait for it
  udhcpc -i "$1" -s /etc/udhcpc.script -t 10 -T 1 -q -n >/dev/null 2>&1 \
    && say "network $1 dhcp $(ip -4 -o addr show dev "$1" | awk '{print $4}')" \
    || say "network $1: no DHCP lease"
}
# A gratuitous ARP once the link is up: the lab host may still hold a neighbour entry for this
# address with the MAC of the guest before (addresses are reused run after run). Without it, the
# first SSH connection goes to the old MAC until the kernel's probes give up: ~12 s a boot.
announce() {  # $1 = iface, $2 = address; in the background
  n=0
  while [ $n -lt 30 ]; do read -r c </sys/class/net/$1/carrier 2>/dev/null; [ "$c" = 1 ] && break; n=$((n + 1)); sleep 1; done
  arping -U -c 2 -I "$1" "$2" >/dev/null 2>&1 || say "network $1: gratuitous ARP for $2 failed"
}
if [ -r $fw/net/raw ]; then
  while read -r ifc addr gw; do
    case $ifc in ''|'#'*) continue ;; esac
    [ -e /sys/class/net/$ifc ] || { say "network: no interface $ifc"; continue; }
    ip link set "$ifc" up
    if [ "$addr" = dhcp ]; then dhcp_script; dhcp "$ifc" &
    else
      ip addr add "$addr" dev "$ifc" || say "network: bad address '$addr' for $ifc"
      [ -n "$gw" ] && ip route add default via "$gw" dev "$ifc"
      announce "$ifc" "${addr%/*}" &
      say "network $ifc $addr${gw:+ via $gw}"
    fi
  done <$fw/net/raw
else
  for n in /sys/class/net/*; do
    ifc=$(basename $n); [ "$ifc" = lo ] && continue
    ip link set "$ifc" up; dhcp_script; dhcp "$ifc" &
  done
fi

# Services. "services started" is the harness's readiness mark: SSH is next. No standing iperf3
# server: the harness starts its own per test (iperf3 -s -1), and loading iperf3 with libcrypto
# here would take seconds of a nested guest's boot.
dropbear -s -E -p 22 -r $fw/host_key/raw -P /run/dropbear.pid 2>/dev/console || fail "dropbear"
say "services started (sshd :22)"
httpd -p 80 -h /var/www && say "httpd :80" || say "httpd failed"
ip link set lo up
# What follows is bookkeeping: at the lowest priority, the first SSH handshake (dropbear and the
# commands it runs keep priority 0) does not wait for it on the guest's one CPU.
renice -n 19 -p $$ >/dev/null
# Link state + the drivers' kernel messages on the console, now and 30 s later: a NIC without link
# is visible in the serial log even when SSH cannot reach the guest.
# (Shell builtins where they do: each fork costs a nested guest ~0.1 s, and this runs beside the
# first SSH handshake.)
report_links() {
  for n in /sys/class/net/*; do
    d=$(readlink $n/device/driver 2>/dev/null); d=${d##*/}; [ -n "$d" ] || continue
    pci=$(readlink $n/device); c=0; read -r c <$n/carrier 2>/dev/null; read -r op <$n/operstate
    read -r ven <$n/device/vendor; read -r dev <$n/device/device
    say "nic ${n##*/} driver=$d pci=${pci##*/} id=$ven:$dev carrier=${c:-0} operstate=$op"
    dmesg | grep -E "$d|${n##*/}" | tail -n 5 | while read -r l; do say "dmesg: $l"; done
  done
}
report_links
say "ready"
# Watch the links for the guest's lifetime: any carrier change is reported on the console with the
# driver's messages (a VF that loses its link cannot say so over SSH; it goes through that link).
links() { for n in /sys/class/net/*; do [ -e $n/device ] && read -r c <$n/carrier 2>/dev/null; printf '%s=%s ' "${n##*/}" "${c:-0}"; c=; done; }
prev=$(links)
while :; do
  sleep 3
  cur=$(links)
  [ "$cur" = "$prev" ] || { say "link change: $cur"; report_links; prev=$cur; }
done
