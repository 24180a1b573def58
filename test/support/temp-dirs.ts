import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A temporary folder that lives until the mocha run ends: the root `after` hook below removes every
 * one made here, so a test run leaves nothing in the temp folder (a run of the unit tests used to
 * leave hundreds). For folders a test only reads after its run has ended (results, configs).
 */
const made: string[] = [];

export async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The same, made at once: for a module's constant (e.g. where fake runs write their results). */
export function tempDirSync(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});
