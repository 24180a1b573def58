#!/bin/busybox sh
# /init of the virtual lab host (runs inside the lab VM, from the initramfs built by build-lab.sh).
#
# 1. loads the modules listed in /etc/modules.order (NICs, vfio, 9p, fw_cfg),
# 2. mounts the controller's /usr and /etc read-only over 9p (tags passbench_usr, passbench_etc)
#    into a tmpfs root /newroot whose bin/lib/lib64/sbin link into usr (Debian 12 is merged-/usr),
# 3. configures the e1000 management NIC (QEMU user-net: 10.0.2.15/24 via 10.0.2.2),
# 4. reads the SSH host key and authorized_keys from QEMU fw_cfg (opt/passbench/host_key,
#    opt/passbench/authorized_keys) — nothing secret is baked into the image —
# 5. runs the controller's OpenSSH sshd (from the shared /usr) chrooted into /newroot on port 22.
# Progress goes to the serial console as "passbench-init: …" with uptime stamps.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "passbench-init: [$(cut -d' ' -f1 /proc/uptime)] $*" >/dev/console; }
fail() { say "FATAL: $*"; exec sh </dev/console >/dev/console 2>&1; }
say "start"

kver=$(cat /etc/kver)
# Two passes: what SSH needs first (e1000, 9p, fw_cfg), the devices under test (igb, vfio, …) after
# sshd is up; /run/passbench/ready (inside the new root) marks the end of the second pass.
# (virtio*, fscache: 9p's dependencies on 6.1, where virtio_pci is a module)
early='/(e1000|netfs|fscache|9pnet|9p|9pnet_virtio|qemu_fw_cfg|virtio|virtio_ring|virtio_pci|virtio_pci_modern_dev|virtio_pci_legacy_dev)\.ko$'
load_modules() {  # $1 = -E to load the early set, -vE for the rest
  grep $1 "$early" /etc/modules.order | while read -r rel; do
    # kvm-amd without virtual GIF: the lab host's CPU 0 once sat idle with its timer never firing
    # (RCU stalls, sshd unreachable) after nested KVM guests had come and gone; vGIF is one of the
    # SVM paths QEMU's TCG emulates that decide whether interrupts reach it.
    case $rel in */kvm-amd.ko) params='vgif=0' ;; *) params= ;; esac
    insmod "/lib/modules/$kver/$rel" $params 2>/dev/null || say "insmod $rel failed"
  done
}
load_modules -E
say "early modules loaded"

# New root: tmpfs + the controller's /usr and /etc, read-only.
R=/newroot
mount -t tmpfs -o mode=0755 tmpfs $R || fail "tmpfs"
mkdir -p $R/usr $R/etc $R/proc $R/sys $R/dev $R/tmp $R/run $R/root $R/var/tmp $R/var/log $R/home
chmod 1777 $R/tmp $R/var/tmp; chmod 0700 $R/root
o=trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose
mount -t 9p -o $o passbench_usr $R/usr || fail "9p mount of /usr (tag passbench_usr)"
mount -t 9p -o $o passbench_etc $R/etc || fail "9p mount of /etc (tag passbench_etc)"
# Nested-guest images (build-guest.sh's cache dir), read-only; optional (tag absent: no /images).
mkdir -p $R/images
mount -t 9p -o $o passbench_images $R/images 2>/dev/null || { rmdir $R/images; say "no passbench_images share (nested guests unavailable)"; }
for d in bin lib lib64 sbin; do [ -e $R/usr/$d ] && ln -s usr/$d $R/$d; done
mount --bind /proc $R/proc
mount --bind /sys $R/sys
mount --bind /dev $R/dev
mkdir -p $R/dev/pts; mount -t devpts -o mode=0620,ptmxmode=0666 devpts $R/dev/pts
# The lab kernel's modules (the controller's /usr/lib/modules is for another kernel): keep them
# reachable inside the chroot at /run/lab-modules (modprobe -d /run/lab-modules …).
mkdir -p $R/run/lab-modules/lib; cp -a /lib/modules $R/run/lab-modules/lib/
say "root ready"

