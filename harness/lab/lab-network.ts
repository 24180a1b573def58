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
export async function findLabNics(lab: Host): Promise<LabNics> {
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
