/**
 * Nested boot benchmark (issue 3 point 6). Prints:
 *   1. with --cold-build, the image build time from an empty temporary cache: the guest kernel from
 *      linux-source, its initramfs and ISO, the lab's kernel and initramfs (the .deb files are linked
 *      in from the real cache: download time is the network's, not the build's);
 *   2. lab host start → SSH ready (passbench's own lab, TCG);
 *   3. --runs nested guest boots (QEMU inside the lab host, the lab's accelerator for its guests: TCG
 *      inside TCG by default, KVM with --accel kvm), a VF guest by default, each
 *      split into phases (QEMU start → QMP → kernel → /init → services → SSH), then the median and
 *      range of each phase.
 *
 *   npx tsx bench/nested-boot.ts [--kind vf|e1000|nic] [--accel kvm|tcg (default: the lab's choice)] [--boot pvh|kernel|iso] [--cpu max|qemu64]
 *        [--initrds a.initrd,b.initrd] [--kernels a.vmlinux,b.vmlinux] [--mem 256] [--append "console=ttyS0 quiet …"] [--lab-cpu max,-avx2] [--lab-tb-size MiB] [--cold-build] [--show-console] [--runs 5]
 * --initrds (--kernels) takes initrd (vmlinux) files in the guest image cache (~/.cache/passbench/guest) and boots them in
 * turn, so two variants are compared in the same lab host under the same load (A, B, A, B…).
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
import { LAB_TB_SIZE_MIB } from '../harness/lab/lab-qemu-args.ts';
import { ensureLabPeer, vfGuestAddress, WHOLE_NIC_GUEST_ADDRESS } from '../harness/lab/lab-network.ts';
import { startGuest, type GuestKind } from '../harness/guest/guest.ts';
import { GUEST_APPEND } from '../harness/guest/guest-append.ts';
import { bindWithDriverOverride } from '../harness/pci/driver-ops.ts';
import { setNumVfs } from '../harness/pci/sriov-ops.ts';
import { QmpClient } from '../harness/vm/qmp.ts';
import type { Host } from '../harness/host/host.ts';
import { cpuSeconds } from './bench-args.ts';

const { values: a } = parseArgs({
  options: {
    kind: { type: 'string', default: 'vf' }, accel: { type: 'string' }, boot: { type: 'string', default: 'pvh' }, cpu: { type: 'string' },
    mem: { type: 'string', default: '256' }, 'lab-cpu': { type: 'string' }, 'lab-tb-size': { type: 'string' }, initrds: { type: 'string' }, kernels: { type: 'string' }, append: { type: 'string' }, 'cold-build': { type: 'boolean', default: false }, 'show-console': { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
  },
});
const host = new LocalHost();
const repo = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const revision = (await host.run(['git', '-C', repo, 'rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
const load = async () => (await host.readFile('/proc/loadavg')).split(' ').slice(0, 3).join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Where a nested boot's time goes, from the harness's clocks (QEMU start → QMP, → console ready,
 * → SSH) and the guest kernel's uptime stamps on the console ("passbench-guest: [uptime] start" at
 * /init, "… services started"): the part before the kernel's clock starts is QEMU's start plus the
 * firmware loading the kernel and initrd.
 */
const PHASES = ['qemu start → QMP', 'QMP → kernel', 'kernel → /init', '/init → services', 'services → SSH'] as const;
type Phases = Record<(typeof PHASES)[number] | 'total', number>;
function bootPhases(console: string, qmpMs: number, consoleReadyMs: number, sshReadyMs: number): Phases {
  const uptime = (what: string) => Number(new RegExp(`passbench-guest: \\[([\\d.]+)\\] ${what}`).exec(console)?.[1] ?? Number.NaN) * 1000;
  const init = uptime('start');
  const services = uptime('services started');
  // The console is polled: the kernel's own stamp of "services started" is the closer figure.
  const kernelStartMs = consoleReadyMs - services;
  return {
    'qemu start → QMP': qmpMs, 'QMP → kernel': kernelStartMs - qmpMs, 'kernel → /init': init,
    '/init → services': services - init, 'services → SSH': sshReadyMs - consoleReadyMs, total: sshReadyMs,
  };
}
console.log(`nested-boot bench, rev ${revision}, load ${await load()}`);

/**
 * What might make one boot slower than the one before in the same lab host: the outer QEMU's
 * translated code (TCG inside TCG translates each new inner-QEMU JIT page again), the lab host's
 * free memory and load, and a fixed piece of CPU work timed inside the lab host.
 */
async function labHostState(lab: Host, qmpSocket: string): Promise<string> {
  const qmp = await QmpClient.connect({ path: qmpSocket });
  const jit = await qmp.execute<{ 'human-readable-text': string }>('x-query-jit').then(({ 'human-readable-text': text }) => {
    const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(text)?.[1] ?? '?';
    return `outer TBs ${field('TB count')}, flushes ${field('TB flush count')}, invalidations ${field('TB invalidate count')}`;
  }).finally(() => qmp.close());
  const t0 = Date.now();
  await lab.run(['sh', '-c', 'head -c 20000000 /dev/zero | md5sum >/dev/null']);
  const probeMs = Date.now() - t0;
  const mem = await lab.readFile('/proc/meminfo');
  const kib = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(mem)?.[1] ?? Number.NaN) / 1024);
  const labLoad = (await lab.readFile('/proc/loadavg')).split(' ').slice(0, 3).join(' ');
  const procs = (await lab.run(['sh', '-c', 'ls -d /proc/[0-9]* | wc -l'])).stdout.trim();
  return `lab host: md5 of 20 MB ${s(probeMs)}, MemFree ${kib('MemFree')} MiB, Cached ${kib('Cached')} MiB, load ${labLoad}, ${procs} processes; ${jit}`;
}

