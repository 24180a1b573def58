import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { commands } from '../../../harness/cli/commands/index.ts';
import { exitCodeOf, exitCodeOfRun } from '../../../harness/cli/exit-code-of.ts';
import { ExitCode } from '../../../harness/cli/exit-codes.ts';
import { CommandError, PassbenchError, ResultsError, UsageError } from '../../../harness/errors.ts';
import { SshConnectError } from '../../../harness/host/ssh-errors.ts';
import { ResultFileError } from '../../../harness/results/result-file-error.ts';
import { runCli } from '../../support/capture-cli.ts';

/** A command that ends the way `make()` says, registered only while `work` runs. */
async function withFailingCommand<T>(make: () => unknown, work: () => Promise<T>): Promise<T> {
  const register = (program: Command) => {
    program.command('fail-for-test').action(() => {
      const outcome = make();
      if (typeof outcome === 'number') process.exitCode = outcome;
      else throw outcome;
    });
  };
  const entry = { name: 'fail-for-test', load: async () => register };
  commands.push(entry);
  try {
    return await work();
  } finally {
    commands.splice(commands.indexOf(entry), 1);
  }
}

describe('cli: only documented exit codes leave passbench', () => {
  const documented = new Set<number>(Object.values(ExitCode));

  for (const code of [127, 255, 7, 2, 3]) {
    it(`a remote command that exited ${code} ends the command with 1, its own code named in the message`, async () => {
      const error = new CommandError('lab1', ['ethtool', '-i', 'eth9'], code, 'ethtool: no such device', 12);
      const result = await withFailingCommand(() => error, () => runCli('fail-for-test'));
      assert.equal(result.code, ExitCode.failed, result.stderr);
      assert.match(result.stderr, new RegExp(`exited with code ${code}`));
    });
  }

  it('each kind of error has its documented code', () => {
    assert.equal(exitCodeOf(new UsageError('x')), ExitCode.usage);
    assert.equal(exitCodeOf(new ResultFileError('/r/run.json', undefined, 'not valid JSON')), ExitCode.unreadable);
    assert.equal(exitCodeOf(new ResultsError('run r9 is not in the history')), ExitCode.unreadable);
    assert.equal(exitCodeOf(new SshConnectError('lab1', 'connect ECONNREFUSED')), ExitCode.unfit);
    assert.equal(exitCodeOf(new TypeError('a bug')), ExitCode.failed);
    // An error of ours that declares a number outside the table does not pass it on.
    assert.equal(exitCodeOf(Object.assign(new PassbenchError('x'), { exitCode: 42 })), ExitCode.failed);
    assert.equal(exitCodeOf(Object.assign(new PassbenchError('busy'), { exitCode: 3 })), ExitCode.unfit);
  });

  it('a code a command sets itself outside the table becomes 1', async () => {
    for (const code of [0, 1, 2, 3, 4, 9, 255]) {
      const result = await withFailingCommand(() => code, () => runCli('fail-for-test'));
      assert.equal(result.code, documented.has(code) ? code : ExitCode.failed);
    }
  });

  it('the help text lists every documented code', async () => {
    const help = await runCli('--help');
    const words: Record<number, string> = { 0: 'passed', 1: 'a check failed', 2: 'usage', 3: 'the environment is not fit', 4: 'the results cannot be read' };
    assert.deepEqual(Object.keys(words).map(Number), [...documented]);
    for (const code of documented) assert.match(help.stdout, new RegExp(`(^|[ ,])${code} ${words[code]}`, 'm'), `exit ${code} is not in --help`);
  });

  it('a run\'s conclusion maps to its documented code (the runner returns the word, the CLI the number)', () => {
    assert.equal(exitCodeOfRun('passed'), ExitCode.ok);
    assert.equal(exitCodeOfRun('failed'), ExitCode.failed);
    assert.equal(exitCodeOfRun('invalid'), ExitCode.usage);
    assert.equal(exitCodeOfRun('unfit'), ExitCode.unfit);
  });
});
