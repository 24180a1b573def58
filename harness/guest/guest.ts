import path from 'node:path';
import type { Host } from '../host/host.ts';
import type { SshHost } from '../host/ssh-host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { PassbenchError, UsageError, errorMessage } from '../errors.ts';
import { makeGuestKeys } from './guest-keys.ts';
import { GUEST_APPEND } from './guest-append.ts';
import { connectGuest } from './guest-ssh.ts';
import { followConsole, waitForConsole } from './console-wait.ts';
import { prepareDiskGuest, waitForDiskGuest, type DiskImage } from './disk-guest.ts';
import type { SeedInterface } from './cloud-seed.ts';
import type { DeviceExpectation } from './prove-device.ts';
import { launchGuest, type RunningGuest } from '../vm/launcher.ts';
import { Journal } from '../prepare/journal.ts';
import { forgetGuestKeys, recordGuestKeys, type GuestKeyRecord } from './guest-key-journal.ts';
import { Mutex, Pace, asDeadline, describeDeadline, type Deadline, type DeadlineLike } from '../wait/index.ts';
import type { GuestSpec } from '../vm/qemu-args.ts';
import { pickFreePort } from '../host/free-port.ts';
import { macForAddress } from './guest-mac.ts';

/**
 * One guest's whole life: QEMU runs ON the lab host (KVM on a real one; in the virtual lab, a nested
 * TCG guest with QEMU from the shared /usr and the images from /images), keys are fresh per guest,
 * SSH goes through the lab host (SshHost `via`) with the guest's host key pinned, and stop() leaves
 * nothing behind on either machine. The image is passbench's own (keys by fw_cfg, ready when its
 * console says so) or the lab's own disk image (disk-guest.ts: ready when SSH accepts the pinned key).
 *
 *   nic     a whole NIC of the lab host (the virtual lab's igb PF: 8086:10c9, igb), -device vfio-pci
 *   vf      a VF (igb's: 8086:10ca, igbvf), -device vfio-pci
 *   e1000   an emulated e1000 (8086:100e) on QEMU's user-net (SSH via a hostfwd port), or with
 *           `bridge` a tap in that bridge of the lab host: on the test wire, as the passthrough guests
 *   virtio  the same with virtio-net (virtio device 1af4:0001, virtio_net), with vhost-net where the host has it
 * In the virtual lab, every guest reaches the lab host's own peer port 10.0.3.10 (its e1000e) and the
 * lab's traffic host 10.0.3.11 (lab/traffic-host.ts) on the test hub.
 */
export type GuestKind = 'nic' | 'vf' | 'e1000' | 'virtio';

/** passbench's own image on the QEMU host (vm-images/build-guest.sh's outputs). */
export interface GuestImages {
  iso: string;
  /** bzImage (compressed; boots through the Linux boot protocol). */
  kernel: string;
  /** The same kernel uncompressed (ELF, PVH entry): the fast nested boot. */
  vmlinux?: string;
  initrd: string;
}

