import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerDevicesCommand(program: Command): void {
  program
    .command('devices')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench devices` is not built yet');
    });
}
