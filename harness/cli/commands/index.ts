import type { Command } from 'commander';
import { registerBindCommand } from './bind.ts';
import { registerChangesCommand } from './changes.ts';
import { registerCompareCommand } from './compare.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerDevicesCommand } from './devices.ts';
import { registerDoctorCommand } from './doctor.ts';
import { registerHistoryCommand } from './history.ts';
import { registerLabCommand } from './lab.ts';
import { registerReportCommand } from './report.ts';
import { registerRestoreCommand } from './restore.ts';
import { registerRunCommand } from './run.ts';
import { registerSriovCommand } from './sriov.ts';

/** Every command registers itself on the program; the order here is the order in --help. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerDoctorCommand,
  registerDevicesCommand,
  registerBindCommand,
  registerSriovCommand,
  registerRestoreCommand,
  registerLabCommand,
  registerRunCommand,
  registerHistoryCommand,
  registerCompareCommand,
  registerChangesCommand,
  registerReportCommand,
  registerDashboardCommand,
];
