/**
 * The measurement suite for one guest: for each selected test, one warm-up (kept, marked
 * warmup=true; with ctx.warmup 'first', only for the first test and HTTP), then repetitions until
 * decideRepetition says the median is known precisely enough (within the policy's min/max). Every figure goes to ctx.onMeasurement the moment it is measured
 * (the scenario stamps it into a Sample with the run, host, mode and guest), so a
 * failure later keeps what was measured before it; the failure's error says which test and
 * repetition failed. ctx.signal aborts between and during repetitions (the running iperf3/ping
 * processes are killed). Deadlines follow ctx.pace until a unit's warm-up has run; from then on, how
 * long the latest warm-up took against its nominal length.
 */
import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { formatValue } from './format-value.ts';
import type { Measurement } from './figure.ts';
import { MeasurementAbortedError } from './processes.ts';
import { unitsFor, type MeasureUnit, type TestName, type UnitSetup } from './measure-units.ts';
import { decideRepetition, type RepetitionPolicy } from '../stats/descriptive.ts';
import { Pace } from '../wait/index.ts';

export type { TestName } from './measure-units.ts';
export type WarmupPolicy = 'each' | 'first';

export interface MeasureContext {
  /** The mode and guest measured: named in logs and errors. */
  mode: string;
  guest: string;
  /** Where the guest side runs (iperf3 client, ping): the guest over SSH. */
  guestHost: Host;
  /** Where the peer side runs (iperf3 servers): the lab host, owner of peerAddress. */
  peerHost: Host;
  peerAddress: string;
  guestAddress: string;
  tests: TestName[];
  policy: RepetitionPolicy;
  /** Seconds per iperf3 / HTTP run. */
  durationS: number;
  /**
   * Which tests get a warm-up [each]: every test, or only the guest's first (and HTTP, whose path
   * starts cold whatever ran before), the later ones starting with the guest warm and the latest
   * warm-up's pace (a slow emulated lab, where a warm-up costs as much as a repetition).
   */
  warmup?: WarmupPolicy;
  /** Scales the tools' deadlines until each unit's warm-up has measured its own pace. Default: factor 1. */
  pace?: Pace;
  /** Line rate for tcp.*.line_rate, bit/s (e.g. tcpGoodputBps(10e9, 1500)); no line-rate figure without it. */
  lineRateBps?: number;
  onMeasurement(m: Measurement): Promise<void>;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Optional knobs (defaults in brackets): iperf3 -O [1], streams [1], UDP rate [100 Mbit/s], first port [5201]. */
  omitS?: number;
  streams?: number;
  udpBitrateBps?: number;
  iperfPort?: number;
  /** Ping command in the guest [['ping']] and echo requests per latency run [50]. */
  pingCommand?: readonly string[];
  pingCount?: number;
  /** HTTP load connections (concurrent closed-loop workers) [10]; a direct URL instead of the SSH tunnel to guestAddress:80. */
  httpConnections?: number;
  /** HTTP by request count instead of durationS (see runHttpLoad's requests). */
  httpRequests?: number;
  httpUrl?: string;
  /**
   * Keeps a raw tool output (iperf3 JSON, ping text) under `name` (e.g. vf0.tcp.tx.r3.iperf3-0.json),
   * e.g. via RunWriter.artifactPath; the returned path goes into the samples' labels.raw.
   */
  saveArtifact?: (name: string, content: string) => Promise<string>;
  /** Clock for Sample.at (tests). */
  now?: () => Date;
}

/** A measurement failed part-way; the samples before it were delivered. */
export class MeasurementError extends PassbenchError {
  constructor(readonly unit: string, readonly repetition: number, readonly warmup: boolean, readonly samplesDelivered: number,
    guest: string, mode: string, cause: unknown) {
    super(`measurement ${unit} ${warmup ? 'warm-up' : `repetition ${repetition}`} failed for guest ${guest} (${mode}) `
      + `after ${samplesDelivered} samples were kept: ${errorMessage(cause)}`, {
      cause, remedy: cause instanceof PassbenchError ? cause.remedy : undefined,
    });
  }
}

export async function measureMode(ctx: MeasureContext): Promise<void> {
  const setup: UnitSetup = {
    guestHost: ctx.guestHost, peerHost: ctx.peerHost, peerAddress: ctx.peerAddress, guestAddress: ctx.guestAddress,
    durationS: ctx.durationS, omitS: ctx.omitS ?? 1, streams: ctx.streams ?? 1, udpBitrateBps: ctx.udpBitrateBps ?? 100e6,
    iperfPort: ctx.iperfPort ?? 5201, lineRateBps: ctx.lineRateBps, pingCommand: ctx.pingCommand, pingCount: ctx.pingCount ?? 50,
    httpConnections: ctx.httpConnections ?? 10, httpRequests: ctx.httpRequests, httpUrl: ctx.httpUrl, pace: ctx.pace ?? Pace.neutral(), signal: ctx.signal,
  };
  const delivered = { count: 0 };
  let pace = setup.pace;
  for (const { unit, warm } of unitPlan(ctx.tests, ctx.warmup)) pace = await repeatUnit(ctx, unit, { ...setup, pace }, warm, delivered);
}

