import { LocalHost } from '../../harness/host/local-host.ts';
import { labDown, labSshArgv, labUp, type LabUpResult } from '../../harness/lab/lab-up.ts';
import { trafficHostName } from '../../harness/lab/lab-config-yaml.ts';
import { labHost, loadLabConfig } from '../../harness/config/lab-config.ts';
import { SshHost } from '../../harness/host/ssh-host.ts';

/**
 * One virtual lab boot for every lab test in a mocha run: the first caller boots it, the root
 * `after` hook below takes it down, so no QEMU outlives the run. A lab that cannot start fails the
 * test that asked for it (never a skip).
 */
// PASSBENCH_TEST_LAB lets concurrent test runs (several worktrees, helpers) boot separate labs.
const LAB_NAME = process.env.PASSBENCH_TEST_LAB ?? 'labtest';
const controller = new LocalHost();
let booting: Promise<LabUpResult> | undefined;

export function sharedLab(): Promise<LabUpResult> {
  booting ??= labUp(controller, { name: LAB_NAME, log: (line) => process.stderr.write(`      lab: ${line}\n`) });
  return booting;
}

export const sharedLabName = LAB_NAME;

/** Drivers, overrides, numvfs and the interfaces that are up, of every PCI function of the lab host, read by a shell loop (not the harness). */
export const SNAPSHOT = `for d in /sys/bus/pci/devices/*; do
  printf '%s driver=%s override=%s numvfs=%s up=%s\\n' "$(basename $d)" \
    "$(basename "$(readlink $d/driver)" 2>/dev/null)" "$(cat $d/driver_override)" "$(cat $d/sriov_numvfs 2>/dev/null)" \
    "$(for n in $d/net/*; do [ -e $n/flags ] && [ $(( $(cat $n/flags) & 1 )) = 1 ] && printf '%s ' $(basename $n); done)"
done`;

/** Runs a script in the lab host over SSH (pinned key), outside the code under test. */
export async function labShell(script: string, timeoutMs = 60_000): Promise<string> {
  const { paths, state } = await sharedLab();
  const argv = labSshArgv(paths, state.port, ['sh', '-c', `PATH=/usr/sbin:/usr/bin:/sbin:/bin; ${script}`]);
  // Again when ssh itself failed (exit 255: a loaded lab's dropbear did not answer within ssh's 3 s
  // connect timeout, the script did not run). Scripts given here are read-only or idempotent.
  for (let attempt = 1; ; attempt++) {
    try {
      return (await controller.run(argv, { timeoutMs })).stdout;
    } catch (error) {
      if (attempt >= 6 || !/exited with code 255/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 2_000 * attempt));
    }
  }
}

/** Runs a script on the lab's traffic host over SSH (its pinned key from the lab config), outside the code under test. */
export async function trafficShell(script: string): Promise<string> {
  const { paths } = await sharedLab();
  const t = labHost(await loadLabConfig(paths.config), trafficHostName(LAB_NAME));
  const ssh = await SshHost.connect({ address: t.address, port: t.port, user: t.user, identityFile: t.identityFile, hostKey: t.hostKey });
  try {
    return (await ssh.run(['sh', '-c', script])).stdout;
  } finally {
    await ssh.close();
  }
}

after(async function () {
  this.timeout(60_000);
  if (booting) await booting.catch(() => undefined);
  await labDown(controller, { name: LAB_NAME });
});
