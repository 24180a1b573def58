import path from 'node:path';
import type { Host } from '../host/host.ts';
import type { SshHost } from '../host/ssh-host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { PassbenchError, UsageError } from '../errors.ts';
import { makeGuestKeys, type GuestKeys } from '../guest/guest-keys.ts';
import { connectGuest } from '../guest/guest-ssh.ts';
import { waitForConsole } from '../guest/console-wait.ts';
import type { DeviceExpectation } from '../guest/prove-device.ts';
import { launchGuest, type RunningGuest } from '../vm/launcher.ts';
import type { GuestSpec } from '../vm/qemu-args.ts';
import type { GuestImages } from './lab-up.ts';
import { pickFreePort } from './free-port.ts';

/**
 * A guest on a lab host: QEMU runs ON the lab host (with KVM on a real one; in the virtual lab, a
 * nested TCG guest with QEMU from the shared /usr and the image from /images), keys are fresh per
 * guest, and SSH goes through the lab host (SshHost `via`) with the guest's host key pinned.
 *
 *   whole-nic  a whole igb PF of the lab host (8086:10c9, igb), -device vfio-pci; 10.0.3.21 on hub 1
 *   vf         an igb VF (8086:10ca, igbvf), -device vfio-pci; 10.0.3.(31+i) on hub 1
 *   e1000      an emulated e1000 (8086:100e) on the nested QEMU's user-net; SSH via a hostfwd port
 * Every guest reaches the peer 10.0.3.10 (the lab host's e1000e).
 */
export type LabGuestKind = 'whole-nic' | 'vf' | 'e1000';

export interface LabGuestOptions {
  name: string;
  kind: LabGuestKind;
  /** The lab host's PCI function for whole-nic / vf (bound to vfio-pci beforehand). */
  bdf?: Bdf;
  /** `10.0.3.21/24` for hub guests; ignored for e1000 (10.0.2.15/24 on user-net). */
  address?: string;
  images: GuestImages;
  /**
   * pvh (default): -kernel with the uncompressed vmlinux (PVH entry, no decompression; falls back to
   * the bzImage when the image has none); kernel: -kernel bzImage; iso: -cdrom (SeaBIOS + isolinux).
   */
  boot?: 'pvh' | 'kernel' | 'iso';
  memoryMiB?: number;
  /** Default 1 (nested TCG gains nothing from more). */
  cpus?: number;
  /** Default tcg (the virtual lab); kvm on a real lab host (-enable-kvm). */
  accel?: 'kvm' | 'tcg';
  cpuModel?: string;
  /** Kernel arguments instead of GUEST_APPEND (kernel boot only). */
  append?: readonly string[];
  /** Controller folder for the guests' client keys. */
  controllerDir: string;
  /** Until SSH works. Default 300 s (nested TCG). */
  deadlineMs?: number;
  /** Aborting ends the boot at once: QEMU is stopped (killed) and startLabGuest rejects. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface LabGuest {
  name: string;
  kind: LabGuestKind;
  guest: RunningGuest;
  ssh: SshHost;
  /** What proveDevice must find. */
  expect: DeviceExpectation;
  /** ms from QEMU start to SSH working. */
  sshReadyMs: number;
  /** Closes SSH, stops QEMU (deadlines), removes the key folder on the lab host. Idempotent. */
  stop(): Promise<void>;
}

/** Kernel arguments for nested guests; vm-images/README.md "Boot speed" has what each one bought. */
export const GUEST_APPEND: readonly string[] = ['console=ttyS0', 'quiet', 'mitigations=off', 'tsc=reliable', 'no_timer_check'];

const EXPECT: Record<LabGuestKind, { vendorDevice: string; driver: string }> = {
  'whole-nic': { vendorDevice: '8086:10c9', driver: 'igb' },
  vf: { vendorDevice: '8086:10ca', driver: 'igbvf' },
  e1000: { vendorDevice: '8086:100e', driver: 'e1000' },
};

