import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { parseBdf } from '../../pci/bdf.ts';
import { addWaitOption, resolveHostState, withCommandLock } from '../host-state.ts';
import { openCommandHost } from '../open-command-host.ts';
import { configureVfs, type SriovResult } from '../../prepare/sriov.ts';
import { addHostOptions, type HostOptions } from '../host-option.ts';
import { formatTable, printJson, printLine } from '../output.ts';

interface SriovOptions extends HostOptions {
  vfs: string;
  bindVfio?: boolean;
  force?: boolean;
  journal?: string;
  wait?: string;
  json?: boolean;
}

export function registerSriovCommand(program: Command): void {
  addWaitOption(addHostOptions(
    program
      .command('sriov')
      .description('Create N virtual functions on a PF (--vfs 0 removes them), optionally bound to vfio-pci; journalled')
      .argument('<bdf>', 'the PF, DDDD:BB:DD.F')
      .requiredOption('--vfs <n>', 'number of VFs (0 removes them)')
      .option('--bind-vfio', 'bind every VF to vfio-pci')
      .option('--force', 'change the VFs (or bind one) even when the host uses the PF or a VF (SSH session, route, address)')
      .option('--journal <path>', 'journal file on the host (default: journal.json in the lab config\'s journalDir for the host, else /var/lib/passbench)')
      .option('--json', 'print the result as JSON'),
  )).action(async (arg: string, options: SriovOptions) => {
    const pf = parseBdf(arg);
    const n = parseCount(options.vfs);
    // The journal and the host-wide lock where `run` keeps them (the lab config's journalDir).
    const state = await resolveHostState(options);
    const journalPath = state.journalPath;
    const host = await openCommandHost(options);
    try {
      const result = await withCommandLock(host, state, 'sriov', () => configureVfs(host, pf, n, { bindVfio: options.bindVfio, force: options.force, journalPath }));
      if (options.json) printJson(result);
      else printLine(formatSriovResult(result, state.restore));
    } finally {
      await host.close();
    }
  });
}

function parseCount(text: string): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw new UsageError(`--vfs ${JSON.stringify(text)} is not a whole number`, { remedy: 'Give --vfs a count such as 2, or 0 to remove the VFs.' });
  }
  return Number(text);
}

export function formatSriovResult(result: SriovResult, restore = 'passbench restore'): string {
  const lines = [`${result.pf}: ${result.numVfs} VF(s)`];
  if (result.vfs.length) {
    lines.push(formatTable(['VF', 'DRIVER', 'IOMMU GROUP', 'GROUP MEMBERS'],
      result.vfs.map((v) => [v.bdf, v.driver ?? '-', v.iommuGroup === undefined ? '-' : String(v.iommuGroup), v.groupMembers.join(' ')])));
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  for (const f of result.forced) lines.push(`warning (--force): ${f.message}`);
  lines.push(`Journal: ${result.journalPath}. Undo with: ${restore}`);
  return lines.join('\n');
}
