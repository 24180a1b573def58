import type { Command } from 'commander';
import { parseBdf } from '../../pci/bdf.ts';
import { assignGroups, type AssignResult } from '../../prepare/assign-group.ts';
import { DEFAULT_JOURNAL_PATH } from '../../prepare/journal.ts';
import { addHostOptions, type HostOptions } from '../host-option.ts';
import { addWaitOption, resolveHostState, withCommandLock } from '../host-state.ts';
import { openCommandHost } from '../open-command-host.ts';
import { printJson, printLine } from '../output.ts';

interface BindOptions extends HostOptions {
  force?: boolean;
  with: string[];
  journal?: string;
  wait?: string;
  json?: boolean;
}

export function registerBindCommand(program: Command): void {
  addWaitOption(addHostOptions(
    program
      .command('bind')
      .description('Bind devices and every member of their IOMMU groups to vfio-pci (journalled; undo with `passbench restore`)')
      .argument('<bdf...>', 'PCI addresses in the form DDDD:BB:DD.F')
      .option('--with <bdf>', 'agree to take this member of a named device\'s IOMMU group too (repeatable; a refusal lists them)',
        (value: string, list: string[]) => [...list, value], [])
      .option('--force', 'take a device even when the host uses it (an interface, storage, swap, console, keyboard)')
      .option('--journal <path>', 'journal file on the host (default: journal.json in the lab config\'s journalDir for the host, else /var/lib/passbench)')
      .option('--json', 'print the result as JSON'),
  )).action(async (args: string[], options: BindOptions) => {
    // Validate everything before opening the host: bad input changes nothing.
    const bdfs = args.map((a) => parseBdf(a));
    const consent = options.with.map((w) => parseBdf(w, '--with'));
    // The journal and the host-wide lock where `run` keeps them (the lab config's journalDir).
    const state = await resolveHostState(options);
    const journalPath = state.journalPath;
    const host = await openCommandHost(options);
    try {
      const result = await withCommandLock(host, state, 'bind', () => assignGroups(host, bdfs, { force: options.force, with: consent, journalPath }));
      if (options.json) printJson(result);
      else printLine(formatBindResult(result, state.restore));
    } finally {
      await host.close();
    }
  });
}

export function formatBindResult(result: AssignResult, restore = `passbench restore${result.journalPath === DEFAULT_JOURNAL_PATH ? '' : ` --journal ${result.journalPath}`}`): string {
  const lines: string[] = [];
  const before = new Map(result.plan.steps.map((s) => [s.bdf, s.before.driver ?? 'no driver']));
  const reason = new Map(result.plan.steps.map((s) => [s.bdf, s.reason]));
  if (result.bound.length) lines.push('Bound to vfio-pci:');
  for (const b of result.bound) lines.push(`  ${b.bdf}  ${before.get(b.bdf)} -> vfio-pci  (${reason.get(b.bdf)}; ${b.method})`);
  for (const s of result.plan.skipped) lines.push(`  ${s.bdf}  left as is: ${s.reason}`);
  for (const f of result.plan.forced) lines.push(`  warning (--force): ${f.message}`);
  if (result.bound.length === 0) lines.push('Nothing to change: every device is already on vfio-pci.');
  else lines.push(`Journal: ${result.journalPath}. Undo with: ${restore}`);
  return lines.join('\n');
}