export async function startLabGuest(controller: Host, lab: SshHost, o: LabGuestOptions): Promise<LabGuest> {
  const log = (l: string) => o.log?.(`${o.name}: ${l}`);
  if (o.kind !== 'e1000' && (o.bdf === undefined || o.address === undefined)) {
    throw new UsageError(`lab guest ${o.name} (${o.kind}) needs bdf and address`);
  }
  // One guest at a time from keys to QMP: the lab host's SSH connection is shared, and setups
  // overlapping on it were seen to stall (then the guests boot, in parallel).
  const previous = setupChain;
  let release!: () => void;
  setupChain = new Promise<void>((r) => (release = r));
  await previous;
  let launched: { guest: RunningGuest; keys: GuestKeys; spec: GuestSpec; sshPort: number; address: string; t0: number };
  try {
    launched = await setUp(controller, lab, o, log);
  } finally {
    release();
  }
  const { guest, keys, spec, sshPort, address, t0 } = launched;
  const aborted = abortedPromise(o.signal, o.name);
  try {
    const deadlineMs = o.deadlineMs ?? 300_000;
    const consoleMs = await Promise.race([aborted.promise, waitForConsole(async () => {
      // An abort also ends the poll loop (not only the wait for it).
      if (o.signal?.aborted) throw new GuestBootAbortedError(o.name);
      return (await lab.run(['cat', spec.serialLog], { timeoutMs: 30_000 })).stdout;
    }, { ready: /passbench-guest: \[[\d.]+\] services started/, deadlineMs, what: `guest ${o.name}` })]);
    log(`console: services started ${((Date.now() - t0) / 1000).toFixed(1)} s after QEMU start (waited ${(consoleMs / 1000).toFixed(1)} s)`);
    const connecting = connectGuest({
      via: lab, address: o.kind === 'e1000' ? '127.0.0.1' : address.split('/')[0]!, port: sshPort,
      hostKey: keys.hostKey, identityFile: keys.identityFile, deadlineMs: Math.max(60_000, deadlineMs - (Date.now() - t0)),
      consoleTail: () => guest.consoleTail(25), log,
    });
    // A connection that still comes up after an abort is closed.
    connecting.catch(() => undefined);
    const ssh = await Promise.race([aborted.promise, connecting]).catch(async (error: unknown) => {
      if (error instanceof GuestBootAbortedError) void connecting.then((c) => c.close(), () => undefined);
      throw error;
    });
    const sshReadyMs = Date.now() - t0;
    let stopping: Promise<void> | undefined;
    return {
      name: o.name, kind: o.kind, guest, ssh, sshReadyMs,
      expect: { ...EXPECT[o.kind], address },
      stop: () => (stopping ??= (async () => {
        await ssh.close().catch(() => {});
        await guest.stop({ powerdownMs: 3_000 });
      })()),
    };
  } catch (error) {
    // Aborted: no courtesy powerdown, the device must be free for the host's restore at once.
    await guest.stop({ powerdownMs: o.signal?.aborted ? 0 : 1_000 }).catch(() => {});
    throw error;
  } finally {
    aborted.dispose();
  }
}

export class GuestBootAbortedError extends PassbenchError {
  constructor(name: string) {
    super(`guest ${name}: boot aborted; its QEMU was stopped`);
  }
}

/** A promise that rejects when the signal aborts (never otherwise); dispose removes the listener. */
function abortedPromise(signal: AbortSignal | undefined, name: string): { promise: Promise<never>; dispose(): void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new GuestBootAbortedError(name));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

let setupChain: Promise<void> = Promise.resolve();

async function setUp(controller: Host, lab: SshHost, o: LabGuestOptions, log: (l: string) => void) {
  const address = o.kind === 'e1000' ? '10.0.2.15/24' : o.address!;
  const dir = `/run/passbench/guests/${o.name}`;
  const keys = await makeGuestKeys(controller, lab, {
    name: o.name, localDir: o.controllerDir, remoteDir: dir,
    net: [o.kind === 'e1000' ? `eth0 ${address} 10.0.2.2` : `eth0 ${address}`],
  });
  const qmpTcpPort = await pickFreePort(lab);
  const sshPort = o.kind === 'e1000' ? await pickFreePort(lab) : 22;
  const spec: GuestSpec = {
    name: o.name, accel: o.accel ?? 'tcg', cpuModel: o.cpuModel, memoryMiB: o.memoryMiB ?? 256, cpus: o.cpus ?? 1,
    boot: o.boot === 'iso'
      ? { kind: 'iso', iso: o.images.iso }
      : {
        kind: 'kernel', initrd: o.images.initrd, append: o.append ?? GUEST_APPEND,
        kernel: (o.boot ?? 'pvh') === 'pvh' ? o.images.vmlinux ?? o.images.kernel : o.images.kernel,
      },
    vfio: o.kind === 'e1000' ? [] : [{ host: o.bdf!, romfile: '' }],
    nic: o.kind === 'e1000'
      ? { model: 'e1000', netdev: { kind: 'user', hostForwards: [{ hostPort: sshPort, guestPort: 22 }] } }
      : undefined,
    qmpTcpPort, serialLog: path.posix.join(dir, 'serial.log'), pidFile: path.posix.join(dir, 'qemu.pid'),
    fwCfg: keys.fwCfg,
  };
  const t0 = Date.now();
  const guest = await launchGuest(lab, spec, { log });
  return { guest, keys, spec, sshPort, address, t0 };
}
