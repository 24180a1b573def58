import type { Host } from '../host/host.ts';
import { PassbenchError } from '../errors.ts';
import type { Bdf } from '../pci/bdf.ts';

/** The peer endpoint on the lab host's e1000e (hub 1): iperf3 servers and ping target. */
export const LAB_PEER_ADDRESS = '10.0.3.10';
/** Nested guests on hub 1: whole-NIC guest, VF guest i = 31+i (CONTRACTS.md). */
export const WHOLE_NIC_GUEST_ADDRESS = '10.0.3.21/24';
export const vfGuestAddress = (i: number): string => `10.0.3.${31 + i}/24`;


export interface LabNics {
  /** igb PFs in PCI order: [0] keeps VFs, [1] is passed through whole. */
  igbPfs: Bdf[];
  /** The e1000e peer port and its interface. */
  peer: Bdf;
  peerIface: string;
}

/** Finds the lab's NICs by PCI id (8086:10c9 igb PF, 8086:10d3 e1000e). */
export async function findLabNics(lab: Pick<Host, 'run' | 'name'>): Promise<LabNics> {
  const out = (await lab.run(['sh', '-c', 'for d in /sys/bus/pci/devices/*; do echo "${d##*/} $(cat $d/vendor):$(cat $d/device) $(ls $d/net 2>/dev/null | head -n1)"; done'])).stdout;
  const rows = out.trim().split('\n').map((l) => l.split(' '));
  const igbPfs = rows.filter((r) => r[1] === '0x8086:0x10c9').map((r) => r[0] as Bdf).sort();
  const peer = rows.find((r) => r[1] === '0x8086:0x10d3');
  if (igbPfs.length < 2 || !peer) {
    throw new PassbenchError(`lab host ${lab.name} has igb PFs [${igbPfs.join(', ')}] and e1000e ${peer?.[0] ?? 'none'}; expected two igb PFs and an e1000e`, {
      remedy: 'Start the lab with the current passbench (`passbench lab down && passbench lab up`): it adds a second igb.',
    });
  }
  return { igbPfs, peer: peer[0] as Bdf, peerIface: peer[2] ?? '' };
}

/**
 * Makes sure the peer endpoint is up with 10.0.3.10/24 in the lab host's root namespace and the igb
 * PFs are up (a test that moved the e1000e into a namespace and back leaves it without address).
 */
export async function ensureLabPeer(lab: Host): Promise<LabNics> {
  const nics = await findLabNics(lab);
  const iface = (await lab.run(['ls', `/sys/bus/pci/devices/${nics.peer}/net`], { allowFailure: true })).stdout.trim().split('\n')[0];
  if (!iface) throw new PassbenchError(`the e1000e ${nics.peer} has no interface in the lab host's root namespace`);
  const addrs = (await lab.run(['ip', '-4', '-o', 'addr', 'show', 'dev', iface])).stdout;
  if (!addrs.includes(`${LAB_PEER_ADDRESS}/24`)) await lab.run(['ip', 'addr', 'add', `${LAB_PEER_ADDRESS}/24`, 'dev', iface]);
  await lab.run(['ip', 'link', 'set', iface, 'up']);
  for (const pf of nics.igbPfs) {
    const pfIface = (await lab.run(['ls', `/sys/bus/pci/devices/${pf}/net`], { allowFailure: true })).stdout.trim().split('\n')[0];
    if (pfIface) await lab.run(['ip', 'link', 'set', pfIface, 'up']);
  }
  return { ...nics, peerIface: iface };
}

const TC = '/usr/sbin/tc';

/** Highest --peer-rate: the lab's emulated wire does not get near 10 Gbit/s anyway. */
export const MAX_PEER_RATE_MBIT = 10_000;

/** A peer rate limitPeerRate takes: above 0, at most MAX_PEER_RATE_MBIT. */
export const isPeerRate = (mbit: number): boolean => mbit > 0 && mbit <= MAX_PEER_RATE_MBIT;

/**
 * Caps what the lab's peer sends to the guests (tcp.rx, udp.rx) at `mbit` Mbit/s with a token
 * bucket on its port's egress, or lifts the cap (undefined). A change made on purpose: a wire that
 * got slower from one night on, for the night verdict and `passbench changes` to find. Under the
 * cap the figure is the cap's, not TCG's, so the nights before the step are steady too.
 */
export async function limitPeerRate(lab: Pick<Host, 'run' | 'name'>, mbit: number | undefined): Promise<void> {
  checkPeerRate(mbit);
  const { peerIface } = await findLabNics(lab);
  if (!peerIface) throw new PassbenchError(`lab host ${lab.name}: the e1000e peer port has no interface in the root namespace`);
  await limitRate(lab, peerIface, mbit);
}

function checkPeerRate(mbit: number | undefined): void {
  if (mbit !== undefined && !isPeerRate(mbit)) throw new PassbenchError(`peer rate ${mbit} Mbit/s: expected more than 0 and at most ${MAX_PEER_RATE_MBIT}`, { remedy: `Give lab up --peer-rate a number of Mbit/s in that range (e.g. 3), or leave it out for an uncapped peer.` });
}

/**
 * The same cap on any port of a host that has iproute2's tc (the lab's traffic host: its eth0). By
 * its path: a bare `tc` in busybox's shell (the traffic host's) is busybox's own applet, with no tbf.
 */
export async function limitRate(host: Pick<Host, 'run'>, iface: string, mbit: number | undefined): Promise<void> {
  checkPeerRate(mbit);
  if (mbit === undefined) {
    await host.run([TC, 'qdisc', 'del', 'dev', iface, 'root'], { allowFailure: true });
    return;
  }
  // burst: 10 ms of traffic, at least 16 KiB. The bucket must hold a timer tick's worth (rate / HZ,
  // 4 ms at HZ 250) to reach the rate, and no more than that by much: a 3 s test at 3 Mbit/s would
  // otherwise get its first 64 KiB at once (+6 %). latency: how long a packet may queue before the drop.
  const burstBytes = Math.max(16 * 1024, Math.round((mbit * 1e6 / 8) * 0.010));
  await host.run([TC, 'qdisc', 'replace', 'dev', iface, 'root', 'tbf', 'rate', `${Math.round(mbit * 1000)}kbit`, 'burst', String(burstBytes), 'latency', '100ms']);
}
