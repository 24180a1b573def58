import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../../support/temp-dirs.ts';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/npm-ci-cached.sh');

/** A stand-in for npm: `npm ci` records the call and makes node_modules with one file in it. */
const STUB_NPM = `#!/usr/bin/env bash
echo "$*" >>"$STUB_CALLS"
mkdir -p node_modules/.bin && echo "built $STUB_BUILD" >node_modules/marker
`;

/** A checkout with the script, a lockfile and a stub npm; the cache beside it. */
async function checkout() {
  const root = await tempDir('passbench-npm-ci-');
  const repo = path.join(root, 'repo');
  await fs.mkdir(path.join(repo, 'scripts'), { recursive: true });
  await fs.copyFile(SCRIPT, path.join(repo, 'scripts', 'npm-ci-cached.sh'));
  await fs.writeFile(path.join(repo, 'package.json'), '{"name":"x"}\n');
  await fs.writeFile(path.join(repo, 'package-lock.json'), '{"lockfileVersion":3}\n');
  await fs.mkdir(path.join(root, 'bin'));
  await fs.writeFile(path.join(root, 'bin', 'npm'), STUB_NPM, { mode: 0o755 });
  const calls = path.join(root, 'calls');
  const run = async (build = '1') => {
    await execa('bash', [path.join(repo, 'scripts', 'npm-ci-cached.sh')], {
      env: { PATH: `${path.join(root, 'bin')}:${process.env.PATH ?? ''}`, STUB_CALLS: calls, STUB_BUILD: build, PASSBENCH_CACHE: path.join(root, 'cache') },
    });
    return {
      npmCalls: (await fs.readFile(calls, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length,
      marker: (await fs.readFile(path.join(repo, 'node_modules', 'marker'), 'utf8')).trim(),
    };
  };
  return { repo, root, run };
}

describe('scripts/npm-ci-cached.sh', function () {
  this.timeout(30_000);

  it('runs npm ci once, then restores the kept node_modules while the lockfile is unchanged', async () => {
    const { repo, run } = await checkout();
    assert.deepEqual(await run('1'), { npmCalls: 1, marker: 'built 1' });
    await fs.rm(path.join(repo, 'node_modules'), { recursive: true });
    // A second install would write "built 2": the restored copy still says 1, and npm was not called.
    assert.deepEqual(await run('2'), { npmCalls: 1, marker: 'built 1' });
  });

  it('keeps the copy when only package.json\'s scripts change, installs afresh when its dependencies do', async () => {
    const { repo, run } = await checkout();
    await run('1');
    await fs.writeFile(path.join(repo, 'package.json'), '{"name":"x","scripts":{"lint":"eslint ."}}\n');
    assert.deepEqual(await run('2'), { npmCalls: 1, marker: 'built 1' });
    await fs.writeFile(path.join(repo, 'package.json'), '{"name":"x","dependencies":{"yaml":"^2.9.1"}}\n');
    assert.deepEqual(await run('3'), { npmCalls: 2, marker: 'built 3' });
  });

  it('installs afresh when the lockfile changes, and keeps only the newest copy', async () => {
    const { repo, root, run } = await checkout();
    await run('1');
    await fs.writeFile(path.join(repo, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    assert.deepEqual(await run('2'), { npmCalls: 2, marker: 'built 2' });
    assert.equal((await fs.readdir(path.join(root, 'cache', 'node-modules'))).length, 1);
  });

  it('drops a kept copy that does not unpack and installs afresh', async () => {
    const { root, run } = await checkout();
    await run('1');
    const dir = path.join(root, 'cache', 'node-modules');
    const [kept] = await fs.readdir(dir);
    await fs.writeFile(path.join(dir, kept!), 'not a tar file');
    assert.deepEqual(await run('2'), { npmCalls: 2, marker: 'built 2' });
  });
});
