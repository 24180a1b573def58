import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { harnessVersion } from '../../../harness/cli/harness-version.ts';

describe('cli/harnessVersion: what a run records as the passbench it ran', () => {
  it("is package.json's version and, in a git checkout, its commit", async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const head = (await execa('git', ['rev-parse', '--short', 'HEAD'], { reject: false })).stdout.trim();
    const got = await harnessVersion();
    if (/^[0-9a-f]{7,40}$/.test(head)) assert.match(got, new RegExp(`^${version.replace(/\./g, '\\.')}\\+${head}(\\.dirty)?$`));
    else assert.equal(got, version);
  });
});