if (a['cold-build']) {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'pb-cold-cache-'));
  try {
    const real = process.env.PASSBENCH_CACHE ?? path.join(os.homedir(), '.cache', 'passbench');
    await mkdir(cache, { recursive: true });
    await symlink(path.join(real, 'debs'), path.join(cache, 'debs'));
    const t0 = Date.now();
    await host.run(['env', `PASSBENCH_CACHE=${cache}`, 'bash', path.join(repo, 'vm-images', 'build-guest.sh')], { timeoutMs: 900_000 });
    console.log(`image build, cold (guest kernel + initramfs + ISO, lab kernel extract + initramfs): ${s(Date.now() - t0)}`);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/** --initrds / --kernels: file names in the guest image cache, booted in turn. */
const cacheFiles = (option: 'initrds' | 'kernels') => a[option]?.split(',').filter(Boolean).map((f) => {
  if (!/^[A-Za-z0-9._+-]+$/.test(f)) throw new Error(`--${option}: ${JSON.stringify(f)} is not a file name in the guest image cache`);
  return f;
}) ?? [];
const initrds = cacheFiles('initrds');
const kernels = cacheFiles('kernels');
const name = 'nestbench';
const keyDir = await mkdtemp(path.join(os.tmpdir(), 'pb-nestbench-'));
try {
  const { paths, state } = await labUp(host, { name, cpuModel: a['lab-cpu'], tbSizeMiB: a['lab-tb-size'] === undefined ? undefined : Number(a['lab-tb-size']) });
  console.log(`lab host start → SSH ready: ${s(state.sshReadyMs)} (${state.accel}, lab cpu ${a['lab-cpu'] ?? 'max'}, tb-size ${a['lab-tb-size'] ?? LAB_TB_SIZE_MIB} MiB)`);
  const lab = await connectLab(paths, state);
  try {
    const nics = await ensureLabPeer(lab);
    const kind = a.kind as GuestKind;
    let bdf = undefined;
    if (kind === 'vf') {
      bdf = (await setNumVfs(lab, nics.igbPfs[0]!, 1))[0]!;
      await bindWithDriverOverride(lab, bdf, 'vfio-pci');
    } else if (kind === 'nic') {
      bdf = nics.igbPfs[1]!;
      await bindWithDriverOverride(lab, bdf, 'vfio-pci');
    }
    const append = a.append?.split(/\s+/).filter(Boolean) ?? GUEST_APPEND;
    const accel = (a.accel ?? state.guestAccel ?? 'tcg') as 'kvm' | 'tcg';
    const boots: Phases[] = [];
    console.log(`before run 1: ${await labHostState(lab, paths.qmpSocket)}`);
    const cpu: number[] = [];
    for (let run = 1; run <= Number(a.runs); run++) {
      const cpu0 = (await cpuSeconds(state.pid))!.own;
      const images = { ...state.guestImages!,
        ...(initrds.length ? { initrd: `/images/${initrds[(run - 1) % initrds.length]}` } : {}),
        ...(kernels.length ? { vmlinux: `/images/${kernels[(run - 1) % kernels.length]}` } : {}) };
      const g = await startGuest(host, lab, {
        name: `bench${run}`, kind, bdf, address: kind === 'vf' ? vfGuestAddress(0) : WHOLE_NIC_GUEST_ADDRESS,
        images, accel, boot: a.boot as 'pvh' | 'kernel' | 'iso', cpuModel: a.cpu, memoryMiB: Number(a.mem),
        append, controllerDir: keyDir, deadlineMs: 900_000, log: (l) => console.log(`  ${l}`),
      });
      const consoleText = await g.guest.consoleTail(5000);
      if (a['show-console']) console.log(consoleText);
      const phases = bootPhases(consoleText, g.guest.startedMs, g.consoleReadyMs!, g.sshReadyMs); // passbench's image: its console says when
      boots.push(phases);
      cpu.push((await cpuSeconds(state.pid))!.own - cpu0);
      console.log(`run ${run}${initrds.length ? ` (${path.basename(images.initrd)})` : ''}${kernels.length ? ` (${path.basename(images.vmlinux!)})` : ''}: nested ${kind} guest start → SSH ready ${s(g.sshReadyMs)} (lab QEMU used ${cpu.at(-1)!.toFixed(1)} CPU s): ${PHASES.map((p) => `${p} ${s(phases[p])}`).join(', ')}; load ${await load()}`);
      await g.stop();
      console.log(`after run ${run}: ${await labHostState(lab, paths.qmpSocket)}`);
    }
    console.log(`\nnested ${kind} guest (${accel} in ${state.accel}; boot ${a.boot}, cpu ${a.cpu ?? 'max'}, ${a.mem} MiB, `
      + `append "${a.boot === 'iso' ? '(isolinux.cfg)' : append.join(' ')}"), ${boots.length} boots: median [min–max]`);
    for (const p of [...PHASES, 'total'] as const) {
      const v = boots.map((b) => b[p]).sort((x, y) => x - y);
      console.log(`  ${p.padEnd(22)} ${s(v[Math.floor((v.length - 1) / 2)]!)} [${s(v[0]!)}–${s(v.at(-1)!)}]`);
    }
    const c = [...cpu].sort((x, y) => x - y);
    console.log(`  ${'lab QEMU CPU per boot'.padEnd(22)} ${c[Math.floor((c.length - 1) / 2)]!.toFixed(1)} s [${c[0]!.toFixed(1)}–${c.at(-1)!.toFixed(1)}] (in boot order: ${cpu.map((x) => x.toFixed(0)).join(', ')})`);
  } finally {
    await lab.close();
  }
} finally {
  await labDown(host, { name });
  await rm(keyDir, { recursive: true, force: true });
}
