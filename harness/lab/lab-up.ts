import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { homedir } from 'node:os';
import type { Host } from '../host/host.ts';
import { shellQuote } from '../host/shell-quote.ts';
import { generateKeyPair } from '../host/ssh-keys.ts';
import { usableAccel } from '../vm/accel.ts';
import { PassbenchError, UsageError, errorMessage } from '../errors.ts';
import { freeLoopbackPort } from '../host/free-port.ts';
import { limitPeerRate, limitRate } from './lab-network.ts';
import { labQemuArgs } from './lab-qemu-args.ts';
import { waitForSshBanner } from './ssh-banner.ts';
import { TRAFFIC_HOST_ADDRESS, connectTrafficHost, startTrafficHost, trafficHostPaths, type StartedTrafficHost } from './traffic-host.ts';
import { labConfigYaml } from './lab-config-yaml.ts';
import type { GuestImages } from '../guest/guest.ts';
import { isLiveQemu, readPid, stopQemu } from './lab-qemu-process.ts';
import { WaitTimeoutError, seconds, waitUntil, type Deadline } from '../wait/index.ts';

/**
 * `lab up / status / down`: the virtual lab host on the controller (see vm-images/README.md).
 *
 * Everything a run needs lives in one state folder (mode 0700, outside git):
 *   id_ed25519(.pub)       controller's client key (0600)
 *   host_ed25519(.pub)     the lab host's SSH host key, generated HERE so it can be pinned, handed in through fw_cfg
 *   authorized_keys        handed in through fw_cfg
 *   known_hosts            the pinned key for [127.0.0.1]:<port>
 *   lab.yaml               lab config: hosts: {lab: {address, port, user, identityFile, hostKey}},
 *                          run: {accel, guest: the nested-guest image under /images}
 *   qemu.pid, qmp.sock, serial.log, state.json
 */

/**
 * The first build of the guest image compiles its kernel from linux-source: 4-6 min on an idle 2-core
 * machine, so the limit is generous (later builds are cached: a second).
 */
const GUEST_IMAGE_BUILD_MS = 30 * 60_000;
export interface LabPaths {
  dir: string;
  clientKey: string;
  hostKeyOpenssh: string;
  authorizedKeys: string;
  knownHosts: string;
  config: string;
  pidFile: string;
  qmpSocket: string;
  serialLog: string;
  state: string;
}

export interface LabState {
  pid: number;
  port: number;
  /** The lab host's own accelerator (tcg: the lab host is emulated, and so is every figure from it). */
  accel: 'kvm' | 'tcg';
  /** The nested guests' accelerator inside the lab host (absent in states written before it existed: tcg). */
  guestAccel?: 'kvm' | 'tcg';
  kernel: string;
  initrd: string;
  argv: string[];
  startedAt: string;
  sshReadyMs: number;
  /** Nested-guest images as the lab host sees them (the controller's guest cache, 9p, read-only). */
  guestImages?: GuestImages;
  /** The traffic host (traffic-host.ts): its QEMU and SSH port (absent in states written before it existed). */
  traffic?: { pid: number; port: number; address: string; sshReadyMs: number };
}

/** The lab host kernels on offer, and the build-lab.sh flavour that provides each. */
export const LAB_KERNELS = { '6.1': 'stable', '6.12': 'backports' } as const;
export type LabKernel = keyof typeof LAB_KERNELS;

/** The controller folder shared into the lab at /images: build-guest.sh's cache, nothing else. */
export function guestImageDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.PASSBENCH_CACHE ?? join(env.HOME ?? homedir(), '.cache', 'passbench');
  return join(cache, 'guest');
}

