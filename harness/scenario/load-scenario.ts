import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, fileErrorWords } from '../errors.ts';
import { isScenario, type Scenario } from './define-scenario.ts';
import { loadScenarioModule } from './scenario-module.ts';

/**
 * `passbench run nightly` or `passbench run scenarios/nightly.ts`: a bare name is looked up in
 * passbench's own scenarios/ (wherever the command is run from); a path must be a .ts file. Its
 * default export must come from defineScenario.
 */
const BARE_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** The checkout's scenarios/ folder, next to harness/. */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export function resolveScenarioPath(arg: string, scenariosDir = SCENARIOS_DIR): string {
  if (BARE_NAME.test(arg)) return path.join(scenariosDir, `${arg}.ts`);
  if (!arg.endsWith('.ts') || /[\0\n;&|`$<>]/.test(arg)) {
    throw new UsageError(`scenario ${JSON.stringify(arg)} is neither a scenario name (lower-case letters, digits, "-") nor a .ts file`, {
      remedy: 'Give a name from scenarios/ (smoke, passthrough, sriov, e1000-baseline, nightly) or a path like scenarios/nightly.ts.',
    });
  }
  return path.resolve(arg);
}

export async function loadScenario(arg: string, scenariosDir = SCENARIOS_DIR): Promise<{ scenario: Scenario; file: string; hash: string }> {
  const file = resolveScenarioPath(arg, scenariosDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const names = (await fs.readdir(scenariosDir).catch(() => [] as string[])).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    throw new UsageError(`no scenario ${JSON.stringify(arg)} (${file}: ${fileErrorWords(error)})`, {
      remedy: names.length ? `Scenarios in ${scenariosDir}: ${names.join(', ')}; or give the path of a scenario .ts file.` : 'Give the path of a scenario file.',
    });
  }
  const module = await loadScenarioModule(pathToFileURL(file).href, file);
  if (!isScenario(module.default)) {
    throw new UsageError(`${file} does not export a scenario`, { remedy: 'End the file with `export default defineScenario({ … })` (see scenarios/smoke.ts).' });
  }
  return { scenario: module.default, file, hash: createHash('sha256').update(text).digest('hex') };
}
