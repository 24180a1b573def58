/**
 * Nested boot benchmark (issue 3 point 6). Prints:
 *   1. ISO build time, cold: vm-images/build-guest.sh into an empty temporary cache (the kernel .deb
 *      is linked in from the real cache: download time is the network's, not the build's);
 *   2. lab host start → SSH ready (passbench's own lab, TCG);
 *   3. nested guest start → SSH ready (QEMU inside the lab host, TCG in TCG), for a VF guest by default.
 *
 *   npx tsx bench/nested-boot.ts [--kind vf|e1000|whole-nic] [--boot pvh|kernel|iso] [--cpu max|qemu64]
 *        [--mem 256] [--append "console=ttyS0 quiet …"] [--lab-cpu max,-avx2] [--no-iso-build] [--runs 1]
 * Always says the accelerator, the load average and the revision: figures from a loaded 2-core
 * machine are not comparable with an idle one's.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, symlink, mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LocalHost } from '../harness/host/local-host.ts';
import { labDown, labUp } from '../harness/lab/lab-up.ts';
import { connectLab } from '../harness/lab/lab-ssh.ts';
import { ensureLabPeer, vfGuestAddress, WHOLE_NIC_GUEST_ADDRESS } from '../harness/lab/lab-network.ts';
import { GUEST_APPEND, startLabGuest, type LabGuestKind } from '../harness/lab/lab-guest.ts';
import { bindWithDriverOverride } from '../harness/pci/driver-ops.ts';
import { setNumVfs } from '../harness/pci/sriov-ops.ts';

const { values: a } = parseArgs({
  options: {
    kind: { type: 'string', default: 'vf' }, boot: { type: 'string', default: 'pvh' }, cpu: { type: 'string' },
    mem: { type: 'string', default: '256' }, 'lab-cpu': { type: 'string' }, append: { type: 'string' }, 'no-iso-build': { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
  },
});
const host = new LocalHost();
const repo = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const revision = (await host.run(['git', '-C', repo, 'rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
const load = async () => (await host.readFile('/proc/loadavg')).split(' ').slice(0, 3).join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(`nested-boot bench, rev ${revision}, load ${await load()}`);

if (!a['no-iso-build']) {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'pb-cold-cache-'));
  try {
    const real = process.env.PASSBENCH_CACHE ?? path.join(os.homedir(), '.cache', 'passbench');
    await mkdir(cache, { recursive: true });
    await symlink(path.join(real, 'debs'), path.join(cache, 'debs'));
    const t0 = Date.now();
    await host.run(['env', `PASSBENCH_CACHE=${cache}`, 'bash', path.join(repo, 'vm-images', 'build-guest.sh')], { timeoutMs: 900_000 });
    console.log(`ISO build, cold (kernel extract + lab initramfs + guest initramfs + ISO): ${s(Date.now() - t0)}`);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

const name = 'nestbench';
const keyDir = await mkdtemp(path.join(os.tmpdir(), 'pb-nestbench-'));
try {
  const { paths, state } = await labUp(host, { name, cpuModel: a['lab-cpu'] });
  console.log(`lab host start → SSH ready: ${s(state.sshReadyMs)} (${state.accel}, lab cpu ${a['lab-cpu'] ?? 'max'})`);
  const lab = await connectLab(paths, state);
  try {
    const nics = await ensureLabPeer(lab);
    const kind = a.kind as LabGuestKind;
    let bdf = undefined;
    if (kind === 'vf') {
      bdf = (await setNumVfs(lab, nics.igbPfs[0]!, 1))[0]!;
      await bindWithDriverOverride(lab, bdf, 'vfio-pci');
    } else if (kind === 'whole-nic') {
      bdf = nics.igbPfs[1]!;
      await bindWithDriverOverride(lab, bdf, 'vfio-pci');
    }
    const append = a.append?.split(/\s+/).filter(Boolean) ?? GUEST_APPEND;
    for (let run = 1; run <= Number(a.runs); run++) {
      const g = await startLabGuest(host, lab, {
        name: `bench${run}`, kind, bdf, address: kind === 'vf' ? vfGuestAddress(0) : WHOLE_NIC_GUEST_ADDRESS,
        images: state.guestImages!, boot: a.boot as 'pvh' | 'kernel' | 'iso', cpuModel: a.cpu, memoryMiB: Number(a.mem),
        append, controllerDir: keyDir, deadlineMs: 900_000, log: (l) => console.log(`  ${l}`),
      });
      console.log(`nested ${kind} guest start → SSH ready: ${s(g.sshReadyMs)} (${g.guest.accel} in ${state.accel}; boot ${a.boot}, `
        + `cpu ${a.cpu ?? 'max'}, ${a.mem} MiB, append "${a.boot === 'iso' ? '(isolinux.cfg)' : append.join(' ')}"; load ${await load()})`);
      await g.stop();
    }
  } finally {
    await lab.close();
  }
} finally {
  await labDown(host, { name });
  await rm(keyDir, { recursive: true, force: true });
}
