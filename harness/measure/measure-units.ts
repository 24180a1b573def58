/**
 * The units of work measureMode repeats: each runs one measurement on the guest's path to the peer
 * and returns its figures as metric values (SI units, names as in CONTRACTS.md). `primary` is the
 * figure whose precision decides when to stop repeating.
 */
import type { Host } from '../host/host.ts';
import type { Figure } from './figure.ts';
import { runHttpLoad, type HttpTarget, type Tunnel } from './http-load.ts';
import { runIperf3, type Iperf3Result } from './iperf3.ts';
import { measureLatency, measureLoadedLatency, type LatencyResult } from './latency.ts';
import { percentOfLineRate } from './line-rate.ts';
import type { Pace } from '../wait/index.ts';

export type TestName = 'tcp' | 'udp' | 'latency' | 'http';

export interface UnitResult {
  figures: Figure[];
  labels: Record<string, string>;
}

export interface UnitSetup {
  guestHost: Host;
  peerHost: Host;
  peerAddress: string;
  guestAddress: string;
  durationS: number;
  omitS: number;
  streams: number;
  udpBitrateBps: number;
  iperfPort: number;
  lineRateBps?: number;
  pingCommand?: readonly string[];
  pingCount: number;
  httpConnections: number;
  /** HTTP runs until this many requests are answered instead of for durationS (runHttpLoad's requests). */
  httpRequests?: number;
  httpUrl?: string;
  /** Scales every tool's deadline: the run's pace, then what this unit's warm-up showed. */
  pace: Pace;
  signal?: AbortSignal;
}

/** Keeps a tool's raw output (iperf3 JSON, ping text) for this repetition; resolves to its path, if kept. */
export type SaveRaw = (kind: string, content: string) => Promise<string | undefined>;

export interface MeasureUnit {
  /** e.g. tcp.tx, latency.load: named in logs and errors. */
  name: string;
  /** The test that selects it. */
  test: TestName;
  /**
   * Warmed up even when only the guest's first test is (warmup 'first'): its path starts cold
   * whatever ran before it.
   */
  ownWarmup?: boolean;
  primary: string;
  /** How long one run takes by its settings (-t and -O, ping count × interval …): the warm-up's pace is measured against it. */
  nominalMs(setup: UnitSetup): number;
  run(setup: UnitSetup, save: SaveRaw): Promise<UnitResult>;
}

const iperfNominalMs = (s: UnitSetup) => (s.durationS + s.omitS) * 1000;
/** measureLatency's default interval between echo requests. */
const PING_INTERVAL_MS = 200;

/** labels.raw: the kept raw outputs' paths, comma-separated (absent when nothing was kept). */
async function rawLabel(save: SaveRaw, items: readonly [kind: string, content: string][]): Promise<Record<string, string>> {
  const paths = (await Promise.all(items.map(([kind, content]) => save(kind, content)))).filter((p): p is string => !!p);
  return paths.length ? { raw: paths.join(',') } : {};
}

const higher = 'higher-is-better' as const;
const lower = 'lower-is-better' as const;

function iperfFigures(prefix: string, direction: 'tx' | 'rx', r: Iperf3Result, lineRateBps?: number): Figure[] {
  const figures: Figure[] = [
    { metric: `${prefix}.${direction}.throughput`, unit: 'bit/s', direction: higher, value: r.bitsPerSecond },
    // The guest is the client: its CPU is iperf3's host_total, the peer's is remote_total.
    { metric: `cpu.guest.${prefix === 'tcp' ? '' : 'udp.'}${direction}`, unit: '%', direction: lower, value: r.cpuLocal },
    { metric: `cpu.peer.${prefix === 'tcp' ? '' : 'udp.'}${direction}`, unit: '%', direction: lower, value: r.cpuRemote },
  ];
  if (r.retransmits !== undefined) figures.push({ metric: `${prefix}.${direction}.retransmits`, unit: 'count', direction: lower, value: r.retransmits });
  if (r.lostPercent !== undefined) figures.push({ metric: `${prefix}.${direction}.loss`, unit: '%', direction: lower, value: r.lostPercent });
  if (r.jitterS !== undefined) figures.push({ metric: `${prefix}.${direction}.jitter`, unit: 's', direction: lower, value: r.jitterS });
  if (prefix === 'tcp' && lineRateBps) {
    figures.push({ metric: `tcp.${direction}.line_rate`, unit: '%', direction: higher, value: percentOfLineRate(r.bitsPerSecond, lineRateBps) });
  }
  return figures;
}

function iperfUnit(protocol: 'tcp' | 'udp', direction: 'tx' | 'rx'): MeasureUnit {
  return {
    name: `${protocol}.${direction}`,
    test: protocol,
    primary: `${protocol}.${direction}.throughput`,
    nominalMs: iperfNominalMs,
    async run(s, save) {
      const json: [string, string][] = [];
      // tx = guest → peer: the guest is the client; rx = peer → guest: the same pair with -R.
      const r = await runIperf3(s.guestHost, s.peerHost, s.peerAddress, {
        protocol, reverse: direction === 'rx', streams: s.streams, durationS: s.durationS, omitS: s.omitS,
        udpBitrate: protocol === 'udp' ? s.udpBitrateBps : undefined, port: s.iperfPort, pace: s.pace, signal: s.signal,
        onJson: (text, i) => json.push([`iperf3-${i}.json`, text]),
      });
      return {
        figures: iperfFigures(protocol, direction, r, s.lineRateBps),
        labels: { tool: r.version, streams: String(s.streams), peer: s.peerAddress, durationS: String(r.seconds.toFixed(3)),
          ...(protocol === 'udp' ? { targetBitrate: String(s.udpBitrateBps) } : {}), ...await rawLabel(save, json) },
      };
    },
  };
}

