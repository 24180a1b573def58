/**
 * Round-trip time percentiles from `ping -c N -i 0.2 -W 1 ADDR` run on a host (a guest's busybox
 * ping or a host's iputils ping): idle, or while a TCP iperf3 loads the same path ("under load").
 */
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { runIperf3, type Iperf3Options, type Iperf3Result } from './iperf3.ts';
import { parsePingOutput } from './ping-output.ts';
import { MeasurementAbortedError, deadline, throwIfAborted, withProcessGroup } from './processes.ts';
import { Pace, delay } from '../wait/index.ts';
import { percentile } from '../stats/descriptive.ts';

export { parsePingOutput, type PingOutput } from './ping-output.ts';

/** Beyond count × interval: starting ping (over SSH, in a guest) and its last reply's wait. */
const PING_SLACK_S = 15;

export interface LatencyOptions {
  /** Echo requests (default 50). */
  count?: number;
  /** Seconds between requests (default 0.2: the shortest iputils allows without root). */
  intervalS?: number;
  /** The ping command (default ['ping']; ['busybox', 'ping'] where no ping is installed). */
  pingCommand?: readonly string[];
  /** Scales the deadline (a nested TCG guest is slow at everything). Default: factor 1. */
  pace?: Pace;
  signal?: AbortSignal;
}

export interface LatencyResult {
  /** Seconds. */
  p50: number;
  p90: number;
  p99: number;
  lossPercent: number;
  transmitted: number;
  received: number;
  rttS: number[];
  /** ping's own output, to keep as an artifact. */
  output: string;
}

export async function measureLatency(host: Host, address: string, o: LatencyOptions = {}): Promise<LatencyResult> {
  const count = o.count ?? 50;
  const interval = o.intervalS ?? 0.2;
  const argv = [...(o.pingCommand ?? ['ping']), '-c', String(count), '-i', String(interval), '-W', '1', address];
  const what = `ping ${address} from ${host.name}`;
  throwIfAborted(o.signal, what);
  const output = await withProcessGroup(what, async (group) => {
    const ping = await group.spawn(host, argv);
    // Every request is sent within count × interval; busybox waits up to -W (1 s) after the last one.
    const limit = (o.pace ?? Pace.neutral()).scaled((count * interval + PING_SLACK_S) * 1000);
    const exit = await deadline(ping.process.exited, limit, what, o.signal);
    const text = ping.lines.join('\n');
    if (exit.exitCode === null) throw new PassbenchError(`${what} ended without an exit status (connection lost?): ${text.slice(-300)}`);
    return text;
  });
  let parsed;
  try {
    parsed = parsePingOutput(output);
  } catch (error) {
    throw new PassbenchError(`${what}: ${(error as Error).message}`, { remedy: `Check that ${argv[0]} exists on ${host.name} and may send ICMP (root or net.ipv4.ping_group_range).` });
  }
  if (parsed.rttS.length === 0) {
    throw new PassbenchError(`${what}: no replies (${parsed.transmitted} sent, ${parsed.lossPercent}% loss)`, {
      remedy: `Check the route from ${host.name} to ${address} and the link state of the interface under test.`,
    });
  }
  return {
    p50: percentile(parsed.rttS, 0.5), p90: percentile(parsed.rttS, 0.9), p99: percentile(parsed.rttS, 0.99),
    lossPercent: parsed.lossPercent, transmitted: parsed.transmitted, received: parsed.received, rttS: parsed.rttS, output,
  };
}

export interface LoadedLatencyOptions extends LatencyOptions {
  /** The load: a TCP iperf3 between these hosts over the same path (protocol forced to TCP). */
  load: { client: Host; server: Host; serverAddress: string; options: Omit<Iperf3Options, 'protocol' | 'signal'> };
}

/**
 * Ping while a TCP iperf3 runs: the ping starts once the omitted seconds are over and its count is
 * cut to end a second before iperf3 does, so every request travels under load.
 */
export async function measureLoadedLatency(
  host: Host, address: string, o: LoadedLatencyOptions,
): Promise<{ latency: LatencyResult; load: Iperf3Result }> {
  const durationS = o.load.options.durationS ?? 10;
  const omitS = o.load.options.omitS ?? 1;
  const interval = o.intervalS ?? 0.2;
  const count = Math.min(o.count ?? 50, Math.floor((durationS - 1) / interval));
  if (count < 3) throw new RangeError(`latency under load needs a load of at least ${1 + 3 * interval} s, got ${durationS} s`);
  const controller = new AbortController();
  const abort = () => controller.abort();
  o.signal?.addEventListener('abort', abort, { once: true });
  try {
    const load = runIperf3(o.load.client, o.load.server, o.load.serverAddress, { pace: o.pace, ...o.load.options, protocol: 'tcp', signal: controller.signal });
    // If the load fails first, stop the ping too.
    load.catch(abort);
    const ping = (async () => {
      await delay((omitS + 0.5) * 1000, controller.signal).catch(() => {
        throw new MeasurementAbortedError(`ping ${address} from ${host.name} under load`);
      });
      return measureLatency(host, address, { ...o, count, signal: controller.signal });
    })();
    ping.catch(abort);
    const [latency, loadResult] = await Promise.all([ping, load]);
    return { latency, load: loadResult };
  } finally {
    o.signal?.removeEventListener('abort', abort);
  }
}
