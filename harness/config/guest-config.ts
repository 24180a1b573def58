/**
 * run.guest (or a host's guest): the image the run's guests boot, on the lab host.
 *
 * ```yaml
 * guest: { iso: /var/lib/passbench/guest.iso }                  # passbench's image (vm-images/build-guest.sh)
 * guest: { kernel: …/guest.vmlinux, initrd: …/guest.initrd }    # the same, booted directly
 * guest:                                                       # the lab's own image: a qcow2 overlay per guest
 *   qcow2: /var/lib/passbench/debian-12.qcow2
 *   kernel: /var/lib/passbench/debian-12.vmlinuz                # optional: its kernel, for an image without a
 *   initrd: /var/lib/passbench/debian-12.initrd                 #   boot loader (root=/dev/vda); else it boots the disk
 *   login: cloud-init                                           # default: passbench writes a NoCloud seed per guest
 *   # login: { user: root, identityFile: ~/.ssh/guest_ed25519, hostKey: ssh-ed25519 AAAA… }   # the image has them
 * ```
 */
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import { hostPathProblem } from '../host/host-path.ts';
import { parsePublicKey } from '../host/ssh-keys.ts';
import { resolveLocalPath } from './lab-config.ts';

// A file on the lab host: absolute, plain characters, no ".." (it reaches QEMU's argv).
const HostPath = z.string().superRefine((file, ctx) => {
  const problem = hostPathProblem(file, 'file');
  if (problem) ctx.addIssue({ code: 'custom', message: `expected an absolute file path on the lab host: ${problem}` });
});

const LoginSchema = z.strictObject({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a Unix user name like root or debian'),
  /** A private key on the controller that the image accepts; relative to the config file. */
  identityFile: z.string().min(1, 'expected the path of a private key file on this machine'),
  /** The image's own SSH host key: pinned. */
  hostKey: z.string().superRefine((line, ctx) => {
    try {
      parsePublicKey(line);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `expected the image's SSH host key, an OpenSSH public key line "ssh-ed25519 AAAA…": ${errorMessage(error).replace(/^public key: /, '')}` });
    }
  }),
});

export const GuestImageSchema = z.strictObject({
  iso: HostPath.optional(),
  kernel: HostPath.optional(),
  initrd: HostPath.optional(),
  append: z.array(z.string().regex(/^[A-Za-z0-9_.=:,/-]+$/, 'expected a kernel argument (letters, digits, _ . = : , / -)')).optional(),
  qcow2: HostPath.optional(),
  login: z.union([z.literal('cloud-init'), LoginSchema], {
    error: 'expected cloud-init (passbench writes a seed per guest) or { user, identityFile, hostKey } (the image already has them)',
  }).optional(),
  /** Gone: passbench writes each guest's seed itself. Kept here only to say so. */
  seed: z.unknown().optional(),
  /**
   * A folder on the controller holding these files under the same names (e.g. vm-images' cache):
   * each one missing on the lab host, or different there (SHA-256), is copied before the run
   * (harness/guest/stage-image.ts). Relative to the config file; `~/` is the user's home.
   */
  copyFrom: z.string().min(1, 'expected a folder on this machine').optional(),
  memoryMiB: z.int().min(128, 'expected 128-65536 MiB').max(65536, 'expected 128-65536 MiB').default(512),
  cpus: z.int().min(1, 'expected 1-64 CPUs').max(64, 'expected 1-64 CPUs').default(1),
}).superRefine((g, ctx) => {
  if (g.seed !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['seed'], message: 'passbench writes each guest\'s cloud-init seed itself (keys made for that boot, the test address): remove seed; login: cloud-init is the default for a qcow2 image' });
  }
  if (g.qcow2 !== undefined) {
    if (g.iso !== undefined) ctx.addIssue({ code: 'custom', message: 'give exactly one way to boot: iso, or kernel + initrd, or qcow2 (found iso and qcow2)' });
    if ((g.kernel === undefined) !== (g.initrd === undefined)) {
      ctx.addIssue({ code: 'custom', path: [g.kernel ? 'initrd' : 'kernel'], message: 'kernel and initrd go together (a qcow2 image\'s own kernel, booted with its root on the disk)' });
    }
    return;
  }
  if (g.login !== undefined) ctx.addIssue({ code: 'custom', path: ['login'], message: 'login is for a qcow2 image; passbench\'s own image takes its keys from the run' });
  const kinds = [g.iso && 'iso', (g.kernel || g.initrd) && 'kernel'].filter(Boolean);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `give exactly one way to boot: iso, or kernel + initrd, or qcow2 (found ${kinds.length ? kinds.join(' and ') : 'none'})` });
  } else if (kinds[0] === 'kernel' && !(g.kernel && g.initrd)) {
    ctx.addIssue({ code: 'custom', path: [g.kernel ? 'initrd' : 'kernel'], message: 'kernel and initrd go together' });
  }
}).transform(({ seed: _gone, ...g }) => g);
export type GuestImage = z.output<typeof GuestImageSchema>;

/** The guest image's files on the lab host, whichever way it boots. */
export function guestFiles(guest: GuestImage): string[] {
  return [guest.iso, guest.kernel, guest.initrd, guest.qcow2].filter((f): f is string => f !== undefined);
}

/** Controller paths are relative to the file that gave the guest: copyFrom, login.identityFile. */
export function resolveGuestPaths(guest: GuestImage, baseDir: string): GuestImage {
  return {
    ...guest,
    ...(guest.copyFrom === undefined ? {} : { copyFrom: resolveLocalPath(guest.copyFrom, baseDir) }),
    ...(typeof guest.login === 'object' ? { login: { ...guest.login, identityFile: resolveLocalPath(guest.login.identityFile, baseDir) } } : {}),
  };
}
