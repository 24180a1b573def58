/**
 * The run directories an archive import names: each path is a run directory (it holds run.json)
 * or a folder of them (reports/runs, a lab's archive), looked into one level deep. What is
 * neither is named with what was expected, and the rest still count.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileErrorWords } from '../errors.ts';
import { CHECKS_FILE, RUN_FILE, SAMPLES_FILE } from './run-file-names.ts';

export interface PathProblem {
  /** The path as given (or the folder's entry, joined to it). */
  dir: string;
  error: string;
  remedy: string;
}

export interface FoundRunDirs {
  /** Run directories, in the order given (a folder's sorted by name), each once. */
  dirs: string[];
  problems: PathProblem[];
}

const WHAT_A_RUN_IS = `a run directory holds ${RUN_FILE}, ${SAMPLES_FILE} and ${CHECKS_FILE}`;
const REMEDY = `give run directories (reports/runs/RUN_ID) or folders of them; ${WHAT_A_RUN_IS}`;

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

const isRunDir = async (dir: string): Promise<boolean> => (await fs.stat(path.join(dir, RUN_FILE)).catch(() => undefined)) !== undefined;

/** A folder's entries that may be folders (links are followed by the caller), hidden ones left out (.git, .snapshot), sorted by name. */
async function subFolders(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { withFileTypes: true });
  return entries.filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
    .map((e) => path.join(folder, e.name))
    .sort();
}

/** Expands `paths` into run directories; a path that is neither a run nor a folder of runs is a problem. */
export async function findRunDirs(paths: readonly string[]): Promise<FoundRunDirs> {
  const dirs: string[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  const add = (dir: string) => {
    const key = path.resolve(dir);
    if (!seen.has(key)) {
      seen.add(key);
      dirs.push(dir);
    }
  };
  for (const given of paths) {
    let stat;
    try {
      stat = await fs.stat(given);
    } catch (error) {
      problems.push({ dir: given, error: `not a run directory: ${path.join(given, RUN_FILE)} cannot be read: ${fileErrorWords(error)}`, remedy: REMEDY });
      continue;
    }
    if (!stat.isDirectory()) {
      problems.push({ dir: given, error: 'is a file, not a run directory', remedy: REMEDY });
    } else if (await isRunDir(given)) {
      add(given);
    } else {
      const inside = (await Promise.all((await subFolders(given)).map(async (d) => (await isDir(d)) ? d : undefined)))
        .filter((d): d is string => d !== undefined);
      const runs = await Promise.all(inside.map(isRunDir));
      if (!runs.includes(true)) {
        problems.push({ dir: given, error: `not a run directory (no ${RUN_FILE}) and no run directory in it`, remedy: REMEDY });
        continue;
      }
      inside.forEach((d, i) => {
        if (runs[i]) add(d);
        else problems.push({ dir: d, error: `not a run directory: no ${RUN_FILE}`, remedy: REMEDY });
      });
    }
  }
  return { dirs, problems };
}