function latencyFigures(kind: 'idle' | 'load', l: LatencyResult): Figure[] {
  return [
    ...(['p50', 'p90', 'p99'] as const).map((p) => ({ metric: `latency.${kind}.${p}`, unit: 's' as const, direction: lower, value: l[p] })),
    { metric: `latency.${kind}.loss`, unit: '%', direction: lower, value: l.lossPercent },
  ];
}

/**
 * Idle pings last as long as any other measurement (durations.measureS) and at most pingCount:
 * 50 pings over the default 10 s, 15 over the virtual lab's 3 s (where 50 cost 12 s a
 * repetition, the longest unit but HTTP). At least 3, for a median.
 */
const idlePings = (s: UnitSetup) => Math.max(3, Math.min(s.pingCount, Math.floor((s.durationS * 1000) / PING_INTERVAL_MS)));

const latencyIdle: MeasureUnit = {
  name: 'latency.idle',
  test: 'latency',
  primary: 'latency.idle.p50',
  nominalMs: (s) => idlePings(s) * PING_INTERVAL_MS,
  async run(s, save) {
    const l = await measureLatency(s.guestHost, s.peerAddress, { count: idlePings(s), pingCommand: s.pingCommand, pace: s.pace, signal: s.signal });
    return {
      figures: latencyFigures('idle', l),
      labels: { peer: s.peerAddress, replies: `${l.received}/${l.transmitted}`, ...await rawLabel(save, [['ping.txt', l.output]]) },
    };
  },
};

const latencyLoad: MeasureUnit = {
  name: 'latency.load',
  test: 'latency',
  primary: 'latency.load.p50',
  nominalMs: iperfNominalMs,
  async run(s, save) {
    const { latency, load } = await measureLoadedLatency(s.guestHost, s.peerAddress, {
      count: s.pingCount, pingCommand: s.pingCommand, pace: s.pace, signal: s.signal,
      load: { client: s.guestHost, server: s.peerHost, serverAddress: s.peerAddress,
        options: { durationS: s.durationS, omitS: s.omitS, streams: s.streams, port: s.iperfPort } },
    });
    return {
      figures: latencyFigures('load', latency),
      labels: {
        peer: s.peerAddress, replies: `${latency.received}/${latency.transmitted}`, load: `iperf3 tcp guest→peer ${Math.round(load.bitsPerSecond)} bit/s`,
        ...await rawLabel(save, [['ping.txt', latency.output]]),
      },
    };
  },
};

function hasTunnel(host: Host): host is Host & Tunnel {
  return typeof (host as Partial<Tunnel>).forwardOut === 'function';
}

const http: MeasureUnit = {
  name: 'http',
  test: 'http',
  // Its first requests open SSH channels through the lab host and start the guest's web server:
  // under nested TCG and load, a cold first repetition saw every request time out.
  ownWarmup: true,
  primary: 'http.rate',
  // By request count nothing is nominal: what an idle host's loopback takes (~0.1 s a request).
  nominalMs: (s) => (s.httpRequests ? s.httpRequests * 100 : s.durationS * 1000),
  async run(s) {
    const target: HttpTarget = s.httpUrl ? { url: s.httpUrl }
      : hasTunnel(s.guestHost) ? { ssh: s.guestHost, port: 80 }
        : { url: `http://${s.guestAddress.includes(':') ? `[${s.guestAddress}]` : s.guestAddress}:80/` };
    const r = await runHttpLoad(target, { durationS: s.durationS, requests: s.httpRequests, connections: s.httpConnections, pace: s.pace, signal: s.signal });
    return {
      figures: [
        { metric: 'http.rate', unit: 'req/s', direction: higher, value: r.requestsPerSecond },
        ...(['p50', 'p90', 'p99'] as const).map((p) => ({ metric: `http.latency.${p}`, unit: 's' as const, direction: lower, value: r[p] })),
      ],
      labels: { path: r.path, target: r.target, connections: String(s.httpConnections), errors: String(r.errors), non2xx: String(r.non2xx),
        ...(s.httpRequests ? { requests: String(s.httpRequests) } : {}), durationS: r.durationS.toFixed(3) },
    };
  },
};

/** The units each selected test runs, in order. */
export function unitsFor(tests: readonly TestName[]): MeasureUnit[] {
  const byTest: Record<TestName, MeasureUnit[]> = {
    tcp: [iperfUnit('tcp', 'tx'), iperfUnit('tcp', 'rx')],
    udp: [iperfUnit('udp', 'tx'), iperfUnit('udp', 'rx')],
    latency: [latencyIdle, latencyLoad],
    http: [http],
  };
  return tests.flatMap((t) => {
    const units = byTest[t];
    if (!units) throw new RangeError(`unknown test ${JSON.stringify(t)}: expected tcp, udp, latency or http`);
    return units;
  });
}
