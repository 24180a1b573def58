import cliProgress from 'cli-progress';
import { plainLines } from '../host/lines.ts';

/**
 * Progress for long runs: which host, step and guest, what is left and an estimate. On a terminal,
 * one cli-progress bar per host; otherwise (cron, CI, `>log 2>&1`) plain timestamped lines that
 * carry no terminal control at all.
 */
export interface ProgressUpdate {
  host: string;
  caseId: string;
  step: string;
  guest?: string;
  /** Steps finished on this host, and its total. */
  done: number;
  total: number;
  /** Expected time left on this host (estimateRemaining, held steady by SteadyEstimate); unknown when absent. */
  etaMs?: number;
}

export interface Progress {
  begin(hosts: readonly { name: string; total: number }[]): void;
  update(u: ProgressUpdate): void;
  log(host: string, line: string): void;
  end(): void;
}

export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'unknown';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** Expected seconds of work before the measured pace outweighs the steps' own estimates. */
const PACE_PRIOR_S = 60;

/**
 * Time left: the remaining steps' expected seconds (Step.estimateS), scaled by how long the finished
 * steps took against theirs (a slow machine stays slow). The pace starts at 1 and follows the
 * measured one as work gets done, so one quick first step cannot make a 20-minute run say 2 minutes.
 */
export function estimateRemaining(elapsedMs: number, doneExpectedS: number, leftExpectedS: number): number {
  const pace = (elapsedMs / 1000 + PACE_PRIOR_S) / (doneExpectedS + PACE_PRIOR_S);
  return leftExpectedS * 1000 * pace;
}

/** How far one estimate may move from what the one before it leaves for now. */
const MAX_STEP_FACTOR = 2;

export interface TimedEstimate {
  etaMs: number;
  /** When it was made (ms, any fixed origin). */
  atMs: number;
}

/**
 * A measured estimate bounded by the previous one. The previous estimate, less the time since it was
 * made, is what it expects to be left now; the new one stays within 2× of that. The time since may
 * take at most half of the previous estimate off: a step that overran its whole estimate must not
 * pin the bound at zero. So one very slow step (a nested boot, minutes over) or one very quick one
 * (adaptive repetitions that stopped early) moves the ETA at most 2×, and a pace that stays slow is
 * reached within a few steps.
 */
export function boundEstimate(previous: TimedEstimate, measuredMs: number, atMs: number): number {
  if (!(previous.etaMs > 0) || !(measuredMs > 0)) return measuredMs; // nothing was or is left: nothing to hold
  const sinceMs = Math.max(0, atMs - previous.atMs);
  const expectedNowMs = Math.max(previous.etaMs - sinceMs, previous.etaMs / MAX_STEP_FACTOR);
  return Math.min(Math.max(measuredMs, expectedNowMs / MAX_STEP_FACTOR), expectedNowMs * MAX_STEP_FACTOR);
}

/** One host's ETA over a run: each measured estimate (estimateRemaining) bounded by the last shown. */
export class SteadyEstimate {
  private last?: TimedEstimate;

  next(measuredMs: number, atMs: number): number {
    const etaMs = this.last ? boundEstimate(this.last, measuredMs, atMs) : measuredMs;
    this.last = { etaMs, atMs };
    return etaMs;
  }
}

export function plainProgress(write: (text: string) => void, now: () => Date = () => new Date()): Progress {
  // Every line starts with the time and the host, also the continuation lines of a long message.
  const emit = (host: string, text: string) => {
    const prefix = `${now().toISOString()} ${host} `;
    const lines = plainLines(text);
    if (lines.length) write(lines.map((line) => `${prefix}${line}\n`).join(''));
  };
  return {
    begin: () => undefined,
    update: (u) => emit(u.host, `[${u.done}/${u.total}] ${u.caseId}: ${u.step}${u.guest ? ` (${u.guest})` : ''}; ${u.total - u.done} step(s) left, ETA ${formatEta(u.etaMs)}`),
    log: emit,
    end: () => undefined,
  };
}

export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const multi = new cliProgress.MultiBar({
    stream, clearOnComplete: false, hideCursor: true, etaBuffer: 5,
    format: '{host} [{bar}] {value}/{total} | {step}{guest} | ETA {left}',
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    begin: (hosts) => { for (const h of hosts) bars.set(h.name, multi.create(h.total, 0, { host: h.name.padEnd(12), step: 'starting', guest: '', left: 'unknown' })); },
    update: (u) => bars.get(u.host)?.update(u.done, { step: `${u.caseId}: ${u.step}`, guest: u.guest ? ` (${u.guest})` : '', left: formatEta(u.etaMs) }),
    log: (host, line) => multi.log(`${host} ${line}\n`),
    end: () => multi.stop(),
  };
}

/**
 * Bars only where they are drawn: the stream progress writes to (stderr) must itself be a terminal
 * that understands cursor movement. Where stdout goes does not matter: progress never writes there.
 */
export function chooseProgress(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Progress {
  return stream.isTTY === true && env.TERM !== 'dumb' ? ttyProgress(stream) : plainProgress((t) => stream.write(t));
}
