import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('(not built yet)')
    .action(() => {
      throw new PassbenchError('`passbench doctor` is not built yet');
    });
}
