import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { endQuietlyWhenReaderCloses } from '../../../harness/cli/output.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/passbench.js');

/** Runs the CLI with its stdout read by `reader`, which may close it early as `head -1` does. */
async function withReader(args: string[], reader: (stdout: NodeJS.ReadableStream & { destroy(): void }) => void) {
  const child = execa('node', [BIN, ...args], { reject: false, buffer: { stdout: false }, env: { PASSBENCH_DEBUG: '' } });
  reader(child.stdout);
  const result = await child;
  return { exitCode: result.exitCode, stderr: String(result.stderr) };
}

function assertQuiet(r: { exitCode?: number; stderr: string }): void {
  assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, `stderr: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.equal(r.exitCode, 0);
}

describe('cli: a reader that closes stdout early', () => {
  it('passbench --help with stdout already closed: exit 0, no EPIPE stack trace', async () => {
    // Closed before the CLI has started: every write it makes fails with EPIPE, deterministically.
    assertQuiet(await withReader(['--help'], (stdout) => stdout.destroy()));
  });

  it('passbench --help | head -1 (and run --help): exit 0, nothing on stderr', async () => {
    for (const args of [['--help'], ['run', '--help']]) {
      let first = '';
      const r = await withReader(args, (stdout) => {
        stdout.on('data', (chunk: Buffer) => {
          first += chunk.toString('utf8');
          if (first.includes('\n')) stdout.destroy();
        });
      });
      assert.match(first, /^Usage: passbench/);
      assertQuiet(r);
    }
  });

  it('swallows EPIPE on either stream (a run keeps cleaning up), and no other write error', () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    endQuietlyWhenReaderCloses([stdout, stderr] as unknown as NodeJS.WritableStream[]);
    const failure = (code: string) => Object.assign(new Error(`write ${code}`), { code });
    stdout.emit('error', failure('EPIPE'));
    stderr.emit('error', failure('EPIPE'));
    assert.throws(() => stdout.emit('error', failure('ENOSPC')), /ENOSPC/);
  });
});
