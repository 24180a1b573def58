import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, errorMessage } from '../errors.ts';
import { isScenario, type Scenario } from './define-scenario.ts';

/**
 * `passbench run nightly` or `passbench run scenarios/nightly.ts`: a bare name is looked up in
 * scenarios/; a path must be a .ts file. Its default export must come from defineScenario.
 */
const BARE_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

export function resolveScenarioPath(arg: string, scenariosDir = path.resolve('scenarios')): string {
  if (BARE_NAME.test(arg)) return path.join(scenariosDir, `${arg}.ts`);
  if (!arg.endsWith('.ts') || /[\0\n;&|`$<>]/.test(arg)) {
    throw new UsageError(`scenario ${JSON.stringify(arg)} is neither a scenario name (lower-case letters, digits, "-") nor a .ts file`, {
      remedy: 'Give a name from scenarios/ (smoke, passthrough, sriov, e1000-baseline, nightly) or a path like scenarios/nightly.ts.',
    });
  }
  return path.resolve(arg);
}

export async function loadScenario(arg: string, scenariosDir?: string): Promise<{ scenario: Scenario; file: string; hash: string }> {
  const file = resolveScenarioPath(arg, scenariosDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const names = (await fs.readdir(scenariosDir ?? path.resolve('scenarios')).catch(() => [] as string[])).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    throw new UsageError(`no scenario ${JSON.stringify(arg)} (${file}: ${errorMessage(error)})`, {
      remedy: names.length ? `Scenarios here: ${names.join(', ')}.` : 'Run from the passbench checkout, or give the path of a scenario file.',
    });
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (!isScenario(module.default)) {
    throw new UsageError(`${file} does not export a scenario`, { remedy: 'End the file with `export default defineScenario({ … })` (see scenarios/smoke.ts).' });
  }
  return { scenario: module.default, file, hash: createHash('sha256').update(text).digest('hex') };
}
