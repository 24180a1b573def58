import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Pace } from '../wait/index.ts';
import { iperf3Version } from './iperf3.ts';
import { parsePingOutput } from './ping-output.ts';

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

/** A guest that cannot reach its peer: the measurement would only say that iperf3 never connected. */
export class PeerUnreachableError extends PassbenchError {}

const REACH_PINGS = 3;
/** Seconds between them: ping's default 1 s made this check 2 s of each case; 0.2 s is the least ping allows a non-root user. */
const REACH_INTERVAL_S = 0.2;

/**
 * From inside a guest, before it measures: the peer answers pings on the test network. Returns the
 * median round trip; throws PeerUnreachableError naming both ends when no reply comes.
 */
export async function checkReachable(guest: Host, o: { guest: string; guestAddress: string; peerAddress: string; pace: Pace }): Promise<{ replies: number; rttMs: number }> {
  const argv = ['ping', '-c', String(REACH_PINGS), '-i', String(REACH_INTERVAL_S), '-W', '2', o.peerAddress];
  const what = `guest ${o.guest} (${o.guestAddress}) cannot reach the peer ${o.peerAddress} on the test network`;
  const remedy = `Check the path between them: the cabling or switch port (and VLAN), both addresses in one subnet, the peer's test port up; from the guest's console or \`ping ${o.peerAddress}\` inside it.`;
  let out;
  try {
    const r = await guest.run(argv, { allowFailure: true, timeoutMs: o.pace.scaled((REACH_PINGS * REACH_INTERVAL_S + 2 + 5) * 1000).ms });
    if (r.exitCode === 127) {
      throw new PassbenchError(`guest ${o.guest} has no ping (${r.stderr.trim()})`, { remedy: 'The guest image must provide ping (busybox or iputils-ping): it checks the peer and measures latency.' });
    }
    out = parsePingOutput(r.stdout);
  } catch (error) {
    if (error instanceof PassbenchError) throw error;
    throw new PeerUnreachableError(`${what}: ${errorMessage(error)}`, { cause: error, remedy });
  }
  if (out.received === 0) throw new PeerUnreachableError(`${what}: ${out.transmitted} pings, no reply`, { remedy });
  const sorted = [...out.rttS].sort((a, b) => a - b);
  return { replies: out.received, rttMs: (sorted[Math.floor(sorted.length / 2)] ?? 0) * 1000 };
}