/** Parses `KEY=value` lines (what the vm-images build scripts print). */
export function parseVars(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').map((l) => l.split('=', 2)).filter((kv): kv is [string, string] => kv.length === 2));
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

export function labStateDir(name = 'lab', env: NodeJS.ProcessEnv = process.env): string {
  if (!NAME.test(name)) throw new UsageError(`lab name ${JSON.stringify(name)} must match ${NAME}`);
  const cache = env.PASSBENCH_CACHE ?? join(env.HOME ?? homedir(), '.cache', 'passbench');
  return join(cache, 'lab', 'run', name);
}

export function labPaths(dir: string): LabPaths {
  return {
    dir,
    clientKey: join(dir, 'id_ed25519'),
    hostKeyOpenssh: join(dir, 'host_ed25519'),
    authorizedKeys: join(dir, 'authorized_keys'),
    knownHosts: join(dir, 'known_hosts'),
    config: join(dir, 'lab.yaml'),
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(dir, 'qmp.sock'),
    serialLog: join(dir, 'serial.log'),
    state: join(dir, 'state.json'),
  };
}

/** ssh argv with the host key pinned (never "accept anything"); each remote word is quoted. */
export function labSshArgv(p: LabPaths, port: number, remote: readonly string[]): string[] {
  return [
    'ssh', '-q', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${p.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-i', p.clientKey, '-p', String(port), 'root@127.0.0.1', '--', ...remote.map(shellQuote),
  ];
}

async function ensureKeys(host: Host, p: LabPaths): Promise<void> {
  if (!(await host.exists(p.clientKey))) {
    await generateKeyPair(host, dirname(p.clientKey), basename(p.clientKey), 'passbench-controller');
  }
  // A fresh host key for every `lab up`: the pinned line in lab.yaml is the one this boot serves.
  await generateKeyPair(host, dirname(p.hostKeyOpenssh), basename(p.hostKeyOpenssh), 'passbench-lab-host');
  await host.writeFile(p.authorizedKeys, await host.readFile(`${p.clientKey}.pub`), { mode: 0o600 });
}

export interface LabUpOptions {
  name?: string;
  /** Deadline for SSH and /run/passbench/ready. Default 120 s (TCG boots in ~10 s idle). */
  deadlineMs?: number;
  /** auto (default): KVM when /dev/kvm works, else TCG with a warning; kvm: fail without it; tcg: always TCG. */
  accel?: 'auto' | 'kvm' | 'tcg';
  /** The lab's CPU model under TCG (default max). */
  cpuModel?: string;
  /** The lab QEMU's TCG translation buffer in MiB (default LAB_TB_SIZE_MIB, 256); for bench/nested-boot.ts experiments. */
  tbSizeMiB?: number;
  /**
   * The nested guests' accelerator. tcg (default): TCG inside TCG. kvm: KVM inside the lab host
   * (QEMU's TCG emulates AMD SVM with nested paging), guests boot in ~8 s instead of ~30 s, but the
   * lab host's CPU 0 can stop taking timer interrupts (RCU stalls, the lab lost): on 2026-12-03, and
   * on 2026-12-05 in 1 of 3 clean-clone CI runs (14 nightlies with it passed that day). It stops the
   * lab when there is no /dev/kvm. auto: kvm when /dev/kvm is there, else tcg.
   */
  guestAccel?: 'auto' | 'kvm' | 'tcg';
  /**
   * The lab host's kernel: Debian 12's own 6.1 or the bookworm-backports 6.12 (the default). The
   * nested guests keep their kernel: a kernel-upgrade rehearsal changes the host's only.
   */
  kernel?: LabKernel;
  /** Caps what the lab's peer sends to the guests, in Mbit/s (lab-network.ts limitPeerRate). */
  peerRateMbit?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface LabUpResult {
  paths: LabPaths;
  state: LabState;
}

export async function labUp(host: Host, o: LabUpOptions = {}): Promise<LabUpResult> {
  const name = o.name ?? 'lab';
  const log = o.log ?? (() => {});
  const p = labPaths(labStateDir(name, o.env));
  if (await labIsRunning(host, p)) {
    throw new PassbenchError(`lab ${name} is already running (pid file ${p.pidFile})`, {
      remedy: 'Use it, or stop it first with `passbench lab down`.',
    });
  }
  await host.mkdir(p.dir, { mode: 0o700 });
  await host.run(['chmod', '0700', p.dir]);

  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'vm-images', 'build-lab.sh');
  log('building kernel + initramfs (cached)');
  const built = await host.run(['env', `PASSBENCH_LAB_KERNEL=${LAB_KERNELS[o.kernel ?? '6.12']}`, 'bash', script], { timeoutMs: 600_000 });
  const vars = parseVars(built.stdout);
  const kernel = vars.KERNEL, initrd = vars.INITRD;
  if (!kernel || !initrd) throw new PassbenchError(`build-lab.sh printed no KERNEL=/INITRD=: ${built.stdout}`);
  log('building the nested-guest image (cached)');
  const guestBuilt = parseVars((await host.run(['bash', join(dirname(script), 'build-guest.sh')], { timeoutMs: GUEST_IMAGE_BUILD_MS })).stdout);
  const imageDir = guestImageDir(o.env);
  const controllerPath = (f: string | undefined, what: string) => {
    if (!f || dirname(f) !== imageDir) throw new PassbenchError(`build-guest.sh printed no ${what} under ${imageDir}: ${JSON.stringify(guestBuilt)}`);
    return f;
  };
  const inLab = (f: string | undefined, what: string) => `/images/${basename(controllerPath(f, what))}`;
  const guestImages: GuestImages = {
    iso: inLab(guestBuilt.ISO, 'ISO='), kernel: inLab(guestBuilt.GUEST_KERNEL, 'GUEST_KERNEL='),
    vmlinux: inLab(guestBuilt.GUEST_VMLINUX, 'GUEST_VMLINUX='), initrd: inLab(guestBuilt.GUEST_INITRD, 'GUEST_INITRD='),
  };

  await ensureKeys(host, p);
  const wanted = o.accel ?? 'auto';
  const kvmOpen = (await usableAccel(host)) === 'kvm';
  if (wanted === 'kvm' && !kvmOpen) {
    throw new PassbenchError('lab asked for KVM, but /dev/kvm is missing or not read-writable, or the CPU has neither vmx nor svm', { remedy: 'Load kvm-intel/kvm-amd on a host with VT-x/AMD-V (`passbench doctor` says which is missing), or use accel tcg.' });
  }
  const accels: ('kvm' | 'tcg')[] = wanted === 'tcg' ? ['tcg'] : kvmOpen ? (wanted === 'kvm' ? ['kvm'] : ['kvm', 'tcg']) : ['tcg'];
  const port = await freeLoopbackPort();
  const hostKeyLine = (await host.readFile(`${p.hostKeyOpenssh}.pub`)).trim().split(/\s+/).slice(0, 2).join(' ');
  await host.writeFile(p.knownHosts, `[127.0.0.1]:${port} ${hostKeyLine}\n`, { mode: 0o600 });
  for (const f of [p.pidFile, p.qmpSocket, p.serialLog]) await host.remove(f);

  let argv: string[] = [];
  let accel: 'kvm' | 'tcg' = 'tcg';
  let t0 = 0;
  const tp = trafficHostPaths(p.dir);
  await host.mkdir(tp.dir, { mode: 0o700 });
  for (const [i, a] of accels.entries()) {
    accel = a;
    await host.remove(tp.cable.lab); // QEMU leaves its socket behind, and cannot bind one that exists
    argv = labQemuArgs({
      kernel, initrd, accel, sshPort: port,
      hostKeyFile: p.hostKeyOpenssh, authorizedKeysFile: p.authorizedKeys,
      serialLog: p.serialLog, qmpSocket: p.qmpSocket, pidFile: p.pidFile,
      // Two PFs: dut0 keeps its VFs, dut1 is passed through whole to a nested guest.
      igbCount: 2, shareImages: imageDir, cpuModel: o.cpuModel, tbSizeMiB: o.tbSizeMiB,
      cable: { localPath: tp.cable.lab, remotePath: tp.cable.traffic },
    });
    log(`starting QEMU (${accel}), ssh on 127.0.0.1:${port}`);
    t0 = Date.now();
    // -daemonize: returns once QEMU runs in the background.
    const r = await host.run(argv, { timeoutMs: 60_000, allowFailure: i < accels.length - 1 });
    if (r.exitCode === 0) break;
    // /dev/kvm can be present and open yet unusable (nested virtualization without MSR support:
    // "failed to set MSR 0x10a"). Say so loudly; the state and every report record the accelerator.
    log(`WARNING: QEMU failed with KVM (${r.stderr.trim().split('\n').slice(-2).join(' / ')}); falling back to TCG`);
  }
  const pid = Number((await host.readFile(p.pidFile)).trim());
  const totalMs = o.deadlineMs ?? 120_000;
  let traffic: StartedTrafficHost;
  try {
    traffic = await startTrafficHost(host, { labDir: p.dir, accel, kernel: controllerPath(guestBuilt.GUEST_VMLINUX, 'GUEST_VMLINUX='), initrd: controllerPath(guestBuilt.GUEST_INITRD, 'GUEST_INITRD='), sshPort: await freeLoopbackPort() });
  } catch (error) {
    await labDown(host, { name, env: o.env });
    throw error;
  }
  log(`traffic host started (${accel}), ssh on 127.0.0.1:${traffic.port}, ${TRAFFIC_HOST_ADDRESS} on the test hub`);

  await waitForSshBanner(port, t0 + totalMs);
  log(`SSH banner after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let sshReadyMs = -1;
  try {
    await waitUntil(`the lab host to answer SSH on 127.0.0.1:${port} and show /run/passbench/ready`, async () => {
      const r = await host.run(labSshArgv(p, port, ['test', '-e', '/run/passbench/ready']), { allowFailure: true, timeoutMs: 15_000 });
      if (r.exitCode === 0) return true;
      if (sshReadyMs < 0 && r.exitCode === 1) sshReadyMs = Date.now() - t0; // ssh worked, not ready yet
      const alive = await host.run(['kill', '-0', String(pid)], { allowFailure: true });
      if (alive.exitCode !== 0) throw new LabBootError(`lab QEMU (pid ${pid}) exited during boot; serial console tail:\n${await serialTail(host, p)}`);
      return undefined;
    }, {
      deadline: restOf(totalMs, t0), intervalMs: 200, fatal: (error) => error instanceof LabBootError,
      describeLast: () => (sshReadyMs < 0 ? 'ssh did not connect' : 'ssh works, /run/passbench/ready missing'),
      context: () => serialTail(host, p), contextLabel: `serial console (${p.serialLog}) tail`,
      remedy: 'Check the serial log; under TCG a loaded machine boots slower — raise the deadline.',
    });
  } catch (error) {
    if (error instanceof WaitTimeoutError) await labDown(host, { name, env: o.env });
    throw error;
  }
  const readyMs = Date.now() - t0;
  if (sshReadyMs < 0) sshReadyMs = readyMs;
  const trafficReadyMs = await trafficHostReady(host, traffic, t0, totalMs, name, o.env);
  log(`traffic host answers SSH after ${(trafficReadyMs / 1000).toFixed(1)} s`);
  const guestAccel = await nestedAccel(host, p, port, o.guestAccel ?? 'tcg', name);
  log(`nested guests: ${guestAccel === 'kvm' ? 'KVM inside the lab host' : o.guestAccel === 'auto' ? 'TCG inside the lab host (no usable /dev/kvm there)' : 'TCG inside the lab host (--guest-accel tcg, the default)'}`);
  if (o.peerRateMbit !== undefined) {
    // Both peers: the traffic host's test port and the lab host's own peer port.
    await limitPeerRate({ name, run: (remote, options) => host.run(labSshArgv(p, port, remote), options) }, o.peerRateMbit);
    const ssh = await connectTrafficHost(traffic);
    try {
      await limitRate(ssh, 'eth0', o.peerRateMbit);
    } finally {
      await ssh.close();
    }
    log(`peers capped at ${o.peerRateMbit} Mbit/s (what the guests receive)`);
  }
  await host.writeFile(p.config, labConfigYaml(name, port, p.clientKey, hostKeyLine, { accel: guestAccel, guest: guestImages }, traffic), { mode: 0o600 });
  const state: LabState = { pid, port, accel, guestAccel, kernel, initrd, argv, startedAt: new Date(t0).toISOString(), sshReadyMs, guestImages,
    traffic: { pid: traffic.pid, port: traffic.port, address: TRAFFIC_HOST_ADDRESS, sshReadyMs: trafficReadyMs } };
  await host.writeFile(p.state, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  log(`lab ${name} ready in ${(readyMs / 1000).toFixed(1)} s (ssh after ${(sshReadyMs / 1000).toFixed(1)} s); config ${p.config}`);
  return { paths: p, state };
}

/**
 * KVM inside the lab host when its /dev/kvm is there (lab-init.sh loads kvm-amd/kvm-intel; the
 * module for the CPU the lab does not have fails to load) and wanted; TCG otherwise. Asking for
 * kvm where there is none stops the lab: a run would otherwise be five times slower than planned.
 */
async function nestedAccel(host: Host, p: LabPaths, port: number, wanted: 'auto' | 'kvm' | 'tcg', name: string): Promise<'kvm' | 'tcg'> {
  if (wanted === 'tcg') return 'tcg';
  const kvm = (await host.run(labSshArgv(p, port, ['test', '-c', '/dev/kvm']), { allowFailure: true, timeoutMs: 30_000 })).exitCode === 0;
  if (kvm) return 'kvm';
  if (wanted === 'auto') return 'tcg';
  await labDown(host, { name });
  throw new PassbenchError(`lab ${name}: --guest-accel kvm, but the lab host has no /dev/kvm (kvm-amd/kvm-intel did not load: see the serial log ${p.serialLog})`, {
    remedy: 'Use a lab CPU with svm (the default, max) or --guest-accel tcg (the default) or auto.',
  });
}

/** Until the traffic host takes an SSH session with its pinned key; ms since the lab QEMU started. A lab whose traffic host never does is taken down. */
async function trafficHostReady(host: Host, t: StartedTrafficHost, t0: number, totalMs: number, name: string, env?: NodeJS.ProcessEnv): Promise<number> {
  const serial = trafficHostPaths(labStateDir(name, env)).serialLog;
  let last = 'no SSH banner yet';
  try {
    await waitForSshBanner(t.port, t0 + totalMs);
    await waitUntil(`the lab's traffic host to take SSH on 127.0.0.1:${t.port}`, async () => {
      const ssh = await connectTrafficHost(t).catch((error: unknown) => { last = errorMessage(error); return undefined; });
      if (!ssh) return undefined;
      await ssh.close();
      return true;
    }, {
      deadline: restOf(totalMs, t0), intervalMs: 300, describeLast: () => last,
      context: async () => (await host.readFile(serial).catch(() => '')).split('\n').slice(-15).join('\n'), contextLabel: `its serial console (${serial}) tail`,
      remedy: 'Check its serial log; under TCG a loaded machine boots slower — raise the deadline.',
    });
  } catch (error) {
    await labDown(host, { name, env });
    throw error;
  }
  return Date.now() - t0;
}

