import cliProgress from 'cli-progress';

/**
 * Progress for long runs: which host, step and guest, what is left and an estimate. On a TTY, one
 * cli-progress bar per host; otherwise plain timestamped lines (CI logs).
 */
export interface ProgressUpdate {
  host: string;
  caseId: string;
  step: string;
  guest?: string;
  /** Steps finished on this host, and its total. */
  done: number;
  total: number;
  /** Expected time left on this host (estimateRemaining); unknown when absent. */
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

export function plainProgress(write: (text: string) => void, now: () => Date = () => new Date()): Progress {
  return {
    begin: () => undefined,
    update: (u) => {
      write(`${now().toISOString()} ${u.host} [${u.done}/${u.total}] ${u.caseId}: ${u.step}${u.guest ? ` (${u.guest})` : ''}; ${u.total - u.done} step(s) left, ETA ${formatEta(u.etaMs)}\n`);
    },
    log: (host, line) => write(`${now().toISOString()} ${host} ${line}\n`),
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

export function chooseProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? ttyProgress(stream) : plainProgress((t) => stream.write(t));
}
