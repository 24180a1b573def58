/**
 * Reads a run directory back: run.json, samples.jsonl and checks.jsonl, each validated against
 * the zod schemas. A record of a schema version this passbench does not know is refused with
 * the file and line, not guessed at.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { fileErrorWords } from '../errors.ts';
import { CHECKS_FILE, RUN_FILE, SAMPLES_FILE } from './run-file-names.ts';
import { ResultFileError } from './result-file-error.ts';
import {
  CheckSchema,
  RunMetaSchema,
  SampleSchema,
  SCHEMA_VERSION,
  type Check,
  type RunMeta,
  type Sample,
} from './schema.ts';

export interface RunData {
  dir: string;
  meta: RunMeta;
  samples: Sample[];
  checks: Check[];
  /** Things a reader should know, e.g. a last line cut short by a crash (dropped). */
  warnings?: string[];
}

function parseRecord<T>(schema: z.ZodType<T>, text: string, file: string, line: number | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultFileError(file, line, `not valid JSON (${(error as Error).message})`, {
      remedy: 'the file was cut short or edited by hand; restore it from the run that wrote it',
    });
  }
  const version = (value as { schema?: unknown } | null)?.schema;
  if (version !== SCHEMA_VERSION) {
    throw new ResultFileError(file, line, `schema version ${JSON.stringify(version)} is not known (this passbench reads version ${SCHEMA_VERSION})`, {
      remedy: 'read it with the passbench version that wrote it, or upgrade passbench',
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // The first few fields are enough to see what is wrong; a record missing everything lists them all.
    const all = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
    const problems = all.length > 4 ? [...all.slice(0, 3), `and ${all.length - 3} more`] : all;
    throw new ResultFileError(file, line, `does not match the result schema: ${problems.join('; ')}`, {
      remedy: 'the record was cut short, edited by hand or written by another tool; restore the file from the run that wrote it',
    });
  }
  return parsed.data;
}

async function readText(file: string, missingOk: boolean): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (missingOk && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ResultFileError(file, undefined, `cannot be read: ${fileErrorWords(error)}`, {
      remedy: 'give the path of a run directory (it holds run.json, samples.jsonl and checks.jsonl)',
      cause: error,
    });
  }
}

/**
 * Every non-empty line of a JSON Lines file, validated; a missing file is an empty list.
 * A last line without its newline that is not valid JSON is a write cut short by a crash: it
 * is dropped with a warning (every line before it was fsync'd whole). Anything else bad throws.
 */
export async function readJsonLines<T>(file: string, schema: z.ZodType<T>, warnings: string[] = []): Promise<T[]> {
  const text = await readText(file, true);
  if (text === undefined) return [];
  const lines = text.split('\n');
  const last = lines.length - 1;
  const torn = lines[last] !== '' && !isJson(lines[last]!);
  if (torn) warnings.push(`${file}:${last + 1}: last line cut short (${Buffer.byteLength(lines[last]!)} bytes without a newline), dropped`);
  const records: T[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== '' && !(torn && index === last)) records.push(parseRecord(schema, line, file, index + 1));
  });
  return records;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function readRunMeta(dir: string): Promise<RunMeta> {
  const file = path.join(dir, RUN_FILE);
  return parseRecord(RunMetaSchema, (await readText(file, false)) as string, file, undefined);
}

export async function readRunDir(dir: string): Promise<RunData> {
  const meta = await readRunMeta(dir);
  const warnings: string[] = [];
  const samples = await readJsonLines(path.join(dir, SAMPLES_FILE), SampleSchema, warnings);
  const checks = await readJsonLines(path.join(dir, CHECKS_FILE), CheckSchema, warnings);
  for (const [file, records] of [[SAMPLES_FILE, samples], [CHECKS_FILE, checks]] as const) {
    const stray = records.find((r) => r.runId !== meta.runId);
    if (stray) {
      throw new ResultFileError(path.join(dir, file), undefined, `holds a record of run ${stray.runId}, expected only run ${meta.runId} (from run.json)`, {
        remedy: 'files of two runs were mixed in one folder; put each run\'s files back in its own run directory',
      });
    }
  }
  return { dir, meta, samples, checks, ...(warnings.length > 0 ? { warnings } : {}) };
}