/** The units `tests` run, in order, and which of them warm up first (measureMode's plan; the measure step's ETA counts it too). */
export function unitPlan(tests: readonly TestName[], warmup: WarmupPolicy = 'each'): { unit: MeasureUnit; warm: boolean }[] {
  return unitsFor(tests).map((unit, i) => ({ unit, warm: warmup === 'each' || i === 0 || unit.ownWarmup === true }));
}

/**
 * Why the signal ended the measurement: a stop (Ctrl-C: MeasurementAbortedError), or a failure of
 * what is measured when the signal carries a PassbenchError as its reason (a guest's QEMU gone,
 * scenario/guest-watch.ts): that one fails the repetition it hit, naming it.
 */
function aborted(ctx: MeasureContext, unit: MeasureUnit, repetition: number, warmup: boolean, delivered: { count: number }, what: string): PassbenchError {
  const reason: unknown = ctx.signal?.reason;
  if (reason instanceof PassbenchError) return new MeasurementError(unit.name, repetition, warmup, delivered.count, ctx.guest, ctx.mode, reason);
  return new MeasurementAbortedError(what);
}

/** Runs one unit to its last repetition; returns the pace its warm-up measured (else the one it was given). */
async function repeatUnit(ctx: MeasureContext, unit: MeasureUnit, runSetup: UnitSetup, warm: boolean, delivered: { count: number }): Promise<Pace> {
  const primary: number[] = [];
  let setup = runSetup;
  // Repetition 0 is the warm-up; the measured ones are numbered from 0 after it.
  for (let index = warm ? -1 : 0; ; index++) {
    const warmup = index < 0;
    const repetition = Math.max(index, 0);
    if (ctx.signal?.aborted) throw aborted(ctx, unit, repetition, warmup, delivered, `measurement of ${ctx.guest} (${ctx.mode}) before ${unit.name} ${warmup ? 'warm-up' : `repetition ${repetition}`}`);
    let result;
    let tookMs: number;
    const started = Date.now();
    try {
      const tag = `${ctx.guest}.${unit.name}.${warmup ? 'warmup' : `r${repetition}`}`;
      result = await unit.run(setup, async (kind, content) => ctx.saveArtifact?.(`${tag}.${kind}`, content));
      tookMs = Date.now() - started;
    } catch (error) {
      if (error instanceof MeasurementAbortedError || ctx.signal?.aborted) {
        throw aborted(ctx, unit, repetition, warmup, delivered, `measurement ${unit.name} ${warmup ? 'warm-up' : `repetition ${repetition}`} of ${ctx.guest} (${ctx.mode})`);
      }
      throw new MeasurementError(unit.name, repetition, warmup, delivered.count, ctx.guest, ctx.mode, error);
    }
    const at = (ctx.now?.() ?? new Date()).toISOString();
    for (const f of result.figures) {
      await ctx.onMeasurement({ metric: f.metric, unit: f.unit, direction: f.direction, value: f.value, repetition, warmup, at, labels: result.labels });
      delivered.count++;
    }
    const main = result.figures.find((f) => f.metric === unit.primary);
    if (!main) throw new MeasurementError(unit.name, repetition, warmup, delivered.count, ctx.guest, ctx.mode, new Error(`no ${unit.primary} figure`));
    if (warmup) {
      // The repetitions' deadlines follow what this very measurement took, not a guess.
      setup = { ...setup, pace: Pace.fromRun(tookMs, unit.nominalMs(setup), `the ${unit.name} warm-up of ${ctx.guest}`) };
      ctx.log?.(`${unit.name} warm-up: ${unit.primary} ${formatValue(main.value, main.unit)}; ${setup.pace}`);
      continue;
    }
    primary.push(main.value);
    const decision = decideRepetition(primary, ctx.policy);
    const width = decision.relativeHalfWidth === undefined ? '' : ` (median CI ±${(decision.relativeHalfWidth * 100).toFixed(1)} %)`;
    ctx.log?.(`${unit.name} repetition ${repetition}: ${unit.primary} ${formatValue(main.value, main.unit)}${width}`);
    if (decision.stop) {
      ctx.log?.(`${unit.name}: ${primary.length} repetitions, stopped: ${decision.reason}`);
      return setup.pace;
    }
  }
}
