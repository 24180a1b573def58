import { checkInt, checkIpv4, checkMac, checkName, checkPath } from './qemu-values.ts';

/** One user-net port forward: host `hostAddress:hostPort` → guest `guestPort`. */
export interface HostForward {
  protocol?: 'tcp' | 'udp';
  /** Default 127.0.0.1: nothing is exposed beyond this machine unless asked. */
  hostAddress?: string;
  hostPort: number;
  guestPort: number;
}

export type NetdevSpec =
  | { kind: 'user'; hostForwards?: readonly HostForward[]; /** e.g. 10.0.2.0/24 */ net?: string }
  | { kind: 'tap'; ifname: string; /** vhost-net (virtio-net only; needs KVM). */ vhost?: boolean }
  | { kind: 'socket'; mode: 'listen' | 'connect'; address: string; port: number }
  /**
   * A virtual cable between two QEMUs on one machine: datagrams between two unix sockets, each
   * QEMU binding its own path and sending to the other's. Neither waits for the other to start.
   */
  | { kind: 'dgram'; localPath: string; remotePath: string };

/** The emulated NIC: the e1000 baseline, or virtio-net. */
export interface NicSpec {
  model: 'e1000' | 'virtio-net-pci';
  /** Used as the netdev id and (with `nic` appended) the device id. Default `net0`. */
  id?: string;
  mac?: string;
  netdev: NetdevSpec;
}

function hostForwardArg(f: HostForward, i: number): string {
  const field = `nic.netdev.hostForwards[${i}]`;
  const address = checkIpv4(`${field}.hostAddress`, f.hostAddress ?? '127.0.0.1');
  const hostPort = checkInt(`${field}.hostPort`, f.hostPort, 1, 65535);
  const guestPort = checkInt(`${field}.guestPort`, f.guestPort, 1, 65535);
  return `hostfwd=${f.protocol ?? 'tcp'}:${address}:${hostPort}-:${guestPort}`;
}

function checkCidr(field: string, value: string): string {
  const [address = '', bits = '', ...rest] = value.split('/');
  checkIpv4(field, address);
  checkInt(`${field} prefix length`, rest.length === 0 && /^\d{1,2}$/.test(bits) ? Number(bits) : Number.NaN, 1, 30);
  return value;
}

export function netdevArg(id: string, n: NetdevSpec): string {
  switch (n.kind) {
    case 'user': {
      const parts = ['user', `id=${id}`];
      if (n.net !== undefined) parts.push(`net=${checkCidr('nic.netdev.net', n.net)}`);
      (n.hostForwards ?? []).forEach((f, i) => parts.push(hostForwardArg(f, i)));
      return parts.join(',');
    }
    case 'tap':
      // script=no: passbench sets the tap up itself; QEMU must never run /etc/qemu-ifup as root.
      return `tap,id=${id},ifname=${checkName('nic.netdev.ifname', n.ifname)},script=no,downscript=no${n.vhost ? ',vhost=on' : ''}`;
    case 'socket': {
      const address = checkIpv4('nic.netdev.address', n.address);
      const port = checkInt('nic.netdev.port', n.port, 1, 65535);
      return `socket,id=${id},${n.mode}=${address}:${port}`;
    }
    case 'dgram':
      return `dgram,id=${id},local.type=unix,local.path=${checkPath('nic.netdev.localPath', n.localPath)},remote.type=unix,remote.path=${checkPath('nic.netdev.remotePath', n.remotePath)}`;
  }
}

/** `-netdev …` and `-device …` for one emulated NIC (no option ROM: it only slows boot). */
export function nicArgs(nic: NicSpec): string[] {
  const id = checkName('nic.id', nic.id ?? 'net0');
  const device = [nic.model, `netdev=${id}`, `id=${id}nic`];
  if (nic.mac !== undefined) device.push(`mac=${checkMac('nic.mac', nic.mac)}`);
  device.push('romfile=');
  return ['-netdev', netdevArg(id, nic.netdev), '-device', device.join(',')];
}