export interface GuestOptions {
  name: string;
  kind: GuestKind;
  /** The lab host's PCI function for nic / vf (bound to vfio-pci beforehand). */
  bdf?: Bdf;
  /** `10.0.3.21/24` for hub guests; for an emulated NIC only with `bridge` (else 10.0.2.15/24 on user-net). */
  address?: string;
  /** nic / vf: the device's MAC in the guest when known (a whole NIC's own, a VF's as its PF set it): a cloud-init seed matches it. */
  mac?: string;
  /** e1000 and virtio only: the NIC is a tap (pbt-NAME) in this bridge of the lab host, on the test hub, instead of user-net. */
  bridge?: string;
  /** passbench's own image (keys by fw_cfg, ready when its console says so); or give `disk`. */
  images?: GuestImages;
  /** The lab's own disk image instead (guest/disk-guest.ts): ready when SSH answers with the pinned key. */
  disk?: DiskImage;
  /**
   * passbench's image only. pvh (default): -kernel with the uncompressed vmlinux (PVH entry, no decompression; falls back to
   * the bzImage when the image has none); kernel: -kernel bzImage; iso: -cdrom (SeaBIOS + isolinux).
   */
  boot?: 'pvh' | 'kernel' | 'iso';
  memoryMiB?: number;
  /** Default 1 (nested TCG gains nothing from more). */
  cpus?: number;
  /** Default tcg (the virtual lab); kvm on a real lab host (-enable-kvm). */
  accel?: 'kvm' | 'tcg';
  cpuModel?: string;
  /** Kernel arguments instead of GUEST_APPEND (passbench's image, kernel boot only). */
  append?: readonly string[];
  /** Controller folder for the guests' client keys. */
  controllerDir: string;
  /**
   * Until the guest is ready (passbench's image: its console says its services started; a disk
   * image: SSH accepts the pinned key): ms, or a Deadline saying where it came from
   * (run.durations.bootS). Default: pace × BOOT_BASE_MS.
   */
  deadlineMs?: DeadlineLike;
  /**
   * passbench's image: then until SSH works. Default: what is left of the boot deadline, at least
   * pace × SSH_FLOOR_BASE_MS. A disk image is ready when SSH is, within the boot deadline.
   */
  sshDeadlineMs?: DeadlineLike;
  /** Scales the default deadlines. Default: the accelerator's (Pace.forAccel), nothing measured. */
  pace?: Pace;
  /** Aborting ends the boot at once: QEMU is stopped (killed) and startGuest rejects. */
  signal?: AbortSignal;
  /**
   * The lab host's journal: the guest's QEMU and its key folders (lab host and controller) are
   * recorded there, so `passbench restore` stops and removes them after passbench was killed.
   */
  journalPath?: string;
  log?: (line: string) => void;
}

/** A guest booted to ready (guest.ts's bootGuest): reached over SSH once `connect` says so. */
export interface BootedGuest {
  name: string;
  kind: GuestKind;
  guest: RunningGuest;
  /** What proveDevice must find. */
  expect: DeviceExpectation;
  /** virtio-net on a tap with vhost-net: its data path in the host's kernel, not in QEMU. */
  vhost: boolean;
  /** ms from QEMU start to the console's "services started" (passbench's image only). */
  consoleReadyMs?: number;
  /**
   * SSH into the guest (through the lab host, host key pinned) within `deadline`: one connection,
   * made on the first call. A disk image's was made at readiness, which is that handshake.
   */
  connect(o: { deadline: DeadlineLike; signal?: AbortSignal }): Promise<SshHost>;
  /** ms from QEMU start to SSH working, once connected. */
  sshReadyMs?: number;
  /** Closes SSH, stops QEMU (deadlines), removes the guest's folder and keys (lab host and controller). Idempotent. */
  stop(): Promise<void>;
  /**
   * The whole serial console: so far while the guest runs; once stopped, as QEMU left it (read
   * before stop removes the guest's folder, which holds it).
   */
  console(): Promise<string>;
}

/** A guest booted and reached over SSH (startGuest). */
export interface Guest extends BootedGuest {
  ssh: SshHost;
  sshReadyMs: number;
}

/**
 * Bases for the deadlines, on an idle KVM host with room to spare; the pace scales them (TCG 5:
 * boot 600 s, QMP 120 s, SSH at least 60 s). Nested TCG guests take 53–91 s to SSH here with
 * passbench's own guest kernel, and 117–136 s three at a time on 2 cores (vm-images/README).
 */
export const BOOT_BASE_MS = 120_000;
export const QMP_BASE_MS = 24_000;
export const SSH_FLOOR_BASE_MS = 12_000;

const EXPECT: Record<GuestKind, { vendorDevice: string; driver: string }> = {
  nic: { vendorDevice: '8086:10c9', driver: 'igb' },
  vf: { vendorDevice: '8086:10ca', driver: 'igbvf' },
  e1000: { vendorDevice: '8086:100e', driver: 'e1000' },
  virtio: { vendorDevice: '1af4:0001', driver: 'virtio_net' },
};

const emulated = (o: GuestOptions): boolean => o.kind === 'e1000' || o.kind === 'virtio';

/**
 * Boots a guest and connects to it: bootGuest, then connect within `sshDeadlineMs` (default: what
 * is left of the boot deadline, at least a floor scaled by the pace).
 */
