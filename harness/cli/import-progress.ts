/**
 * What `history import` prints while it works and when it ends. Progress goes to stderr (stdout
 * may be --json): on a terminal one line rewritten in place, otherwise (cron, CI, a log file)
 * a plain line every `everyRuns` runs or `everyMs`, whichever comes first, with no terminal
 * control at all. A short import prints no progress, only its summary.
 */
import type { ImportCounts, ImportFailure } from '../results/import-archive.ts';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function formatCounts(c: Pick<ImportCounts, 'imported' | 'replaced' | 'skipped' | 'failed'>): string {
  return `${c.imported} imported, ${c.replaced} replaced, ${c.skipped} skipped (already in the history), ${c.failed} failed`;
}

export function formatProgress(c: ImportCounts): string {
  return `importing: ${c.done} of ${c.total} run directories (${formatCounts(c)}), ${seconds(c.elapsedMs)}`;
}

export function formatSummary(c: ImportCounts, location: string): string {
  return `${formatCounts(c)} in ${seconds(c.elapsedMs)} (${c.total} run directories) into ${location}`;
}

export function formatFailure(f: ImportFailure): string {
  return `passbench: not imported: ${f.dir}: ${f.error} (what to do: ${f.remedy})`;
}

export interface ProgressPrinter {
  update(c: ImportCounts): void;
  /** Before other output: ends the in-place line on a terminal. */
  clear(): void;
}

export function importProgress(
  stream: { write(text: string): unknown; isTTY?: boolean },
  o: { everyRuns?: number; everyMs?: number } = {},
): ProgressPrinter {
  const everyRuns = o.everyRuns ?? 100;
  const everyMs = o.everyMs ?? 5000;
  let lastDone = 0;
  let lastMs = 0;
  let inPlace = false;
  return {
    update(c) {
      if (c.done === 0 || c.done === c.total) return;
      if (c.done - lastDone < everyRuns && c.elapsedMs - lastMs < everyMs) return;
      lastDone = c.done;
      lastMs = c.elapsedMs;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${formatProgress(c)}`);
        inPlace = true;
      } else {
        stream.write(`${formatProgress(c)}\n`);
      }
    },
    clear() {
      if (inPlace) stream.write('\r\x1b[2K');
      inPlace = false;
    },
  };
}
