import type { Host } from '../host/host.ts';
import { readDirOptional } from '../pci/sysfs-read.ts';
import type { CheckResult } from './checks.ts';

/**
 * What a run's selection needs on a host beyond passthrough itself (`passbench doctor` with a lab
 * config): the baselines' bridges with a port on the test network, /dev/net/tun for their taps,
 * vhost-net for virtio-net, the guest image's files, and the tool the guests' setup runs there:
 * dropbearkey for passbench's image (each guest's host key is made on the host that runs its
 * QEMU), qemu-img for a qcow2 image (each guest boots an overlay of it). The same bridge rule guards a run (scenario/validate-host.ts).
 */
export interface RunNeeds {
  bridges: readonly string[];
  /** A virtio-net baseline on the test wire: vhost-net is what a real lab's would use (runs use it where present). */
  vhost: boolean;
  guestFiles: readonly string[];
  guestTool: GuestTool;
  /** run.guest.copyFrom: a missing file is copied by the run, so only a note. */
  copyFrom?: string;
}

export type GuestTool = 'dropbearkey' | 'qemu-img';

const GUEST_TOOLS: Record<GuestTool, { probe: string[]; what: string; remedy: string }> = {
  dropbearkey: { probe: ['dropbearkey', '-h'], what: 'the guests\' host keys',
    remedy: 'apt-get install dropbear-bin: each guest\'s SSH host key is made on the host that runs its QEMU, to be pinned.' },
  'qemu-img': { probe: ['qemu-img', '--version'], what: 'each guest\'s overlay of the qcow2 image',
    remedy: 'apt-get install qemu-utils: each guest boots a copy-on-write overlay, made on the host that runs its QEMU; the image is never written.' },
};

export interface BridgeFacts { name: string; exists: boolean; ports: string[] }

export interface RunFacts {
  bridges: BridgeFacts[];
  tun: boolean;
  vhostNet: boolean;
  guestFiles: { path: string; exists: boolean }[];
  /** needs.guestTool runs there. */
  guestTool: boolean;
}

export async function readBridge(host: Host, name: string): Promise<BridgeFacts> {
  const exists = await host.exists(`/sys/class/net/${name}/bridge`);
  return { name, exists, ports: exists ? await readDirOptional(host, `/sys/class/net/${name}/brif`) : [] };
}

/** Why a baseline cannot reach the test network through this bridge, and how to make it; undefined when it can. */
export function bridgeProblem(b: BridgeFacts): { problem: string; remedy: string } | undefined {
  const remedy = `make it once: ip link add ${b.name} type bridge; ip link set PORT master ${b.name}; ip link set ${b.name} up (PORT: the host's port on the test network)`;
  if (!b.exists) return { problem: `the host has no bridge ${b.name} for the baseline's tap`, remedy };
  if (b.ports.length === 0) return { problem: `bridge ${b.name} has no port, so the baseline would not reach the test network`, remedy };
  return undefined;
}

export async function gatherRunFacts(host: Host, needs: RunNeeds): Promise<RunFacts> {
  const files = [];
  for (const path of needs.guestFiles) files.push({ path, exists: await host.exists(path) });
  const guestTool = await host.run(GUEST_TOOLS[needs.guestTool].probe, { allowFailure: true }).then((r) => r.exitCode !== 127, () => false);
  return {
    bridges: await Promise.all(needs.bridges.map((b) => readBridge(host, b))),
    tun: await host.exists('/dev/net/tun'),
    vhostNet: await host.exists('/dev/vhost-net'),
    guestFiles: files,
    guestTool,
  };
}

const result = (id: string, title: string, problem: string | undefined, found: string, remedy?: string, grade: 'WARN' | 'FAIL' = 'FAIL'): CheckResult =>
  (problem === undefined ? { id, title, grade: 'PASS', detail: found } : { id, title, grade, detail: problem, remedy: remedy ?? problem });

/** Pure: grades what gatherRunFacts found against what the run needs. */
export function gradeRunFacts(needs: RunNeeds, f: RunFacts): CheckResult[] {
  const checks = f.bridges.map((b) => {
    const found = bridgeProblem(b);
    return result(`bridge-${b.name}`, `Checking for the baselines' bridge ${b.name}`, found?.problem, `ports ${b.ports.join(', ')}`, found?.remedy);
  });
  if (needs.bridges.length) {
    checks.push(result('tun', 'Checking for /dev/net/tun', f.tun ? undefined : 'missing: the baselines\' taps cannot be made', 'present', 'modprobe tun (and add it to /etc/modules)'));
  }
  if (needs.vhost) {
    checks.push(result('vhost-net', 'Checking for /dev/vhost-net', f.vhostNet ? undefined : 'missing: virtio-net would run its data path in QEMU, not in the kernel as a lab\'s would',
      'present', 'modprobe vhost_net (and add it to /etc/modules)', 'WARN'));
  }
  for (const g of f.guestFiles) {
    const title = `Checking for the guest image file ${g.path}`;
    checks.push(g.exists || needs.copyFrom === undefined
      ? result(`guest-file-${g.path}`, title, g.exists ? undefined : 'missing', 'present',
        'Build it on the controller (vm-images/build-guest.sh) and copy it to this path, or set run.guest.copyFrom to the folder that holds it (the run copies it, checksummed).')
      : { id: `guest-file-${g.path}`, title, grade: 'PASS', detail: `missing: the run copies it from ${needs.copyFrom} on this machine` });
  }
  const tool = GUEST_TOOLS[needs.guestTool];
  checks.push(result(needs.guestTool, `Checking for ${needs.guestTool} (${tool.what})`, f.guestTool ? undefined : 'not found', 'found', tool.remedy));
  return checks;
}
