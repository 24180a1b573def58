/**
 * A guest from the lab's own disk image (a distribution's cloud image, or any image that runs
 * sshd), as opposed to passbench's image, which takes its keys from fw_cfg and says on its console
 * when it is ready. The image stays untouched: each guest boots a copy-on-write qcow2 overlay of it,
 * in the guest's folder on the QEMU host, gone with that folder when the guest stops.
 *
 * The way in:
 *   cloud-init  passbench writes a NoCloud seed for this boot (cloud-seed.ts): a client key made
 *               now, an SSH host key made now and pinned, the test address;
 *   login       the image already has them: a user, the controller's key it accepts, and its host
 *               key, known beforehand and pinned. The image configures its own addresses.
 * Either way the guest is ready when SSH accepts the pinned host key and the client key: there is
 * no console line to wait for.
 */
import path from 'node:path';
import { PassbenchError, UsageError, errorMessage } from '../errors.ts';
import { WaitTimeoutError, delay, type DeadlineLike } from '../wait/index.ts';
import type { Host } from '../host/host.ts';
import { formatPublicKey, generateKeyPair } from '../host/ssh-keys.ts';
import { plainLines } from '../host/lines.ts';
import type { BootSpec, DriveSpec } from '../vm/qemu-args.ts';
import { cloudSeedFiles, writeCloudSeed, type SeedInterface } from './cloud-seed.ts';

export interface DiskLogin {
  user: string;
  /** The controller's private key the image accepts. */
  identityFile: string;
  /** The image's SSH host key, an OpenSSH public line: pinned, nothing else accepted. */
  hostKey: string;
}

export interface DiskImage {
  /** The image on the QEMU host (qcow2): the overlay's read-only base. */
  qcow2: string;
  /**
   * Boot this kernel and initrd (paths on the QEMU host) with the root on the disk, for an image
   * without a boot loader (vm-images/build-debian.sh's); absent: the firmware boots the disk.
   */
  kernel?: string;
  initrd?: string;
  append?: readonly string[];
  login: 'cloud-init' | DiskLogin;
}

/**
 * The kernel arguments for an image's own kernel when the config gives none: root on the overlay,
 * the console where passbench reads it, and interface names in probe order, so the one test NIC is
 * eth0, as the seed's network-config calls it.
 */
export const DISK_APPEND: readonly string[] = ['root=/dev/vda', 'rw', 'console=ttyS0', 'net.ifnames=0'];

export interface PreparedDiskGuest {
  boot: BootSpec;
  drives: DriveSpec[];
  user: string;
  identityFile: string;
  hostKey: string;
  /** The client key was made for this guest (remove it with the guest), not the user's own. */
  ownsIdentity: boolean;
}

export interface DiskGuestOptions {
  name: string;
  image: DiskImage;
  /** The guest's 0700 folder on the QEMU host (overlay, seed). */
  hostDir: string;
  /** The guest's 0700 folder on the controller (its client key). */
  controllerDir: string;
  /** The test NIC as the seed configures it (cloud-init only). */
  nic: SeedInterface;
  /** Makes each boot a new cloud-init instance. */
  bootId: string;
}

