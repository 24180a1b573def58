/**
 * A closed-loop HTTP load generator: `connections` workers, each sending GET requests one after
 * another (the next once the last is answered). node:http's agent keeps a connection for the next
 * request only where the server offers it; busybox httpd closes after every answer (and an HTTP/1.0
 * answer without keep-alive is closed too), so there every request has a connection of its own and
 * none is written on a closing socket (autocannon did that: a third of its requests were lost).
 *
 * Time is our own monotonic clock (performance.now), not a once-a-second tick: the run lasts from
 * its start to its last answer; a request's latency from the moment it has its connection (new
 * or kept) to the end of the answer's body.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { delay } from '../wait/index.ts';

/** After a connection error (refused, reset), before the worker tries again: not a busy loop on a refused port. */
const ERROR_PAUSE_MS = 50;

export interface ClosedLoopPlan {
  url: string;
  connections: number;
  /** Fixed duration: requests are started until this many ms after the start, those in flight then awaited. */
  startForMs?: number;
  /** By request count: run until exactly this many are answered (takes precedence over startForMs). */
  requests?: number;
  /** Ms after the start at which the run gives up: what is still in flight is destroyed and counted as timed out. */
  cutoffMs: number;
  signal?: AbortSignal;
}

export interface ClosedLoopTally {
  ok: number;
  non2xx: number;
  /** Connection errors (refused, reset, closed before the whole answer); each was tried again. */
  errors: number;
  /** Requests in flight at the cutoff. */
  timeouts: number;
  /** Per answer, seconds from the moment the request has its connection (connecting included) to the end of the answer's body. */
  latenciesS: number[];
  /** From the start to the last answer, seconds; 0 without answers. */
  elapsedS: number;
  /** How it ended: every worker done, the cutoff, or the signal. */
  end: 'done' | 'cutoff' | 'aborted';
  lastError?: string;
}

type Outcome = { status: number; latencyS: number; at: number } | { error: string };

/** Runs the plan; never rejects: how it ended is in the tally, with every socket destroyed. */
export function runClosedLoop(plan: ClosedLoopPlan): Promise<ClosedLoopTally> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const inFlight = new Set<http.ClientRequest>();
  const stopping = new AbortController();
  const tally: ClosedLoopTally = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, latenciesS: [], elapsedS: 0, end: 'done' };
  const start = performance.now();
  // Answered plus in flight: by request count no worker starts one beyond what is still needed.
  let claimed = 0;
  const mayStart = () => !stopping.signal.aborted
    && (plan.requests !== undefined ? claimed < plan.requests : performance.now() - start < (plan.startForMs ?? 0));

  return new Promise<ClosedLoopTally>((resolve) => {
    const stop = (end: ClosedLoopTally['end']) => {
      if (stopping.signal.aborted) return;
      tally.end = end;
      if (end === 'cutoff') tally.timeouts = inFlight.size;
      stopping.abort();
      clearTimeout(cutoff);
      plan.signal?.removeEventListener('abort', onAbort);
      for (const request of inFlight) request.destroy();
      agent.destroy();
      resolve(tally);
    };
    const onAbort = () => stop('aborted');
    const cutoff = setTimeout(() => stop('cutoff'), plan.cutoffMs);
    if (plan.signal?.aborted) return stop('aborted');
    plan.signal?.addEventListener('abort', onAbort, { once: true });

    const worker = async () => {
      while (mayStart()) {
        claimed++;
        const outcome = await get(plan.url, agent, inFlight);
        if (stopping.signal.aborted) return;
        if ('error' in outcome) {
          claimed--;
          tally.errors++;
          tally.lastError = outcome.error;
          await delay(ERROR_PAUSE_MS, stopping.signal).catch(() => undefined);
          continue;
        }
        if (outcome.status >= 200 && outcome.status < 300) tally.ok++;
        else tally.non2xx++;
        tally.latenciesS.push(outcome.latencyS);
        tally.elapsedS = (outcome.at - start) / 1000;
      }
    };
    void Promise.all(Array.from({ length: plan.connections }, worker)).then(() => stop('done'));
  });
}

/** One GET, its body read to the end; a connection error is an outcome, not a rejection. */
function get(url: string, agent: http.Agent, inFlight: Set<http.ClientRequest>): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      inFlight.delete(request);
      resolve(outcome);
    };
    // The clock starts when the request has its connection (a new one still to connect, or a kept
    // one): not while it queues in the agent for the previous connection of its slot to close.
    let began = performance.now();
    const request = http.get(url, { agent }, (response) => {
      response.on('error', (error) => settle({ error: error.message }));
      response.once('aborted', () => settle({ error: 'the connection closed before the end of the answer' }));
      response.once('end', () => {
        const at = performance.now();
        settle({ status: response.statusCode ?? 0, latencyS: (at - began) / 1000, at });
      });
      response.resume();
    });
    inFlight.add(request);
    request.once('socket', () => (began = performance.now()));
    request.on('error', (error) => settle({ error: error.message }));
    request.once('close', () => settle({ error: 'the connection closed before an answer' }));
  });
}
