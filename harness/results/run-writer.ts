/**
 * Writes one run directory as the run goes: run.json at the start and again at the end
 * (atomically: a temporary file renamed over it), and every sample and check appended to its
 * JSON Lines file and fsync'd the moment it arrives, so a crash in sample 37 keeps 1–36.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { ResultFileError } from './result-file-error.ts';
import { ARTIFACTS_DIR, CHECKS_FILE, RUN_FILE, SAMPLES_FILE } from './run-file-names.ts';
import { CheckSchema, RunMetaSchema, SampleSchema, type Check, type RunMeta, type Sample } from './schema.ts';

export { readRunDir, type RunData } from './run-reader.ts';

export interface RunWriter {
  dir: string;
  appendSample(s: Sample): Promise<void>;
  appendCheck(c: Check): Promise<void>;
  /** dir/artifacts/<name>; the name must be a plain file name. */
  artifactPath(name: string): string;
  finish(status: RunMeta['status'], error?: string): Promise<RunMeta>;
}

/** Writes `value` as JSON to `file` through a temporary file and a rename (never half-written). */
export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

function validated<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`).join('; ');
  throw new TypeError(`${what} does not match the result schema: ${problems}`);
}

class JsonLinesAppender {
  private queue: Promise<void> = Promise.resolve();
  private constructor(readonly file: string, private readonly handle: fs.FileHandle) {}

  static async open(file: string): Promise<JsonLinesAppender> {
    return new JsonLinesAppender(file, await fs.open(file, 'a'));
  }

  /** Appends one line and fsyncs it; appends are serialized so lines never interleave. */
  append(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const next = this.queue.then(async () => {
      await this.handle.appendFile(line);
      await this.handle.sync();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }
}

export async function openRunWriter(dir: string, meta: RunMeta): Promise<RunWriter> {
  let current = validated<RunMeta>(RunMetaSchema, meta, `run ${meta.runId} metadata`);
  await fs.mkdir(path.join(dir, ARTIFACTS_DIR), { recursive: true });
  const runFile = path.join(dir, RUN_FILE);
  try {
    await fs.access(runFile);
    throw new ResultFileError(runFile, undefined, 'already exists: a run directory is written once', {
      remedy: 'start the run with a new run id (newRunId()) or another directory',
    });
  } catch (error) {
    if (error instanceof ResultFileError) throw error;
  }
  await writeJsonAtomically(runFile, current);
  const samples = await JsonLinesAppender.open(path.join(dir, SAMPLES_FILE));
  const checks = await JsonLinesAppender.open(path.join(dir, CHECKS_FILE));
  let finished = false;

  const sameRun = (record: { runId: string }, what: string): void => {
    if (record.runId !== current.runId) throw new TypeError(`${what} belongs to run ${record.runId}, this writer writes run ${current.runId}`);
    if (finished) throw new Error(`run ${current.runId} is finished: ${what} arrived after finish()`);
  };

  return {
    dir,
    async appendSample(s) {
      const sample = validated<Sample>(SampleSchema, s, `sample ${s.metric}#${s.repetition}`);
      sameRun(sample, `sample ${sample.metric}#${sample.repetition}`);
      await samples.append(sample);
    },
    async appendCheck(c) {
      const check = validated<Check>(CheckSchema, c, `check ${c.name}`);
      sameRun(check, `check ${check.name}`);
      await checks.append(check);
    },
    artifactPath(name) {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(name) || name.includes('..')) {
        throw new TypeError(`artifact name ${JSON.stringify(name)}: expected a plain file name (letters, digits, _ . @ -)`);
      }
      return path.join(dir, ARTIFACTS_DIR, name);
    },
    async finish(status, error) {
      if (finished) return current;
      finished = true;
      await Promise.all([samples.close(), checks.close()]);
      current = validated<RunMeta>(RunMetaSchema, {
        ...current,
        status,
        endedAt: new Date().toISOString(),
        ...(error === undefined ? {} : { error: error.split('\n')[0] }),
      }, `run ${current.runId} metadata`);
      await writeJsonAtomically(runFile, current);
      return current;
    },
  };
}
