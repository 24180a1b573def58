/** The names of the files in a run directory (see schema.ts for what each holds). */
import path from 'node:path';

export const RUN_FILE = 'run.json';
export const SAMPLES_FILE = 'samples.jsonl';
export const CHECKS_FILE = 'checks.jsonl';
export const ARTIFACTS_DIR = 'artifacts';

/** Where run directories live unless told otherwise: reports/runs/<runId>/. */
export const DEFAULT_RUNS_DIR = path.join('reports', 'runs');

export function runDirFor(runId: string, runsDir = DEFAULT_RUNS_DIR): string {
  return path.join(runsDir, runId);
}
