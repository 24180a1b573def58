/**
 * What passbench a run was made with, for its metadata (RunMeta.harnessVersion, named when it
 * changes between nights): package.json's version, and the commit when it runs from a git
 * checkout ("0.1.0+f9f6c50", ".dirty" after it with uncommitted changes), as labs run it from one.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LocalHost } from '../host/local-host.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function harnessVersion(): Promise<string> {
  const { version } = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { version: string };
  const git = (args: string[]) => new LocalHost().run(['git', '-C', ROOT, ...args], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  const commit = await git(['rev-parse', '--short', 'HEAD']);
  if (commit?.exitCode !== 0 || !/^[0-9a-f]{7,40}$/.test(commit.stdout.trim())) return version;
  const status = await git(['status', '--porcelain', '--untracked-files=no']);
  const dirty = status?.exitCode === 0 && status.stdout.trim() !== '' ? '.dirty' : '';
  return `${version}+${commit.stdout.trim()}${dirty}`;
}
