import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench restore` is not built yet');
    });
}