export async function prepareDiskGuest(controller: Host, qemuHost: Host, o: DiskGuestOptions): Promise<PreparedDiskGuest> {
  const overlay = path.posix.join(o.hostDir, 'disk.qcow2');
  await qemuHost.run(['mkdir', '-p', '-m', '0700', o.hostDir]);
  const made = await qemuHost.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', o.image.qcow2, overlay], { allowFailure: true });
  if (made.exitCode !== 0) {
    throw new UsageError(`guest ${o.name}: no overlay over ${o.image.qcow2} on ${qemuHost.name}: ${(made.stderr || made.stdout).trim() || `qemu-img exit ${made.exitCode}`}`, {
      remedy: `run.guest.qcow2 must be a qcow2 image on ${qemuHost.name}, readable there, with qemu-img installed.`,
    });
  }
  const drives: DriveSpec[] = [{ file: overlay, format: 'qcow2' }];
  const boot: BootSpec = o.image.kernel === undefined || o.image.initrd === undefined
    ? { kind: 'disk' }
    : { kind: 'kernel', kernel: o.image.kernel, initrd: o.image.initrd, append: o.image.append ?? DISK_APPEND };
  if (o.image.login !== 'cloud-init') {
    return { boot, drives, ...o.image.login, ownsIdentity: false };
  }
  const client = await generateKeyPair(controller, o.controllerDir, `${o.name}-client`, `passbench-${o.name}`);
  const hostKey = await generateKeyPair(controller, o.controllerDir, `${o.name}-hostkey`, `passbench-${o.name}-host`);
  const seed = path.posix.join(o.hostDir, 'seed.iso');
  try {
    await writeCloudSeed(controller, qemuHost, cloudSeedFiles({
      instanceId: `passbench-${o.name}-${o.bootId}`, hostname: o.name,
      authorizedKey: formatPublicKey(client.publicKey),
      hostKey: { privateKey: await controller.readFile(hostKey.privateKeyPath), publicKey: formatPublicKey(hostKey.publicKey) },
      interfaces: [o.nic],
    }), { localDir: o.controllerDir, remoteFile: seed });
  } catch (error) {
    throw error instanceof PassbenchError ? error : new PassbenchError(`guest ${o.name}: its cloud-init seed could not be written to ${qemuHost.name}:${seed}: ${errorMessage(error)}`, { cause: error });
  } finally {
    // The host key's private half lives on in the seed only, on the QEMU host, until the guest stops.
    await controller.remove(hostKey.privateKeyPath);
    await controller.remove(hostKey.publicKeyPath);
  }
  drives.push({ file: seed, format: 'raw', readOnly: true });
  return { boot, drives, user: 'root', identityFile: client.privateKeyPath, hostKey: formatPublicKey(hostKey.publicKey), ownsIdentity: true };
}

/** cloud-init's own lines, not a mention on the kernel's command line (cloud-init=disabled). */
const CLOUD_INIT_RAN = /Cloud-init v\.|cloud-init\[\d+\]|cloud-init(-local)?\.service/i;

/**
 * The boot reached a login prompt and cloud-init never ran: an image without cloud-init under
 * login: cloud-init will not let passbench in, so there is no point waiting out the deadline.
 * (cloud-init's first stages run before any getty.)
 */
export function bootEndedWithoutCloudInit(consoleText: string): boolean {
  const text = plainLines(consoleText).join('\n');
  return /\blogin: *$/m.test(text) && !CLOUD_INIT_RAN.test(text);
}

/**
 * Why a disk image's guest never let passbench in, read from its serial console: what the image
 * lacks, named, with what to give instead. Pure.
 */
export function diagnoseNoSsh(consoleText: string, login: DiskImage['login']): { problem: string; remedy: string } {
  const text = plainLines(consoleText).join('\n');
  if (text.trim() === '') {
    return {
      problem: 'its serial console stayed empty, so nothing says how far it got',
      remedy: 'Give its kernel console=ttyS0 (run.guest.append with run.guest.kernel, or the image\'s boot loader), so passbench can show why.',
    };
  }
  if (/Kernel panic|VFS: Unable to mount root/.test(text)) {
    return { problem: 'its kernel panicked (see the console)', remedy: 'Check that run.guest.kernel/initrd belong to the image and that its root is the first virtio disk (root=/dev/vda).' };
  }
  if (login === 'cloud-init') {
    if (!CLOUD_INIT_RAN.test(text)) {
      return {
        problem: 'the image lacks cloud-init: it never ran (no line of it on the console), so nothing read passbench\'s seed (keys, address)',
        remedy: 'Use an image with cloud-init (its NoCloud datasource), or give run.guest.login: { user, identityFile, hostKey } for an image that already has a key and a host key.',
      };
    }
    // A stage that failed says why in its last error line (e.g. RuntimeError: Not all expected physical devices present).
    const failed = /failed (run of )?stage|Traceback/.test(text) ? text.split('\n').filter((l) => /cloud-init\[\d+\]: \w*(Error|Exception):/.test(l)).at(-1) : undefined;
    if (failed !== undefined) {
      return {
        problem: `cloud-init failed: ${failed.replace(/^.*?cloud-init\[\d+\]: /, '')}`,
        remedy: 'Read the console around it: a NIC the seed names by MAC that the guest does not have, or a seed the image\'s cloud-init cannot read.',
      };
    }
    if (/DataSourceNone|No datasource|datasource.*not found/i.test(text)) {
      return {
        problem: 'cloud-init ran but did not find the seed (NoCloud, a disk labelled cidata)',
        remedy: 'Let the image\'s cloud-init use NoCloud (datasource_list in /etc/cloud/cloud.cfg.d must include NoCloud).',
      };
    }
  }
  if (/(sshd|ssh\.service|OpenSSH).*(fail|FAILED|no hostkeys)|Failed to start.*(OpenBSD Secure Shell|ssh)/i.test(text)) {
    return { problem: 'its SSH server failed to start (see the console)', remedy: 'The image must run sshd with a host key: cloud-init writes passbench\'s; with login, the image\'s own.' };
  }
  if (!/ssh/i.test(text)) {
    return {
      problem: 'the image lacks an SSH server, or it never started: its console never mentions ssh',
      remedy: 'Install openssh-server in the image and enable it at boot.',
    };
  }
  return {
    problem: 'SSH never accepted passbench\'s key with the pinned host key',
    remedy: login === 'cloud-init'
      ? 'Read the console: did cloud-init apply the seed (its SSH host key fingerprints are printed) and did sshd start?'
      : 'Check run.guest.login: the user, that the image accepts identityFile, and that hostKey is the image\'s own host key.',
  };
}

