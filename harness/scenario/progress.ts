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

/** Remaining time from the average step so far (none before the first step ends). */
export function estimateRemaining(startedMs: number, nowMs: number, done: number, total: number): number | undefined {
  return done === 0 ? undefined : ((nowMs - startedMs) / done) * (total - done);
}

export function plainProgress(write: (text: string) => void, now: () => Date = () => new Date()): Progress {
  const started = new Map<string, number>();
  return {
    begin: (hosts) => { for (const h of hosts) started.set(h.name, now().getTime()); },
    update: (u) => {
      const eta = estimateRemaining(started.get(u.host) ?? now().getTime(), now().getTime(), u.done, u.total);
      write(`${now().toISOString()} ${u.host} [${u.done}/${u.total}] ${u.caseId}: ${u.step}${u.guest ? ` (${u.guest})` : ''}; ${u.total - u.done} step(s) left, ETA ${formatEta(eta)}\n`);
    },
    log: (host, line) => write(`${now().toISOString()} ${host} ${line}\n`),
    end: () => undefined,
  };
}

export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const multi = new cliProgress.MultiBar({
    stream, clearOnComplete: false, hideCursor: true, etaBuffer: 5,
    format: '{host} [{bar}] {value}/{total} | {step}{guest} | ETA {eta_formatted}',
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    begin: (hosts) => { for (const h of hosts) bars.set(h.name, multi.create(h.total, 0, { host: h.name.padEnd(12), step: 'starting', guest: '' })); },
    update: (u) => bars.get(u.host)?.update(u.done, { step: `${u.caseId}: ${u.step}`, guest: u.guest ? ` (${u.guest})` : '' }),
    log: (host, line) => multi.log(`${host} ${line}\n`),
    end: () => multi.stop(),
  };
}

export function chooseProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? ttyProgress(stream) : plainProgress((t) => stream.write(t));
}
