import type { Command } from 'commander';
import { runDoctor, formatDoctorReport } from '../../doctor/run-doctor.ts';
import { UsageError } from '../../errors.ts';
import { parseBdf } from '../../pci/bdf.ts';
import { ExitCode } from '../exit-codes.ts';
import { addHostOptions, type HostOptions, openHost } from '../host-option.ts';
import { printJson, printLine } from '../output.ts';

interface DoctorOptions extends HostOptions {
  json?: boolean;
  device?: string;
  with: string[];
}

export function registerDoctorCommand(program: Command): void {
  const command = program
    .command('doctor')
    .description('Check the host for passthrough: CPU virtualization, /dev/kvm, IOMMU, interrupt remapping, vfio, QEMU')
    .option('--json', 'machine-readable output')
    .option('--device <bdf>', 'also check that this device\'s IOMMU group can be assigned (the verdict `passbench bind` would give)')
    .option('--with <bdf>', 'as bind --with: agree to give up this unnamed member of the group (repeatable)', (value: string, list: string[]) => [...list, value], []);
  addHostOptions(command).action(async (options: DoctorOptions) => {
    const device = options.device === undefined ? undefined : parseBdf(options.device, '--device');
    const consent = options.with.map((w) => parseBdf(w, '--with'));
    if (consent.length && !device) throw new UsageError('--with only means something with --device', { remedy: 'Add --device BDF, the device whose group it belongs to.' });
    const host = await openHost(options);
    try {
      const report = await runDoctor(host, { device, with: consent });
      if (options.json) printJson(report);
      else printLine(formatDoctorReport(report));
      // Any FAIL: the environment is unfit (exit 3), so CI can tell it from a failed test.
      if (!report.fit) process.exitCode = ExitCode.unfit;
    } finally {
      await host.close();
    }
  });
}