export interface DiskGuestWait<T> {
  name: string;
  disk: DiskImage;
  /** The boot deadline: a disk image is ready when SSH is. */
  deadline: DeadlineLike;
  signal?: AbortSignal;
  abortError: () => Error;
  /** The serial console so far. */
  readConsole: () => Promise<string>;
  /** Date.now() at QEMU's start. */
  startedAt: number;
  /** SSH with the pinned keys, retried until `deadline` (guest-ssh.ts connectGuest). */
  connect: (deadline: DeadlineLike, signal: AbortSignal | undefined, abortError: () => Error) => Promise<T>;
}

/**
 * A disk image's readiness: SSH accepting the pinned keys within the boot deadline. An image under
 * login: cloud-init is given up on once its boot ends at a login prompt with no cloud-init run;
 * either way a failure says what the image lacks, from its console.
 */
export async function waitForDiskGuest<T>(o: DiskGuestWait<T>): Promise<T> {
  const { name, disk, signal } = o;
  const giveUp = new AbortController();
  let gaveUp: PassbenchError | undefined;
  const watching = disk.login !== 'cloud-init' ? Promise.resolve() : watchConsole(o.readConsole, bootEndedWithoutCloudInit, giveUp.signal)
    .then((text) => {
      if (text === undefined) return;
      gaveUp = noWayIn(name, disk, text, `its boot ended at a login prompt ${((Date.now() - o.startedAt) / 1000).toFixed(1)} s after QEMU start`);
      giveUp.abort();
    });
  try {
    return await o.connect(o.deadline, signal ? AbortSignal.any([signal, giveUp.signal]) : giveUp.signal, () => gaveUp ?? o.abortError());
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    throw noWayIn(name, disk, await o.readConsole().catch(() => ''), error.message);
  } finally {
    giveUp.abort();
    await watching;
  }
}

/** A disk image's guest that never let passbench in: what the image lacks, from its console. */
function noWayIn(name: string, disk: DiskImage, consoleText: string, how: string): PassbenchError {
  const { problem, remedy } = diagnoseNoSsh(consoleText, disk.login);
  const tail = plainLines(consoleText).slice(-25).join('\n');
  const said = how.charAt(0).toUpperCase() + how.slice(1);
  return new PassbenchError(`guest ${name} (${disk.qcow2}): ${problem}. ${said}${how.includes('console\'s last lines') ? '' : `; console's last lines:\n${tail || '(empty)'}`}`, { remedy });
}

/** Reads the console every few seconds until `ended` says so (its text) or `stop` aborts (undefined). */
async function watchConsole(read: () => Promise<string>, ended: (text: string) => boolean, stop: AbortSignal): Promise<string | undefined> {
  while (!stop.aborted) {
    const text = await read().catch(() => '');
    if (ended(text)) return text;
    await delay(CONSOLE_WATCH_MS, stop).catch(() => undefined);
  }
  return undefined;
}

const CONSOLE_WATCH_MS = 3_000;
