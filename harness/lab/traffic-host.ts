import { join } from 'node:path';
import type { Host } from '../host/host.ts';
import { SshHost } from '../host/ssh-host.ts';
import { makeGuestKeys } from '../guest/guest-keys.ts';
import { PassbenchError } from '../errors.ts';
import { accelArgs, fwCfgArgs, type FwCfgFile } from '../vm/qemu-args.ts';
import { bootArgs } from '../vm/boot-args.ts';
import { nicArgs } from '../vm/nic-args.ts';
import { checkInt, checkPath } from '../vm/qemu-values.ts';
import { GUEST_APPEND } from '../guest/guest-append.ts';
import { macForAddress } from '../guest/guest-mac.ts';

/**
 * The virtual lab's traffic host: a second, small machine beside the lab host, standing in for the
 * traffic generator or second server a real lab cables to its NIC (issue 13). It runs passbench's
 * guest image (busybox, dropbear with sftp-server, iperf3, tc) at the first level, from the
 * controller's image cache, with one port on the lab host's test hub through a virtual cable
 * (QEMU datagram sockets) and a management port (user-net, SSH on a loopback port). Its keys are
 * made for each `lab up`; lab.yaml pins its host key and names it `role: peer`.
 */
export const TRAFFIC_HOST_ADDRESS = '10.0.3.11';
const MEMORY_MIB = 256;

export interface TrafficHostPaths {
  /** 0700: keys for fw_cfg, serial log, pid file, the cable's sockets. */
  dir: string;
  pidFile: string;
  serialLog: string;
  /** The cable's two ends: the lab QEMU binds `lab`, the traffic host's QEMU binds `traffic`. */
  cable: { lab: string; traffic: string };
}

export function trafficHostPaths(labDir: string): TrafficHostPaths {
  const dir = join(labDir, 'traffic');
  return { dir, pidFile: join(dir, 'qemu.pid'), serialLog: join(dir, 'serial.log'), cable: { lab: join(dir, 'cable-lab.sock'), traffic: join(dir, 'cable-traffic.sock') } };
}

export interface TrafficHostArgs {
  qemu?: string;
  accel: 'kvm' | 'tcg';
  /** passbench's guest kernel (the uncompressed vmlinux: PVH boot) and initramfs, controller paths. */
  kernel: string;
  initrd: string;
  /** 127.0.0.1 port forwarded to its SSH. */
  sshPort: number;
  paths: TrafficHostPaths;
  fwCfg: readonly FwCfgFile[];
}

/** The traffic host's QEMU command line (argv, no shell); daemonized with a pid file. Pure. */
export function trafficHostQemuArgs(o: TrafficHostArgs): string[] {
  return [
    o.qemu ?? 'qemu-system-x86_64',
    '-name', 'passbench-traffic',
    '-machine', 'q35',
    ...accelArgs(o.accel),
    '-m', String(MEMORY_MIB), '-smp', '1',
    '-nodefaults', '-no-user-config', '-display', 'none',
    ...bootArgs({ kind: 'kernel', kernel: o.kernel, initrd: o.initrd, append: GUEST_APPEND, firmware: o.accel === 'tcg' ? 'qboot' : 'seabios' }),
    // In PCI order: eth0 on the cable (the test network), eth1 for management.
    ...nicArgs({ model: 'virtio-net-pci', id: 'test', mac: macForAddress(TRAFFIC_HOST_ADDRESS), netdev: { kind: 'dgram', localPath: o.paths.cable.traffic, remotePath: o.paths.cable.lab } }),
    ...nicArgs({ model: 'virtio-net-pci', id: 'mgmt', netdev: { kind: 'user', net: '10.0.2.0/24', hostForwards: [{ hostPort: checkInt('sshPort', o.sshPort, 1, 65535), guestPort: 22 }] } }),
    ...fwCfgArgs(o.fwCfg),
    '-serial', `file:${checkPath('serialLog', o.paths.serialLog)}`,
    '-monitor', 'none',
    '-pidfile', checkPath('pidFile', o.paths.pidFile), '-daemonize',
  ];
}

export interface StartedTrafficHost {
  pid: number;
  port: number;
  /** Controller path of its client key, and its host key line: what lab.yaml pins. */
  identityFile: string;
  hostKey: string;
}

/**
 * Makes its keys and starts its QEMU (daemonized: it outlives `lab up`, like the lab host), before
 * or after the lab QEMU: each end of the cable binds its own socket and neither waits for the other.
 */
export async function startTrafficHost(controller: Host, o: { labDir: string; accel: 'kvm' | 'tcg'; kernel: string; initrd: string; sshPort: number }): Promise<StartedTrafficHost> {
  const paths = trafficHostPaths(o.labDir);
  const keys = await makeGuestKeys(controller, controller, {
    name: 'traffic', localDir: o.labDir, remoteDir: paths.dir,
    net: [`eth0 ${TRAFFIC_HOST_ADDRESS}/24`, 'eth1 10.0.2.15/24 10.0.2.2'],
  });
  // QEMU leaves its socket behind, and binding one that exists fails. The lab's end is the lab QEMU's.
  for (const f of [paths.pidFile, paths.serialLog, paths.cable.traffic]) await controller.remove(f);
  const argv = trafficHostQemuArgs({ accel: o.accel, kernel: o.kernel, initrd: o.initrd, sshPort: o.sshPort, paths, fwCfg: keys.fwCfg });
  const started = await controller.run(argv, { timeoutMs: 60_000, allowFailure: true });
  if (started.exitCode !== 0) {
    throw new PassbenchError(`the lab's traffic host did not start (QEMU exit ${started.exitCode}): ${started.stderr.trim().split('\n').slice(-3).join(' / ')}`, {
      remedy: `Check the QEMU message above; its serial log is ${paths.serialLog}.`,
    });
  }
  const pid = Number((await controller.readFile(paths.pidFile)).trim());
  return { pid, port: o.sshPort, identityFile: keys.identityFile, hostKey: keys.hostKey };
}

/** An SSH session to the started traffic host, its host key pinned (the caller closes it). */
export function connectTrafficHost(t: StartedTrafficHost): Promise<SshHost> {
  return SshHost.connect({ address: '127.0.0.1', port: t.port, user: 'root', identityFile: t.identityFile, hostKey: t.hostKey });
}
