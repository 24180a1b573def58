#!/bin/busybox sh
# /init of the nested guest (initramfs inside the ISO built by build-guest.sh).
#
# 1. mounts proc/sys/dev, loads the modules in /etc/modules.order (qemu_fw_cfg, e1000, igb, igbvf,
#    ixgbe, ixgbevf + dependencies),
# 2. reads from QEMU fw_cfg (/sys/firmware/qemu_fw_cfg/by_name/opt/passbench/<name>/raw):
#      authorized_keys  (required)  root's authorized_keys
#      host_key         (required)  dropbear-format host key (dropbearconvert openssh dropbear …)
#      net              (optional)  one line per NIC: "IFACE ADDRESS/PREFIX [GATEWAY]" or "IFACE dhcp";
#                                   without it every NIC is tried with DHCP
#    nothing secret is baked into the image,
# 3. brings the NICs up, starts dropbear on :22, busybox httpd on :80, iperf3 -s -D (:5201).
# Progress goes to the serial console as "passbench-guest: [uptime] …".
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts; mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
say() { echo "passbench-guest: [$(cut -d' ' -f1 /proc/uptime)] $*" >/dev/console; }
fail() { say "FATAL: $*"; exec sh </dev/console >/dev/console 2>&1; }
say "start"

kver=$(cat /etc/kver)
# Only the modules this guest's NICs need (each insmod costs seconds in a nested TCG guest): PCI id
# -> driver; a network controller not in the table loads them all.
need=qemu_fw_cfg
for d in /sys/bus/pci/devices/*; do
  case "$(cat $d/vendor):$(cat $d/device)" in
    0x8086:0x100e|0x8086:0x100f) need="$need e1000" ;;
    0x8086:0x10ca|0x8086:0x1520) need="$need igbvf" ;;
    0x8086:0x10c9|0x8086:0x1521) need="$need igb" ;;
    0x8086:0x10b6|0x8086:0x10fb|0x8086:0x10c6|0x8086:0x10c7) need="$need ixgbe" ;;
    0x8086:0x10ed) need="$need ixgbevf" ;;
    *) case "$(cat $d/class)" in 0x02*) need="$need e1000 igbvf igb ixgbe ixgbevf" ;; esac ;;
  esac
done
loaded=" "
for m in $need; do
  for rel in $(awk -v m="$m" '$1==m{for(i=2;i<=NF;i++)print $i}' /etc/modules.deps); do
    case "$loaded" in *" $rel "*) continue ;; esac
    insmod "/lib/modules/$kver/$rel" 2>/dev/null || say "insmod $rel failed"
    loaded="$loaded$rel "
  done
done
say "modules loaded:$(for r in $loaded; do r=${r##*/}; printf ' %s' "${r%.ko}"; done)"

fw=/sys/firmware/qemu_fw_cfg/by_name/opt/passbench
[ -r $fw/authorized_keys/raw ] || fail "no fw_cfg opt/passbench/authorized_keys (-fw_cfg name=opt/passbench/authorized_keys,file=…)"
[ -r $fw/host_key/raw ] || fail "no fw_cfg opt/passbench/host_key (dropbear format)"
mkdir -p /root/.ssh /run/passbench; chmod 0700 /root /root/.ssh /run/passbench
cat $fw/authorized_keys/raw >/root/.ssh/authorized_keys
cat $fw/host_key/raw >/run/passbench/host_key
chmod 0600 /root/.ssh/authorized_keys /run/passbench/host_key
say "keys read from fw_cfg"

# Network.
hostname guest
ip link set lo up
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
dhcp() {  # $1 = iface; background, so SSH does not wait for it
  udhcpc -i "$1" -s /etc/udhcpc.script -t 10 -T 1 -q -n >/dev/null 2>&1 \
    && say "network $1 dhcp $(ip -4 -o addr show dev "$1" | awk '{print $4}')" \
    || say "network $1: no DHCP lease"
}
if [ -r $fw/net/raw ]; then
  cat $fw/net/raw >/etc/passbench-net
  while read -r ifc addr gw; do
    case $ifc in ''|'#'*) continue ;; esac
    [ -e /sys/class/net/$ifc ] || { say "network: no interface $ifc"; continue; }
    ip link set "$ifc" up
    if [ "$addr" = dhcp ]; then dhcp "$ifc" &
    else
      ip addr add "$addr" dev "$ifc" || say "network: bad address '$addr' for $ifc"
      [ -n "$gw" ] && ip route add default via "$gw" dev "$ifc"
      say "network $ifc $addr${gw:+ via $gw}"
    fi
  done </etc/passbench-net
else
  for n in /sys/class/net/*; do
    ifc=$(basename $n); [ "$ifc" = lo ] && continue
    ip link set "$ifc" up; dhcp "$ifc" &
  done
fi

# Services.
dropbear -s -E -p 22 -r /run/passbench/host_key -P /run/dropbear.pid 2>/dev/console || fail "dropbear"
httpd -p 80 -h /var/www || say "httpd failed"
iperf3 -s -D >/dev/null 2>&1 || say "iperf3 failed"
say "services started (sshd :22, httpd :80, iperf3 :5201)"
# Link state + the drivers' kernel messages on the console, now and 30 s later: a NIC without link
# is visible in the serial log even when SSH cannot reach the guest.
report_links() {
  for n in /sys/class/net/*; do
    d=$(basename "$(readlink $n/device/driver 2>/dev/null)"); [ -n "$d" ] || continue
    say "nic $(basename $n) driver=$d pci=$(basename "$(readlink $n/device)") id=$(cat $n/device/vendor):$(cat $n/device/device) carrier=$(cat $n/carrier 2>/dev/null || echo 0) operstate=$(cat $n/operstate)"
    dmesg | grep -E "$d|$(basename $n)" | tail -n 5 | while read -r l; do say "dmesg: $l"; done
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
