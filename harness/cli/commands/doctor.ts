import type { Command } from 'commander';
import { runDoctor, formatDoctorReport } from '../../doctor/run-doctor.ts';
import { UsageError } from '../../errors.ts';
import { parseBdf } from '../../pci/bdf.ts';
import { ExitCode } from '../exit-codes.ts';
import { addHostOptions, type HostOptions, openHost } from '../host-option.ts';
import { printJson, printLine } from '../output.ts';
import { doctorLab } from '../lab-doctor.ts';

interface DoctorOptions extends HostOptions {
  json?: boolean;
  config?: string;
  device?: string;
  with: string[];
}

export function registerDoctorCommand(program: Command): void {
  const command = program
    .command('doctor')
    .description('Check the host for passthrough: CPU virtualization, /dev/kvm, IOMMU, interrupt remapping, vfio, QEMU')
    .option('--json', 'machine-readable output')
    .option('--device <bdf>', 'also check that this device\'s IOMMU group can be assigned (the verdict `passbench bind` would give)')
    .option('--with <bdf>', 'as bind --with: agree to give up this unnamed member of the group (repeatable)', (value: string, list: string[]) => [...list, value], [])
    .option('--config <file>', 'with --lab and no --host: the selection laid over it, as `run --config` takes it');
  addHostOptions(command).addHelpText('after', `
With --lab FILE and no --host, the whole lab as a run of that config would use it: every host under
test gets these checks plus what its selection needs (the baselines' bridges with a port, /dev/net/tun,
/dev/vhost-net for virtio-net, the guest image's files, dropbearkey or for a qcow2 image qemu-img), and every traffic peer
is reached and checked for iperf3 and its address, nothing more. Exit 3 when anything FAILs.
  passbench doctor --lab examples/lab-82599.yaml`).action(async (options: DoctorOptions) => {
    if (options.lab !== undefined && options.host === undefined) {
      if (options.device) throw new UsageError('--device checks one host: give --host NAME with it', { remedy: 'Add --host NAME (a host of the lab config), or leave --device out to check the whole lab.' });
      const reports = await doctorLab({ lab: options.lab, config: options.config });
      if (options.json) printJson(reports);
      else printLine(reports.map(formatDoctorReport).join('\n\n'));
      if (reports.some((r) => !r.fit)) process.exitCode = ExitCode.unfit;
      return;
    }
    if (options.config) throw new UsageError('--config is for the whole lab: give it with --lab and no --host', { remedy: 'Drop --host to check every host of the lab config, or drop --config.' });
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
