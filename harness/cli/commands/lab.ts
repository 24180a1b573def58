import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { LocalHost } from '../../host/local-host.ts';
import { isPeerRate, MAX_PEER_RATE_MBIT } from '../../lab/lab-network.ts';
import { LAB_KERNELS, labDown, labStatus, labUp, type LabKernel } from '../../lab/lab-up.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printLine } from '../output.ts';

const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const ACCELS = ['auto', 'kvm', 'tcg'] as const;

function labName(name: string): string {
  if (!LAB_NAME.test(name)) {
    throw new UsageError(`lab name ${JSON.stringify(name)} is not allowed: expected lower-case letters, digits and '-' (at most 31)`);
  }
  return name;
}

function peerRate(text: string): number {
  const mbit = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !isPeerRate(mbit)) {
    throw new UsageError(`--peer-rate ${JSON.stringify(text)}: expected a number of Mbit/s above 0 and at most ${MAX_PEER_RATE_MBIT}`, {
      remedy: 'Give the cap in Mbit/s, e.g. --peer-rate 10, or leave it out for the wire as emulated.',
    });
  }
  return mbit;
}

export function registerLabCommand(program: Command): void {
  const lab = program
    .command('lab')
    .description('The virtual lab: a QEMU-emulated lab host with an IOMMU, an SR-IOV igb NIC and an e1000')
    .addHelpText('after', `
The lab host runs a real Debian kernel under QEMU (TCG here; KVM where /dev/kvm works), with
intel-iommu (interrupt remapping on), an igb NIC with SR-IOV standing in for the 82599, an e1000
for management (SSH on a loopback port) and a peer NIC wired to the igb. Its config file, printed
by \`lab up\`, is what every host command takes:  passbench doctor --lab FILE --host lab`);

  lab
    .command('up')
    .description('build (cached) and boot the lab host; prints the lab config path')
    .option('--name <name>', 'lab name, for several labs side by side', 'lab')
    .option('--accel <accel>', `accelerator: ${ACCELS.join(', ')} (auto falls back to TCG, loudly)`, 'auto')
    .option('--guest-accel <accel>', 'the nested guests\' accelerator: tcg (TCG inside TCG: ~30 s boots, proven), kvm (KVM inside the lab host: ~8 s boots, but its CPU 0 can stop taking timer interrupts), auto (kvm when the lab host has /dev/kvm)', 'tcg')
    .option('--kernel <version>', `the lab host's kernel: ${Object.keys(LAB_KERNELS).join(' (Debian 12) or ')} (bookworm-backports); the guests keep theirs`, '6.12')
    .option('--peer-rate <mbit>', 'cap what the lab\'s peer sends to the guests at this many Mbit/s (a token bucket on its port): a slower wire made on purpose, for a rehearsal')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
A kernel-upgrade rehearsal: nights on one kernel, then the other, then \`passbench changes\`:
  passbench lab down; passbench lab up --kernel 6.1     # … nights …
  passbench lab down; passbench lab up --kernel 6.12    # … nights …; the runs record the kernel
scripts/rehearse-upgrade.sh does all of it, and can make the upgrade cost throughput on purpose
(--peer-rate 3 --step 20: the peer's port capped at 3 Mbit/s, then 2.4 from the new kernel on).`)
    .action(async (options: { name: string; accel: string; guestAccel: string; kernel: string; peerRate?: string; json?: boolean }) => {
      const accel = ACCELS.find((a) => a === options.accel);
      if (!accel) throw new UsageError(`--accel ${JSON.stringify(options.accel)}: expected one of ${ACCELS.join(', ')}`);
      const guestAccel = ACCELS.find((a) => a === options.guestAccel);
      if (!guestAccel) throw new UsageError(`--guest-accel ${JSON.stringify(options.guestAccel)}: expected one of ${ACCELS.join(', ')}`);
      const kernel = Object.keys(LAB_KERNELS).find((k): k is LabKernel => k === options.kernel);
      if (!kernel) throw new UsageError(`--kernel ${JSON.stringify(options.kernel)}: expected one of ${Object.keys(LAB_KERNELS).join(', ')}`);
      const peerRateMbit = options.peerRate === undefined ? undefined : peerRate(options.peerRate);
      const host = new LocalHost();
      const { paths, state } = await labUp(host, {
        peerRateMbit,
        name: labName(options.name),
        accel,
        guestAccel,
        kernel,
        log: (line) => process.stderr.write(`lab: ${line}\n`),
      });
      if (options.json) printJson({ config: paths.config, port: state.port, pid: state.pid, accel: state.accel, guestAccel: state.guestAccel, sshReadyMs: state.sshReadyMs });
      else printLine(paths.config);
    });

  lab
    .command('status')
    .description('is the lab host running and reachable over SSH (exit 1 when not)')
    .option('--name <name>', 'lab name', 'lab')
    .option('--json', 'machine-readable output')
    .action(async (options: { name: string; json?: boolean }) => {
      const status = await labStatus(new LocalHost(), { name: labName(options.name) });
      const { state: _state, ...summary } = status;
      if (options.json) printJson({ ...summary, accel: status.state?.accel });
      else printLine(status.running
        ? `lab ${options.name}: running (pid ${status.pid}, ${status.state?.accel}), ssh ${status.sshOk ? 'ok' : 'NOT reachable'}; config ${status.config}`
        : `lab ${options.name}: not running`);
      if (!status.running || !status.sshOk) process.exitCode = ExitCode.failed;
    });

  lab
    .command('down')
    .description('stop the lab host; leaves no process behind (safe to repeat)')
    .option('--name <name>', 'lab name', 'lab')
    .action(async (options: { name: string }) => {
      const stopped = await labDown(new LocalHost(), { name: labName(options.name) });
      printLine(stopped ? `lab ${options.name}: stopped` : `lab ${options.name}: was not running`);
    });
}
