import { Command, CommanderError } from 'commander';
import { PassbenchError } from '../errors.ts';
import { commandsFor } from './commands/index.ts';
import { documentedExitCode, exitCodeOf } from './exit-code-of.ts';
import { ExitCode } from './exit-codes.ts';

/** Builds the program for this command line; each command lives in its own module under ./commands. */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('passbench')
    .description('Test and benchmark PCI passthrough (VFIO) on QEMU/KVM lab hosts.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const command of commandsFor(argv)) (await command.load())(program);
  program.addHelpText(
    'after',
    `
Hosts: every host command runs on this machine unless given --host NAME (from --lab FILE) or
--host ssh://user@address:port. Start a virtual lab with \`passbench lab up\` to try things safely.

Exit codes: 0 passed, 1 a check failed or a regression, 2 usage or config error,
3 the environment is not fit, a host is busy or unreachable (see \`passbench doctor\`),
4 the results cannot be read (a missing or corrupt run or result file, a run id not in the history,
a history that cannot be opened).`,
  );
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv as string[]);
    const set = process.exitCode;
    return set === undefined ? ExitCode.ok : documentedExitCode(Number(set));
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    printError(error);
    return exitCodeOf(error);
  }
}

function printError(error: unknown): void {
  if (error instanceof PassbenchError) {
    process.stderr.write(`passbench: ${error.message}\n`);
    if (error.remedy) process.stderr.write(`  what to do: ${error.remedy}\n`);
    if (process.env.PASSBENCH_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
  } else {
    // Not one of ours: a bug. Show everything.
    process.stderr.write(`passbench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
