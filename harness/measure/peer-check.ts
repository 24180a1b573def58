import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { iperf3Version } from './iperf3.ts';

/** What a traffic peer showed when it was first reached: for the case's `peer` check. */
export interface PeerFacts {
  /** e.g. "iperf 3.12". */
  iperf3: string;
  /** The interface that carries the peer address. */
  iface: string;
}

/**
 * The peer runs the iperf3 servers and answers the pings: it must have iperf3 and own the address
 * the guests send to. Either one missing would otherwise show up minutes later as an iperf3 that
 * never connects. Read-only.
 */
export async function checkPeer(peer: Host, name: string, address: string): Promise<PeerFacts> {
  const version = await iperf3Version(peer);
  const listing = await peer.run(['ip', '-4', '-o', 'addr', 'show']);
  // "2: eth0    inet 10.0.3.11/24 brd 10.0.3.255 scope global eth0\ …"
  const rows = listing.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[2] === 'inet' && f[3]);
  const iface = rows.find((f) => f[3]!.split('/')[0] === address)?.[1];
  if (iface) return { iperf3: version.text, iface };
  const has = rows.map((f) => f[3]!).filter((a) => !a.startsWith('127.'));
  throw new PassbenchError(`peer ${name} does not have the peer address ${address} (it has ${has.join(', ') || 'no IPv4 address but loopback'})`, {
    remedy: `Give the peer's test-network address in peer: { host: ${name}, address: … }, or add ${address} to its test port (ip addr add ${address}/24 dev IFACE).`,
  });
}
