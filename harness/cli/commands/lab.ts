import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerLabCommand(program: Command): void {
  program
    .command('lab')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench lab` is not built yet');
    });
}
