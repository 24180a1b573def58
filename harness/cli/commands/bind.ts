import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerBindCommand(program: Command): void {
  program
    .command('bind')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench bind` is not built yet');
    });
}
