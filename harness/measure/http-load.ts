/**
 * HTTP request rate and latency percentiles with autocannon against a guest's HTTP server (busybox
 * httpd on :80). A guest is normally reachable only through its SSH connection (an SshHost, maybe
 * via the lab host): then every request travels through a local forwarder and the SSH tunnel
 * (`path: 'ssh-tunnel'` in the result: the figures include SSH's encryption and the tunnel's hops,
 * so they compare modes with each other, not with a direct client). A direct URL is used as is.
 */
import autocannon from 'autocannon';
import type { Duplex } from 'node:stream';
import { PassbenchError } from '../errors.ts';
import { deadline, throwIfAborted } from './processes.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { Pace } from '../wait/index.ts';

/** Beyond the run's duration: autocannon's start and the requests still in flight at its end. */
const HTTP_SLACK_MS = 30_000;
/** What one request may take, for the deadline of a run by request count (before the pace scales it). */
const REQUEST_BASE_MS = 1_000;

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
  /** Successful (2xx) requests per second over the run. */
  requestsPerSecond: number;
  /** How long the run took, seconds. */
  durationS: number;
  /** Latency percentiles, seconds. */
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  path: 'ssh-tunnel' | 'direct';
  /** What was loaded, for the report: the URL, or the guest's address through the tunnel. */
  target: string;
}

export async function runHttpLoad(target: HttpTarget, o: HttpLoadOptions = {}): Promise<HttpLoadResult> {
  const tunnelled = 'ssh' in target ? { ssh: target.ssh, port: target.port ?? 80, path: target.path ?? '/' } : undefined;
  const what = tunnelled ? `HTTP load on 127.0.0.1:${tunnelled.port} of ${tunnelled.ssh.name} through its SSH tunnel` : `HTTP load on ${(target as { url: string }).url}`;
  throwIfAborted(o.signal, what);
  const forwarder = tunnelled ? await startTcpForwarder(() => tunnelled.ssh.forwardOut('127.0.0.1', tunnelled.port)) : undefined;
  const url = forwarder && tunnelled ? `http://127.0.0.1:${forwarder.port}${tunnelled.path}` : (target as { url: string }).url;
  const durationS = o.durationS ?? 10;
  const limit = (o.pace ?? Pace.neutral()).scaled((o.requests ? o.requests * REQUEST_BASE_MS : durationS * 1000) + HTTP_SLACK_MS);
  try {
    // No request is given up on before the run ends (autocannon's default: after 10 s, then it
    // counts an error and reconnects): a slow answer is a slow figure, not a failure, and through
    // a nested TCG guest on a busy machine every first request took longer than that.
    const length = o.requests ? { amount: o.requests, timeout: Math.ceil(limit.ms / 1000) } : { duration: durationS, timeout: Math.ceil(durationS) + 1 };
    const instance = autocannon({ url, connections: o.connections ?? 10, ...length });
    // Without a callback autocannon returns a thenable tracker that also has stop().
    const abort = () => (instance as unknown as { stop(): void }).stop();
    o.signal?.addEventListener('abort', abort, { once: true });
    let result: autocannon.Result;
    try {
      result = await deadline(instance as unknown as Promise<autocannon.Result>, limit, what, o.signal);
    } finally {
      o.signal?.removeEventListener('abort', abort);
      abort();
    }
    // The rate from the 2xx count over the run's duration: autocannon's per-second histogram
    // (requests.average) can miss the last tick of a short run and show 0.
    const ok = result['2xx'];
    if (ok <= 0) {
      const tunnel = forwarder?.errors.length ? `; tunnel: ${forwarder.errors.slice(-1)[0]}` : '';
      throw new PassbenchError(`${what}: no successful request in ${result.duration.toFixed(1)} s (${result.errors} errors, of which ${result.timeouts} timeouts; ${result.non2xx} non-2xx)${tunnel}`, {
        remedy: 'Check that the guest\'s HTTP server runs (busybox httpd -p 80 -h /var/www) and answers GET / with 200.',
      });
    }
    return {
      requestsPerSecond: ok / result.duration, durationS: result.duration, p50: result.latency.p50 / 1000, p90: result.latency.p90 / 1000,
      p99: result.latency.p99 / 1000, requests: ok + result.non2xx, errors: result.errors, timeouts: result.timeouts,
      non2xx: result.non2xx, path: tunnelled ? 'ssh-tunnel' : 'direct',
      target: tunnelled ? `127.0.0.1:${tunnelled.port} in ${tunnelled.ssh.name} via SSH forwardOut` : url,
    };
  } finally {
    await forwarder?.close();
  }
}
