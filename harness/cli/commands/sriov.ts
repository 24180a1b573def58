import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerSriovCommand(program: Command): void {
  program
    .command('sriov')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench sriov` is not built yet');
    });
}
