import type { Command } from 'commander';
import { PassbenchError } from '../../errors.ts';

/** Placeholder until the scenario runner exists, so `nightly-lab.sh` ends with a clear message. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a scenario (not built yet)')
    .argument('<scenario>', 'scenario file, e.g. scenarios/nightly.ts')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((scenario: string) => {
      throw new PassbenchError(`cannot run ${scenario}: the scenario runner is not built yet`, {
        remedy: 'Use the host commands (doctor, devices, sriov, bind, restore) and `passbench lab` meanwhile.',
      });
    });
}
