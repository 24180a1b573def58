/**
 * HTTP request rate and latency percentiles against a guest's HTTP server (busybox httpd on :80),
 * with our own closed-loop generator (closed-loop-http.ts). A guest is normally reachable only
 * through its SSH connection (an SshHost, maybe via the lab host): then every connection travels
 * through a local forwarder and an SSH forwardOut channel (`path: 'ssh-tunnel'` in the result: the
 * figures include SSH's encryption and the tunnel's hops, so they compare modes with each other, not
 * with a direct client). A direct URL is used as is.
 */
import type { Duplex } from 'node:stream';
import { PassbenchError } from '../errors.ts';
import { percentileOfSorted, sortedCopy } from '../stats/descriptive.ts';
import { MeasurementAbortedError, throwIfAborted } from './processes.ts';
import { runClosedLoop, type ClosedLoopTally } from './closed-loop-http.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { Pace, WaitTimeoutError, describeDeadline, type Deadline } from '../wait/index.ts';

/** Beyond the run's duration: the requests still in flight at its end. */
const HTTP_SLACK_MS = 30_000;
/** What one request may take, for the deadline of a run by request count (before the pace scales it). */
const REQUEST_BASE_MS = 1_000;
const REMEDY = 'Check that the guest\'s HTTP server runs (busybox httpd -p 80 -h /var/www) and answers GET / with 200.';

/** What can open a TCP stream as seen from the guest: SshHost has this. */
export interface Tunnel {
  readonly name: string;
  forwardOut(address: string, port: number): Promise<Duplex>;
}

export type HttpTarget =
  | { url: string }
  | { ssh: Tunnel; port?: number; path?: string };

export interface HttpLoadOptions {
  durationS?: number;
  /**
   * Run until this many requests are answered instead of for durationS: the rate is then requests
   * over the time they took. For a path so slow that a fixed length may see none answered (a nested
   * TCG guest through two SSH tunnels answered 0.5 requests/s on a busy machine, 8 on an idle one).
   */
  requests?: number;
  /** Concurrent connections (default 10). */
  connections?: number;
  /** Scales the deadline (a nested TCG guest is slow at everything). Default: factor 1. */
  pace?: Pace;
  signal?: AbortSignal;
}

export interface HttpLoadResult {
  /** Successful (2xx) requests per second over the run: 2xx answers ÷ durationS. */
  requestsPerSecond: number;
  /** From the start to the last answer, seconds (a monotonic clock, not rounded to a tick). */
  durationS: number;
  /** Latency percentiles over every answer, seconds: from the request's start, its connection included, to the end of the answer. */
  p50: number;
  p90: number;
  p99: number;
  /** Answered requests (2xx and non-2xx). */
  requests: number;
  /** Connection errors (refused, reset, closed before the answer); each request was tried again. */
  errors: number;
  /** Requests still unanswered at the deadline of a run by duration. */
  timeouts: number;
  non2xx: number;
  path: 'ssh-tunnel' | 'direct';
  /** What was loaded, for the report: the URL, or the guest's address through the tunnel. */
  target: string;
}

/**
 * Fixed duration: requests are started for durationS, those in flight then are awaited and counted.
 * By request count: exactly `requests` are answered, then it stops. No request is given up on
 * before the run's deadline (a slow answer is a slow figure, not a failure: through a nested TCG
 * guest on a busy machine every first request took over 10 s); at the deadline a run by duration
 * counts what is still in flight as timeouts, a run by count that is not done is a timeout error.
 */
export async function runHttpLoad(target: HttpTarget, o: HttpLoadOptions = {}): Promise<HttpLoadResult> {
  const tunnelled = 'ssh' in target ? { ssh: target.ssh, port: target.port ?? 80, path: target.path ?? '/' } : undefined;
  const what = tunnelled ? `HTTP load on 127.0.0.1:${tunnelled.port} of ${tunnelled.ssh.name} through its SSH tunnel` : `HTTP load on ${(target as { url: string }).url}`;
  throwIfAborted(o.signal, what);
  const forwarder = tunnelled ? await startTcpForwarder(() => tunnelled.ssh.forwardOut('127.0.0.1', tunnelled.port)) : undefined;
  const url = forwarder && tunnelled ? `http://127.0.0.1:${forwarder.port}${tunnelled.path}` : (target as { url: string }).url;
  const durationS = o.durationS ?? 10;
  const limit = (o.pace ?? Pace.neutral()).scaled((o.requests ? o.requests * REQUEST_BASE_MS : durationS * 1000) + HTTP_SLACK_MS);
  try {
    const t = await runClosedLoop({ url, connections: o.connections ?? 10, startForMs: durationS * 1000, requests: o.requests || undefined, cutoffMs: limit.ms, signal: o.signal });
    if (t.end === 'aborted') throw new MeasurementAbortedError(what);
    const tunnel = forwarder?.errors.length ? `; tunnel: ${forwarder.errors.slice(-1)[0]}` : '';
    if (o.requests && t.end === 'cutoff') throw timedOut(what, t, o.requests, limit, tunnel);
    if (t.ok <= 0) {
      throw new PassbenchError(`${what}: no successful request in ${t.elapsedS.toFixed(1)} s (${tallied(t)})${tunnel}`, { remedy: REMEDY });
    }
    const latencies = sortedCopy(t.latenciesS);
    return {
      requestsPerSecond: t.ok / t.elapsedS, durationS: t.elapsedS, p50: percentileOfSorted(latencies, 0.5), p90: percentileOfSorted(latencies, 0.9),
      p99: percentileOfSorted(latencies, 0.99), requests: t.ok + t.non2xx, errors: t.errors, timeouts: t.timeouts,
      non2xx: t.non2xx, path: tunnelled ? 'ssh-tunnel' : 'direct',
      target: tunnelled ? `127.0.0.1:${tunnelled.port} in ${tunnelled.ssh.name} via SSH forwardOut` : url,
    };
  } finally {
    await forwarder?.close();
  }
}

function tallied(t: ClosedLoopTally): string {
  const last = t.lastError ? `, the last: ${t.lastError}` : '';
  return `${t.errors} connection errors${last}; ${t.timeouts} unanswered at the deadline; ${t.non2xx} non-2xx`;
}

function timedOut(what: string, t: ClosedLoopTally, requests: number, limit: Deadline, tunnel: string): WaitTimeoutError {
  return new WaitTimeoutError(`${what}: ${t.ok + t.non2xx} of ${requests} requests answered after ${limit.ms} ms (${describeDeadline(limit)}; ${tallied(t)})${tunnel}`,
    { what, waitedMs: limit.ms, deadline: limit }, { remedy: REMEDY });
}