/** The lab's QEMU ended while it booted: waiting longer cannot help. */
export class LabBootError extends PassbenchError {}

/** What is left of `totalMs` counted from `t0` (QEMU's start), saying so in a timeout. */
function restOf(totalMs: number, t0: number): Deadline {
  return { ms: Math.max(0, t0 + totalMs - Date.now()), origin: `, the rest of ${seconds(totalMs)} s since QEMU started` };
}

async function serialTail(host: Host, p: LabPaths): Promise<string> {
  return (await host.readFile(p.serialLog).catch(() => '')).split('\n').slice(-15).join('\n');
}

/** True when the pid file names a live QEMU (checked through /proc/<pid>/comm, not just the pid). */
export async function labIsRunning(host: Host, p: LabPaths): Promise<boolean> {
  const pid = await readPid(host, p.pidFile);
  return pid !== undefined && (await isLiveQemu(host, pid));
}

export interface LabStatus {
  running: boolean;
  pid?: number;
  sshOk?: boolean;
  config?: string;
  state?: LabState;
}

export async function labStatus(host: Host, o: { name?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LabStatus> {
  const p = labPaths(labStateDir(o.name ?? 'lab', o.env));
  if (!(await labIsRunning(host, p))) return { running: false };
  const state = JSON.parse(await host.readFile(p.state)) as LabState;
  const r = await host.run(labSshArgv(p, state.port, ['test', '-e', '/run/passbench/ready']), { allowFailure: true, timeoutMs: 15_000 });
  return { running: true, pid: state.pid, sshOk: r.exitCode === 0, config: p.config, state };
}

/** Stops the lab QEMU and its traffic host's (SIGTERM, then SIGKILL after 5 s) and removes the run files. Idempotent. */
export async function labDown(host: Host, o: { name?: string; env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  const p = labPaths(labStateDir(o.name ?? 'lab', o.env));
  const tp = trafficHostPaths(p.dir);
  const stopped = await stopQemu(host, p.pidFile, 'lab QEMU', p.dir);
  await stopQemu(host, tp.pidFile, 'traffic host QEMU', p.dir);
  for (const f of [p.pidFile, p.qmpSocket, p.state, p.config, p.knownHosts]) await host.remove(f);
  await host.run(['rm', '-rf', '--', tp.dir]); // its keys, serial log and the cable's sockets
  for (const f of ['traffic-client', 'traffic-client.pub']) await host.remove(join(p.dir, f));
  return stopped;
}

