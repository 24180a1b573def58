/**
 * Parses the JSON that `iperf3 -c … -J` prints (field names as in iperf3 3.12, Debian bookworm;
 * later versions keep them). One result per client process; {@link sumIperf3Results} adds up
 * several processes run side by side (iperf3 < 3.16 is single-threaded, see iperf3.ts).
 *
 *   end.sum_sent / end.sum_received   TCP and UDP: bits_per_second of each side; TCP's sum_sent
 *                                     carries the sender's retransmits (the server's with -R)
 *   end.sum_received (UDP)            the receiver's jitter_ms, lost_packets, packets, lost_percent;
 *                                     its loss counts only gaps below the highest sequence number
 *                                     seen, so a receiver flooded into seeing 1 datagram says 0 %:
 *                                     end.sum_sent.packets (what was sent) is the check on it
 *   end.cpu_utilization_percent       host_total (this client) and remote_total (the server), in %
 *                                     of one CPU over the test
 *   error                             set instead of results when the test failed (exit code is 0!)
 */
import { PassbenchError } from '../errors.ts';

export interface Iperf3Result {
  protocol: 'tcp' | 'udp';
  /** -R: the server sent and the client received. */
  reverse: boolean;
  streams: number;
  /** Measured seconds (after the omitted ones). */
  seconds: number;
  /** The figure to report: the receiver's rate (TCP goodput; UDP what arrived), bit/s. */
  bitsPerSecond: number;
  senderBitsPerSecond: number;
  receiverBitsPerSecond: number;
  /** TCP only: segments the sender retransmitted. */
  retransmits?: number;
  /** UDP only: the receiver's jitter, seconds. */
  jitterS?: number;
  /** UDP only: datagrams lost, % of those sent (of the sender's count when the JSON has it). */
  lostPercent?: number;
  lostPackets?: number;
  packets?: number;
  /** CPU use of the client process (% of one CPU). */
  cpuLocal: number;
  /** CPU use of the server process (% of one CPU), as the server reported it. */
  cpuRemote: number;
  /** e.g. "iperf 3.12". */
  version: string;
}

/** iperf3 reported an error in its JSON (it still exits 0 with -J in 3.12). */
export class Iperf3Error extends PassbenchError {
  constructor(readonly iperfError: string, context: string, remedy?: string) {
    super(`${context || 'iperf3 '}failed: ${iperfError}`, { remedy });
  }
}

type Json = Record<string, unknown>;

function field(object: Json, path: string, key: string): unknown {
  if (!(key in object)) throw new Iperf3Error(`its JSON has no ${path}.${key}`, '', 'Use iperf3 3.x with -J; the output may be truncated.');
  return object[key];
}

function objectAt(object: Json, path: string, key: string): Json {
  const value = field(object, path, key);
  if (typeof value !== 'object' || value === null) throw new Iperf3Error(`${path}.${key} is not an object`, '');
  return value as Json;
}

function numberAt(object: Json, path: string, key: string): number {
  const value = field(object, path, key);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Iperf3Error(`${path}.${key} is ${JSON.stringify(value)}, expected a number`, '');
  return value;
}

export function parseIperf3Json(text: string): Iperf3Result {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (error) {
    throw new Iperf3Error(`its output is not JSON (${(error as Error).message}): ${text.slice(0, 200)}`, '', 'Run iperf3 with -J.');
  }
  if (typeof root.error === 'string') throw new Iperf3Error(root.error, '');
  const start = objectAt(root, '', 'start');
  const end = objectAt(root, '', 'end');
  const test = objectAt(start, 'start', 'test_start');
  const protocol = String(field(test, 'start.test_start', 'protocol')).toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw new Iperf3Error(`start.test_start.protocol is ${protocol}, expected TCP or UDP`, '');
  const sent = objectAt(end, 'end', 'sum_sent');
  const received = objectAt(end, 'end', 'sum_received');
  const cpu = objectAt(end, 'end', 'cpu_utilization_percent');
  const result: Iperf3Result = {
    protocol,
    reverse: numberAt(test, 'start.test_start', 'reverse') !== 0,
    streams: numberAt(test, 'start.test_start', 'num_streams'),
    seconds: numberAt(received, 'end.sum_received', 'seconds'),
    senderBitsPerSecond: numberAt(sent, 'end.sum_sent', 'bits_per_second'),
    receiverBitsPerSecond: numberAt(received, 'end.sum_received', 'bits_per_second'),
    bitsPerSecond: numberAt(received, 'end.sum_received', 'bits_per_second'),
    cpuLocal: numberAt(cpu, 'end.cpu_utilization_percent', 'host_total'),
    cpuRemote: numberAt(cpu, 'end.cpu_utilization_percent', 'remote_total'),
    version: String(start.version ?? 'iperf3 (unknown version)'),
  };
  if (protocol === 'tcp') {
    result.retransmits = numberAt(sent, 'end.sum_sent', 'retransmits');
  } else {
    result.jitterS = numberAt(received, 'end.sum_received', 'jitter_ms') / 1000;
    const seen = numberAt(received, 'end.sum_received', 'packets');
    const lost = numberAt(received, 'end.sum_received', 'lost_packets');
    const sentPackets = typeof sent.packets === 'number' && sent.packets > seen ? sent.packets : undefined;
    if (sentPackets === undefined) {
      result.packets = seen;
      result.lostPackets = lost;
      result.lostPercent = numberAt(received, 'end.sum_received', 'lost_percent');
    } else {
      // Datagrams sent that never arrived, also those after the last one the receiver saw.
      result.packets = sentPackets;
      result.lostPackets = sentPackets - (seen - lost);
      result.lostPercent = (100 * result.lostPackets) / sentPackets;
    }
  }
  return result;
}

/**
 * Several iperf3 processes measured side by side, as one figure: rates, retransmits, lost and
 * sent datagrams and CPU use add up (CPU as % of one CPU, so 2 processes can show 150 %); jitter
 * is the packet-weighted mean; the duration is the shortest one's.
 */
export function sumIperf3Results(results: readonly Iperf3Result[]): Iperf3Result {
  const [first, ...rest] = results;
  if (!first) throw new RangeError('sumIperf3Results: no results');
  if (rest.length === 0) return first;
  const total = (pick: (r: Iperf3Result) => number | undefined) => results.reduce((sum, r) => sum + (pick(r) ?? 0), 0);
  const summed: Iperf3Result = {
    ...first,
    streams: total((r) => r.streams),
    seconds: Math.min(...results.map((r) => r.seconds)),
    bitsPerSecond: total((r) => r.bitsPerSecond),
    senderBitsPerSecond: total((r) => r.senderBitsPerSecond),
    receiverBitsPerSecond: total((r) => r.receiverBitsPerSecond),
    cpuLocal: total((r) => r.cpuLocal),
    cpuRemote: total((r) => r.cpuRemote),
  };
  if (first.protocol === 'tcp') {
    summed.retransmits = total((r) => r.retransmits);
  } else {
    const packets = total((r) => r.packets);
    const lost = total((r) => r.lostPackets);
    summed.packets = packets;
    summed.lostPackets = lost;
    summed.lostPercent = packets > 0 ? (100 * lost) / packets : 0;
    summed.jitterS = packets > 0 ? total((r) => (r.jitterS ?? 0) * (r.packets ?? 0)) / packets : first.jitterS;
  }
  return summed;
}