# Management NIC: the e1000 (the igb is the device under test; the e1000e is its peer).
hostname lab
mgmt=
for n in /sys/class/net/*; do
  [ "$(basename "$(readlink $n/device/driver 2>/dev/null)")" = e1000 ] && mgmt=$(basename $n)
done
[ -n "$mgmt" ] || fail "no e1000 management interface"
ip link set lo up
ip link set "$mgmt" up
ip addr add 10.0.2.15/24 dev "$mgmt"
ip route add default via 10.0.2.2
say "network $mgmt 10.0.2.15/24"

# Keys from fw_cfg (passed by the controller at boot).
fw=/sys/firmware/qemu_fw_cfg/by_name/opt/passbench
[ -r $fw/host_key/raw ] || fail "no fw_cfg opt/passbench/host_key (start QEMU with -fw_cfg name=opt/passbench/host_key,file=…)"
[ -r $fw/authorized_keys/raw ] || fail "no fw_cfg opt/passbench/authorized_keys"
mkdir -p $R/run/passbench $R/root/.ssh
chmod 0700 $R/run/passbench $R/root/.ssh
cat $fw/host_key/raw >$R/run/passbench/host_key
cat $fw/authorized_keys/raw >$R/root/.ssh/authorized_keys
chmod 0600 $R/run/passbench/host_key $R/root/.ssh/authorized_keys

# OpenSSH, not dropbear: dropbear 2022.83 (Debian 12) ends a whole session on an assertion when a
# channel opens as another one's process exits (mkj/dropbear#321, fixed in 2024.86), and the harness
# runs many channels at once on its lab connection: a lab test lost its connection that way.
# -f /dev/null: no config from the controller's /etc; keys only; -D foreground, -e log to the console.
# -r: no re-exec of sshd for each connection. Under TCG that exec (and its dynamic linking) held back
# the first banner: SSH ready in a median 7.3 s [7.1-7.4] with -r against 8.4 s [8.2-8.6] without
# (bench/lab-boot.ts, 2026-12-05). What re-exec buys (a fresh address-space layout per connection)
# matters little for a lab VM that only the controller reaches, through 127.0.0.1, with a key.
mkdir -p -m 0755 $R/run/sshd
chroot $R /usr/sbin/sshd -D -e -r -f /dev/null -p 22 -h /run/passbench/host_key -o PidFile=/run/sshd.pid \
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PermitRootLogin=prohibit-password \
  -o StrictModes=no -o MaxSessions=64 -o MaxStartups=64 -o 'Subsystem sftp internal-sftp' \
  >/dev/console 2>&1 &
say "sshd started"
# Let sshd reach listen() before the igb/vfio probes compete for the vCPUs (TCG).
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  grep -q ':0016 00000000:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null && break
  sleep 0.1
done
say "sshd listening"

load_modules -vE

# Device-under-test network (hub 1): the e1000e is the peer endpoint 10.0.3.10/24 (iperf3 servers,
# ping target); the igb PFs are up without an address (their VFs need the PF up: "PF still in reset").
for n in /sys/class/net/*; do
  case "$(basename "$(readlink $n/device/driver 2>/dev/null)")" in
    e1000e) ip addr add 10.0.3.10/24 dev "$(basename $n)"; ip addr add 10.0.3.2/24 dev "$(basename $n)"
            ip link set "$(basename $n)" up
            say "peer $(basename $n) 10.0.3.10/24 (+ 10.0.3.2, the hub's former gateway address)" ;;
    igb)    ip link set "$(basename $n)" up; say "igb PF $(basename $n) up ($(basename "$(readlink $n/device)"))" ;;
  esac
done
# The baselines' bridge: br-test, with the virtio-net port on hub 1 as its only port and no address
# of its own. An e1000 guest on the test wire gets a tap in it (its QEMU makes the tap; passbench
# adds it to the bridge), so its traffic crosses the same hub as the passthrough guests'.
uplink=
for n in /sys/class/net/*; do [ "$(basename "$(readlink $n/device/driver 2>/dev/null)")" = virtio_net ] && uplink=$(basename $n); done
if [ -n "$uplink" ] && ip link add br-test type bridge && ip link set "$uplink" master br-test && ip link set "$uplink" up && ip link set br-test up; then
  say "bridge br-test on $uplink (the baseline guests' taps join it)"
else
  say "no bridge br-test (virtio-net port: ${uplink:-none}): baselines on the test wire cannot run"
fi
# Nested guests on QEMU user-net (slirp) ping through unprivileged ICMP sockets: allow them for root.
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
touch $R/run/passbench/ready
say "lab ready (all modules loaded)"

# PID 1 stays here; reap children forever. `poweroff -f` inside the VM ends it.
while :; do wait; sleep 3600; done
