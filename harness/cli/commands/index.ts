import type { Command } from 'commander';

/** Every command registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * The commands, by name, each loaded only when asked for: `passbench dashboard` need not load what
 * `run` drives (SSH, QEMU, the scenario runner). Loading every command's modules through tsx took
 * about 0.6 s of each call's start; one command's, 0.1–0.3 s. The order here is the order in --help.
 */
export interface CommandEntry {
  name: string;
  load: () => Promise<RegisterCommand>;
}

export const commands: CommandEntry[] = [
  { name: 'doctor', load: async () => (await import('./doctor.ts')).registerDoctorCommand },
  { name: 'devices', load: async () => (await import('./devices.ts')).registerDevicesCommand },
  { name: 'bind', load: async () => (await import('./bind.ts')).registerBindCommand },
  { name: 'sriov', load: async () => (await import('./sriov.ts')).registerSriovCommand },
  { name: 'restore', load: async () => (await import('./restore.ts')).registerRestoreCommand },
  { name: 'lab', load: async () => (await import('./lab.ts')).registerLabCommand },
  { name: 'run', load: async () => (await import('./run.ts')).registerRunCommand },
  { name: 'history', load: async () => (await import('./history.ts')).registerHistoryCommand },
  { name: 'compare', load: async () => (await import('./compare.ts')).registerCompareCommand },
  { name: 'changes', load: async () => (await import('./changes.ts')).registerChangesCommand },
  { name: 'report', load: async () => (await import('./report.ts')).registerReportCommand },
  { name: 'dashboard', load: async () => (await import('./dashboard.ts')).registerDashboardCommand },
];

/**
 * The commands a command line needs: the one it names first, or every one (for the overview in
 * --help, `help`, and the error that names an unknown command with the ones there are).
 */
export function commandsFor(argv: readonly string[]): CommandEntry[] {
  const named = commands.find((c) => c.name === argv[2]);
  return named ? [named] : commands;
}
