import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/nightly-lab.sh');

/**
 * A stand-in for `npx`: records its arguments; `npx passbench run …` prints progress on stderr
 * (some of it after a pause, once tee is running), then the outcome on stdout, and exits $STUB_EXIT.
 */
const STUB_NPX = `#!/usr/bin/env bash
echo "$*" >>"$STUB_CALLS"
if [ "$2" = run ]; then
  echo "2026-12-03T02:00:00.000Z nightly [0/17] starting" >&2
  sleep 0.3
  echo "2026-12-03T02:00:01.000Z nightly [1/17] check the IOMMU" >&2
  echo "run 20261203T020000Z-abcd: PASSED"
  echo "report (html): /srv/reports/runs/20261203T020000Z-abcd/report.html"
  echo "2026-12-03T02:00:02.000Z nightly [17/17] done" >&2
  exit "\${STUB_EXIT:-0}"
fi
`;

const made: string[] = [];

async function stubDir(): Promise<{ dir: string; calls: string; env: Record<string, string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-nightly-test-'));
  made.push(dir);
  await fs.mkdir(path.join(dir, 'bin'));
  await fs.writeFile(path.join(dir, 'bin', 'npx'), STUB_NPX, { mode: 0o755 });
  const calls = path.join(dir, 'calls');
  return { dir, calls, env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, STUB_CALLS: calls } };
}

/**
 * As cron runs it (`nightly-lab.sh >nightly.log 2>&1`): one file, opened once by the shell, shared by
 * stdout and stderr. Some output is in it before the run starts (setup, npm ci, doctor, devices).
 * `body` runs after the script is sourced (which only defines its functions); the script's path and
 * the scratch directory are $1 and $2.
 */
async function inRedirectedShell(body: string, stubExit = 0) {
  const { dir, calls, env } = await stubDir();
  const log = path.join(dir, 'nightly.log');
  const shell = `exec >"$3" 2>&1
echo "setup: the first line of the log"
for i in $(seq 1 200); do echo "setup output line $i of 200"; done
source "$1"
${body}`;
  const result = await execa('bash', ['-c', shell, 'nightly-test', SCRIPT, dir, log], { reject: false, env: { ...env, STUB_EXIT: String(stubExit) } });
  return { exitCode: result.exitCode, log: await fs.readFile(log), calls: await fs.readFile(calls, 'utf8').catch(() => ''), dir };
}

describe('scripts/nightly-lab.sh with its output redirected to a file (stub npx)', () => {
  after(async () => { await Promise.all(made.map((dir) => fs.rm(dir, { recursive: true, force: true }))); });

  it('run_nightly keeps the whole log: no NUL bytes, the first line first, the outcome, then the summary', async () => {
    const r = await inRedirectedShell('run_nightly nightly /tmp/lab.yaml "$2/outcome.txt" "$(date +%s)"');
    assert.equal(r.exitCode, 0);
    assert.equal(r.log.indexOf(0), -1, 'NUL bytes in the log');
    const lines = r.log.toString('utf8').split('\n');
    assert.equal(lines[0], 'setup: the first line of the log');
    assert.deepEqual(lines.slice(1, 201), Array.from({ length: 200 }, (_, i) => `setup output line ${i + 1} of 200`));
    const rest = lines.slice(201).join('\n');
    for (const expected of ['[0/17] starting', '[1/17] check the IOMMU', '[17/17] done', 'run 20261203T020000Z-abcd: PASSED']) {
      assert.ok(rest.includes(expected), `${expected} missing from\n${rest}`);
    }
    assert.match(rest, /run 20261203T020000Z-abcd: PASSED\n[\s\S]*\nnightly: PASSED in 0 min\nreport: \/srv\/reports\/runs\/20261203T020000Z-abcd\/report\.html\n {2}\(report\.md.*\)\n$/);
    assert.equal(r.calls, 'passbench run nightly --lab /tmp/lab.yaml --config scenarios/virtual-lab.yaml --host nightly\n');
  });

  it('a failed run: the summary says FAILED with its exit code, and run_nightly returns it', async () => {
    const r = await inRedirectedShell('status=0; run_nightly nightly /tmp/lab.yaml "$2/outcome.txt" "$(date +%s)" || status=$?; echo "returned $status"', 3);
    assert.equal(r.exitCode, 0);
    assert.equal(r.log.indexOf(0), -1, 'NUL bytes in the log');
    assert.match(r.log.toString('utf8'), /^setup: the first line of the log\n[\s\S]*\nnightly: FAILED \(exit 3\) in 0 min\nreport: .*report\.html\n.*\nreturned 3\n$/);
  });

  it('the EXIT trap takes the lab down and removes the scratch directory, keeping the exit code', async () => {
    const r = await inRedirectedShell('name=lab7; scratch=$(mktemp -d "$2/scratch.XXXXXX"); echo "$scratch" >"$2/scratch-path"; trap clean_up EXIT; exit 5');
    assert.equal(r.exitCode, 5);
    assert.equal(r.calls, 'passbench lab down --name lab7\n');
    const scratch = (await fs.readFile(path.join(r.dir, 'scratch-path'), 'utf8')).trim();
    await assert.rejects(fs.stat(scratch), { code: 'ENOENT' });
  });
});
