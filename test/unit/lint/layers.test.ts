import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ESLint } from 'eslint';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { findCycles, importGraph } from '../../../scripts/import-cycles.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('lint: the layers of harness/ and import cycles', function () {
  this.timeout(60_000);
  let eslint: ESLint;
  before(() => { eslint = new ESLint({ cwd: root }); });

  /** The no-restricted-imports messages for `code` placed at `file` (it need not exist). */
  async function restricted(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it('every folder of harness/ has its layer rule (a row in eslint.config.js LAYERS), so none escapes', async () => {
    const folders = (await fs.readdir(path.join(root, 'harness'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    const unruled: string[] = [];
    for (const folder of folders) {
      const config = await eslint.calculateConfigForFile(path.join(root, 'harness', folder, 'probe.ts')) as { rules: Record<string, unknown[]> };
      const options = config.rules['no-restricted-imports']?.[1] as { patterns?: unknown[] } | undefined;
      if (!Array.isArray(options?.patterns)) unruled.push(folder); // cli, the top, forbids nothing: its list is empty
    }
    assert.deepEqual(unruled, []);
  });

  it('flags an import of a layer above, beside or (for a leaf) any other, type-only and from sub-folders too', async () => {
    const cases: [file: string, code: string, forbidden: string][] = [
      ['harness/pci/probe.ts', "import { openJournal } from '../prepare/journal.ts';\n", 'harness/pci/ may not import harness/prepare/'],
      ['harness/scenario/probe.ts', "import { ExitCode } from '../cli/exit-codes.ts';\n", 'harness/scenario/ may not import harness/cli/'],
      ['harness/measure/probe.ts', "import type { Sample } from '../results/schema.ts';\n", 'harness/measure/ may not import harness/results/'],
      ['harness/vm/probe.ts', "export { runDoctor } from '../doctor/run-doctor.ts';\n", 'harness/vm/ may not import harness/doctor/'],
      ['harness/report/charts/probe.ts', "import { runPlan } from '../../scenario/runner.ts';\n", 'harness/report/ may not import harness/scenario/'],
      ['harness/report/charts/probe.ts', "import { median } from '../../stats/descriptive.ts';\n", 'harness/report/ may not import harness/stats/: report/ only renders'],
      ['harness/wait/probe.ts', "import type { Host } from '../host/host.ts';\n", 'harness/wait/ may not import harness/host/'],
      ['harness/stats/probe.ts', "import { PassbenchError } from '../errors.ts';\n", 'harness/stats/ imports nothing'],
      ['harness/errors.ts', "import { Pace } from './wait/index.ts';\n", 'harness/errors.ts is below every layer'],
    ];
    for (const [file, code, forbidden] of cases) {
      const messages = await restricted(file, code);
      assert.equal(messages.length, 1, `${file}: ${code}${messages.join('\n')}`);
      assert.ok(messages[0]!.includes(forbidden), messages[0]);
    }
  });

  it('lets a layer import the ones below it and the base', async () => {
    assert.deepEqual(await restricted('harness/pci/probe.ts', "import type { Host } from '../host/host.ts';\nimport { UsageError } from '../errors.ts';\n"), []);
    assert.deepEqual(await restricted('harness/report/charts/probe.ts', "import { formatValue } from '../../measure/format-value.ts';\nimport type { Sample } from '../../results/schema.ts';\n"), []);
    assert.deepEqual(await restricted('harness/cli/commands/probe.ts', "import { runPlan } from '../../scenario/runner.ts';\nimport { ExitCode } from '../exit-codes.ts';\n"), []);
    assert.deepEqual(await restricted('harness/guest/probe.ts', "import type { FwCfgFile } from '../vm/qemu-args.ts';\n"), []);
  });

  it('finds an import cycle, type-only links included, and prints it as a chain of files', async () => {
    const dir = await tempDir('passbench-cycles-');
    const files: Record<string, string> = {
      'a.ts': "import { b } from './sub/b.ts';\nexport const a = b;\n",
      'sub/b.ts': "import type { C } from '../c.ts';\nexport const b = 1 as unknown as C;\n",
      'c.ts': "export type C = number;\nexport { a } from './a.ts';\n",
      'd.ts': "import { a } from './a.ts';\nimport { z } from 'zod';\nexport const d = [a, z];\n",
    };
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    }
    const at = (name: string) => path.join(dir, name);
    assert.deepEqual(findCycles(importGraph([dir])), [[at('a.ts'), at('sub/b.ts'), at('c.ts'), at('a.ts')]]);

    const run = await new LocalHost().run([process.execPath, '--import', 'tsx', path.join(root, 'scripts/import-cycles.ts'), dir], { allowFailure: true });
    assert.equal(run.exitCode, 1, run.stderr);
    assert.ok(run.stderr.includes(`import cycle: ${at('a.ts')} → ${at('sub/b.ts')} → ${at('c.ts')} → ${at('a.ts')}`), run.stderr);
    await fs.rm(at('c.ts'));
    await fs.writeFile(at('c.ts'), 'export type C = number;\n');
    assert.deepEqual(findCycles(importGraph([dir])), []);
  });

  it('the project itself has no import cycle', () => {
    const cycles = findCycles(importGraph(['harness', 'scenarios', 'vm-images', 'test', 'bench', 'bin', 'scripts'].map((f) => path.join(root, f))));
    assert.deepEqual(cycles, []);
  });
});