export async function startGuest(controller: Host, lab: SshHost, o: GuestOptions): Promise<Guest> {
  const pace = o.pace ?? Pace.forAccel(o.accel ?? 'tcg');
  const booted = await bootGuest(controller, lab, o);
  try {
    const deadline = o.sshDeadlineMs ?? sshDeadline(asDeadline(o.deadlineMs ?? pace.scaled(BOOT_BASE_MS)), booted.consoleReadyMs ?? 0, pace);
    const ssh = await booted.connect({ deadline, signal: o.signal });
    return Object.assign(booted, { ssh, sshReadyMs: booted.sshReadyMs! });
  } catch (error) {
    await booted.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Boots a guest until it is ready: passbench's image when its console says its services started;
 * any other image when SSH accepts the pinned host key and the client key (disk-guest.ts), the
 * console watched for why it would never. SSH into passbench's image is `connect`'s, with its own
 * deadline.
 */
export async function bootGuest(controller: Host, lab: SshHost, o: GuestOptions): Promise<BootedGuest> {
  const log = (l: string) => o.log?.(`${o.name}: ${l}`);
  if (!emulated(o) && (o.bdf === undefined || o.address === undefined)) {
    throw new UsageError(`guest ${o.name} (${o.kind}) needs bdf and address`);
  }
  if ((o.images === undefined) === (o.disk === undefined)) {
    throw new UsageError(`guest ${o.name}: give exactly one image, passbench's (images) or a disk image (disk)`);
  }
  if (o.bridge !== undefined && (!emulated(o) || o.address === undefined)) {
    throw new UsageError(`guest ${o.name} (${o.kind}): a bridge is for an emulated NIC's guest, with an address`);
  }
  const pace = o.pace ?? Pace.forAccel(o.accel ?? 'tcg');
  const bootDeadline = asDeadline(o.deadlineMs ?? pace.scaled(BOOT_BASE_MS));
  const abortError = () => new GuestBootAbortedError(o.name);
  // One guest at a time from keys to QMP on each lab host: its SSH connection is shared, and
  // setups overlapping on it were seen to stall (then the guests boot, in parallel).
  const launched = await setupLock(lab).use(async () => {
    if (o.signal?.aborted) throw new GuestBootAbortedError(o.name, false);
    return setUp(controller, lab, o, pace, log);
  });
  const { guest, keys, spec, sshPort, address, t0, forgetKeys } = launched;
  const readConsole = () => lab.readFile(spec.serialLog);
  // While the guest boots: a command, which has a deadline of its own.
  const catConsole = async () => (await lab.run(['cat', spec.serialLog], { timeoutMs: 30_000 })).stdout;
  let lastConsole: Promise<string> | undefined;
  // No courtesy powerdown: passbench's guest kernel has no ACPI button driver (vm-images/README)
  // and its RAM-only system has nothing to save. QEMU read the keys at start; once it is gone they
  // are of no use to anyone. Its console goes with the folder: kept first, for the results.
  const stopQemu = async () => {
    await guest.stop({ powerdownMs: 0 });
    lastConsole = readConsole();
    await lastConsole.catch(() => undefined); // its error is console()'s to report
    await forgetKeys();
  };
  try {
    const connectVia = (deadline: DeadlineLike, signal: AbortSignal | undefined, abort: () => Error) => connectGuest({
      via: lab, address: userNet(o) ? '127.0.0.1' : address.split('/')[0]!, port: sshPort, user: keys.user,
      hostKey: keys.hostKey, identityFile: keys.identityFile, deadline, signal, abortError: abort, pace,
      consoleTail: () => guest.consoleTail(25), log,
    });
    let consoleReadyMs: number | undefined;
    let ssh: SshHost | undefined;
    let sshReadyMs: number | undefined;
    if (o.disk === undefined) {
      // passbench's image says on its console when its sshd runs.
      const follower = await followConsole(lab, spec.serialLog, catConsole);
      const consoleMs = await waitForConsole(follower.read, {
        ready: /passbench-guest: \[[\d.]+\] services started/, deadline: bootDeadline, what: `guest ${o.name}`, signal: o.signal, abortError,
        pollMs: follower.pollMs,
      }).finally(() => follower.stop());
      consoleReadyMs = Date.now() - t0;
      log(`console: services started ${(consoleReadyMs / 1000).toFixed(1)} s after QEMU start (waited ${(consoleMs / 1000).toFixed(1)} s)`);
    } else {
      ssh = await waitForDiskGuest({ name: o.name, disk: o.disk, deadline: bootDeadline, signal: o.signal, abortError, readConsole: catConsole, startedAt: t0, connect: connectVia });
      sshReadyMs = Date.now() - t0;
    }
    // One connection: a disk image's, made at readiness, or passbench's image's, made by connect.
    let connecting = ssh === undefined ? undefined : Promise.resolve(ssh);
    const stopped = new AbortController();
    let stopping: Promise<void> | undefined;
    const handle: BootedGuest = {
      name: o.name, kind: o.kind, guest, consoleReadyMs, sshReadyMs,
      expect: { ...EXPECT[o.kind], address },
      vhost: spec.nic?.netdev.kind === 'tap' && spec.nic.netdev.vhost === true,
      connect: ({ deadline, signal }) => (connecting ??= connectVia(deadline, signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal, abortError)
        .then((host) => {
          handle.sshReadyMs = Date.now() - t0;
          return host;
        }, (error: unknown) => {
          connecting = undefined; // a later call may try again
          throw error;
        })),
      stop: () => (stopping ??= (async () => {
        stopped.abort();
        await connecting?.then((host) => host.close(), () => undefined).catch(() => undefined);
        await stopQemu();
      })()),
      console: () => lastConsole ?? readConsole(),
    };
    return handle;
  } catch (error) {
    await stopQemu().catch(() => {});
    throw error;
  }
}

/** SSH gets what is left of the boot deadline once the console is ready, but never less than a floor. */
function sshDeadline(boot: Deadline, elapsedMs: number, pace: Pace): Deadline {
  const floor = pace.scaled(SSH_FLOOR_BASE_MS);
  const left = boot.ms - elapsedMs;
  return left > floor.ms ? { ms: left, origin: `, what was left of the boot's ${describeDeadline(boot)}` } : floor;
}

export class GuestBootAbortedError extends PassbenchError {
  constructor(name: string, qemuStarted = true) {
    super(`guest ${name}: boot aborted${qemuStarted ? '; its QEMU was stopped' : ' before its QEMU started'}`);
  }
}

/** Per lab-host connection: guests on different lab hosts set up side by side. */
const setupLocks = new WeakMap<SshHost, Mutex>();

function setupLock(lab: SshHost): Mutex {
  let lock = setupLocks.get(lab);
  if (!lock) setupLocks.set(lab, lock = new Mutex());
  return lock;
}

/** An emulated NIC's guest without a bridge: on its QEMU's user-net, reached through a forwarded port. */
const userNet = (o: GuestOptions): boolean => emulated(o) && o.bridge === undefined;

async function setUp(controller: Host, lab: SshHost, o: GuestOptions, pace: Pace, log: (l: string) => void) {
  const address = userNet(o) ? '10.0.2.15/24' : o.address!;
  const dir = `/run/passbench/guests/${o.name}`;
  const journal = o.journalPath === undefined ? undefined : await Journal.open(lab, o.journalPath);
  const keyRecord: GuestKeyRecord = await recordGuestKeys(journal, { guest: o.name, hostDir: dir, controllerDir: o.controllerDir });
  // QEMU (root on the lab host) makes the tap and it goes with QEMU; the tap joins the bridge below.
  const tap = `pbt-${o.name}`.slice(0, 15);
  // An emulated NIC's MAC is fixed by its address, so a cloud-init seed can match it by MAC; a
  // passthrough NIC's comes from the run when known; one without is eth0 to the seed (net.ifnames=0).
  const mac = emulated(o) ? macForAddress(address) : o.mac;
  const nic: SeedInterface = { name: 'eth0', address, ...(mac ? { mac } : {}), ...(userNet(o) ? { gateway: '10.0.2.2' } : {}) };
  let keys: WayIn;
  try {
    keys = await wayIn(controller, lab, o, dir, nic);
  } catch (error) {
    await forgetGuestKeys(controller, lab, keyRecord, undefined).catch(() => undefined);
    throw error;
  }
  const forgetKeys = () => forgetGuestKeys(controller, lab, keyRecord, keys.ownsIdentity ? keys.identityFile : undefined);
  const qmpTcpPort = await pickFreePort(lab);
  const sshPort = userNet(o) ? await pickFreePort(lab) : 22;
  const model = o.kind === 'virtio' ? 'virtio-net-pci' : 'e1000';
  const spec: GuestSpec = {
    name: o.name, accel: o.accel ?? 'tcg', cpuModel: o.cpuModel, memoryMiB: o.memoryMiB ?? 256, cpus: o.cpus ?? 1,
    boot: keys.boot, drives: keys.drives,
    vfio: emulated(o) ? [] : [{ host: o.bdf!, romfile: '' }],
    nic: !emulated(o) ? undefined
      : o.bridge === undefined ? { model, mac, netdev: { kind: 'user', hostForwards: [{ hostPort: sshPort, guestPort: 22 }] } }
        // vhost-net moves virtio-net's data path into the host's kernel, as a lab's would, wherever the
        // host has it: under KVM, and under TCG as well (QEMU emulates the ioeventfds it needs).
        : { model, mac, netdev: { kind: 'tap', ifname: tap, vhost: o.kind === 'virtio' && await lab.exists('/dev/vhost-net') } },
    qmpTcpPort, serialLog: path.posix.join(dir, 'serial.log'), pidFile: path.posix.join(dir, 'qemu.pid'),
    fwCfg: keys.fwCfg,
  };
  const t0 = Date.now();
  const guest = await launchGuest(lab, spec, { log, deadlineMs: pace.scaled(QMP_BASE_MS), journal })
    .catch(async (error: unknown) => {
      await forgetKeys().catch(() => undefined);
      throw error;
    });
  if (o.bridge !== undefined) {
    try {
      await lab.run(['ip', 'link', 'set', 'dev', tap, 'master', o.bridge, 'up']);
    } catch (error) {
      await guest.stop({ powerdownMs: 0 }).catch(() => undefined);
      await forgetKeys().catch(() => undefined);
      throw new PassbenchError(`guest ${o.name}: its tap ${tap} could not join bridge ${o.bridge}: ${errorMessage(error)}`, {
        cause: error, remedy: `Check the bridge on ${lab.name} (ip -d link show ${o.bridge}).`,
      });
    }
  }
  return { guest, keys, spec, sshPort, address, t0, forgetKeys };
}

/** How the guest boots and how passbench gets in: its keys, where they go, whom to log in as. */
interface WayIn {
  boot: GuestSpec['boot'];
  drives: GuestSpec['drives'];
  fwCfg: GuestSpec['fwCfg'];
  user: string;
  identityFile: string;
  hostKey: string;
  /** The client key was made for this guest, and goes with it. */
  ownsIdentity: boolean;
}

async function wayIn(controller: Host, lab: SshHost, o: GuestOptions, dir: string, nic: SeedInterface): Promise<WayIn> {
  if (o.disk !== undefined) {
    const disk = await prepareDiskGuest(controller, lab, {
      name: o.name, image: o.disk, hostDir: dir, controllerDir: o.controllerDir, nic, bootId: Date.now().toString(36),
    });
    return { ...disk, fwCfg: [] };
  }
  const images = o.images!;
  const keys = await makeGuestKeys(controller, lab, {
    name: o.name, localDir: o.controllerDir, remoteDir: dir,
    net: [nic.gateway === undefined ? `eth0 ${nic.address}` : `eth0 ${nic.address} ${nic.gateway}`],
  });
  return {
    boot: o.boot === 'iso'
      ? { kind: 'iso', iso: images.iso }
      : {
        kind: 'kernel', initrd: images.initrd, append: o.append ?? GUEST_APPEND,
        kernel: (o.boot ?? 'pvh') === 'pvh' ? images.vmlinux ?? images.kernel : images.kernel,
        // qboot saves seconds only where firmware is emulated (TCG); under KVM SeaBIOS costs little,
        // and not every distribution's QEMU ships qboot.rom.
        firmware: (o.accel ?? 'tcg') === 'tcg' ? 'qboot' : 'seabios',
      },
    drives: [], fwCfg: keys.fwCfg, user: 'root', identityFile: keys.identityFile, hostKey: keys.hostKey, ownsIdentity: true,
  };
}
