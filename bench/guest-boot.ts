/**
 * Guest boot per image kind at the first level (issue 14): QEMU started through a loopback sshd as
 * on a lab host (guest/guest.ts bootGuest), TCG, an emulated e1000 on user-net, nothing in /sys.
 * Each round boots every kind once, in turn (so they share the machine's load alike):
 *   iso     passbench's image from its ISO (SeaBIOS, isolinux), ready at its console line
 *   pvh     passbench's image, its uncompressed kernel by PVH (qboot), ready at its console line
 *   debian  the Debian 12 image (vm-images/build-debian.sh) on an overlay with a cloud-init seed,
 *           its kernel and initramfs given to QEMU, ready when SSH accepts the seed's pinned host key
 *   debian-boot  the same system on a disk with its own boot loader (SeaBIOS, syslinux; -boot c)
 * Prints QEMU start → ready and → SSH for each boot, then the median and range per kind, with the
 * revision and the load (figures from a loaded 2-core machine are not an idle one's).
 *   npx tsx bench/guest-boot.ts [--runs 5] [--kinds iso,pvh,debian,debian-boot]
 * The nested boots (a VF by vfio-pci inside the lab host) are bench/nested-boot.ts's and, for the
 * Debian image, scripts/debian-nested.sh's.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { LocalHost } from '../harness/host/local-host.ts';
import { parseVars } from '../harness/lab/lab-up.ts';
import { SshHost } from '../harness/host/ssh-host.ts';
import { formatPublicKey } from '../harness/host/ssh-keys.ts';
import { startGuest, type GuestOptions } from '../harness/guest/guest.ts';
import { median } from '../harness/stats/descriptive.ts';
import { Pace } from '../harness/wait/index.ts';
import { startSshd } from '../test/support/sshd.ts';
import { arg } from './bench-args.ts';

const runs = Number(arg('--runs', '5'));
const kinds = arg('--kinds', 'iso,pvh,debian,debian-boot').split(',');
const controller = new LocalHost();
const revision = (await controller.run(['git', 'rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
const load = async () => (await controller.readFile('/proc/loadavg')).split(' ').slice(0, 3).join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The KEY=value lines a vm-images recipe prints (it builds only what changed). */
const built = async (script: string) => parseVars((await execa(`vm-images/${script}`)).stdout);
const guest = await built('build-guest.sh');
const debian = kinds.some((k) => k.startsWith('debian')) ? await built('build-debian.sh') : {};
const images = { iso: guest.ISO!, kernel: guest.GUEST_KERNEL!, vmlinux: guest.GUEST_VMLINUX, initrd: guest.GUEST_INITRD! };
const image: Record<string, Pick<GuestOptions, 'images' | 'disk' | 'boot' | 'memoryMiB'>> = {
  iso: { images, boot: 'iso' },
  pvh: { images, boot: 'pvh' },
  debian: { disk: { qcow2: debian.DEBIAN_QCOW2!, kernel: debian.DEBIAN_KERNEL, initrd: debian.DEBIAN_INITRD, login: 'cloud-init' }, memoryMiB: 1024 },
  'debian-boot': { disk: { qcow2: debian.DEBIAN_BOOT_QCOW2!, login: 'cloud-init' }, memoryMiB: 1024 },
};
for (const k of kinds) if (!image[k]) throw new Error(`--kinds: ${k} is not one of ${Object.keys(image).join(', ')}`);

const sshd = await startSshd();
const lab = await SshHost.connect({ address: sshd.address, port: sshd.port, user: sshd.user, identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey) });
const keyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-bench-guests-'));
const times: Record<string, { ready: number[]; ssh: number[] }> = Object.fromEntries(kinds.map((k) => [k, { ready: [], ssh: [] }]));
console.log(`guest boots at the first level (tcg), rev ${revision}, ${runs} round(s) of ${kinds.join(', ')}, load ${await load()} at start`);
try {
  for (let run = 1; run <= runs; run++) {
    for (const kind of kinds) {
      const g = await startGuest(controller, lab, {
        name: `bench-${kind}`, kind: 'e1000', controllerDir: path.join(keyDir, kind), pace: Pace.forAccel('tcg'), ...image[kind],
      });
      await g.stop();
      const ready = g.consoleReadyMs ?? g.sshReadyMs;
      times[kind]!.ready.push(ready);
      times[kind]!.ssh.push(g.sshReadyMs);
      console.log(`round ${run}: ${kind}: ready ${s(ready)}${g.consoleReadyMs === undefined ? ' (the SSH handshake)' : ' (console)'}, SSH ${s(g.sshReadyMs)}; load ${await load()}`);
    }
  }
} finally {
  await lab.close();
  await sshd.stop();
  await fs.rm(keyDir, { recursive: true, force: true });
}
console.log('\nQEMU start → SSH ready, per image kind (median, min–max):');
for (const kind of kinds) {
  const t = times[kind]!;
  console.log(`  ${kind.padEnd(11)} median ${s(median(t.ssh))}, ${s(Math.min(...t.ssh))}–${s(Math.max(...t.ssh))}; ready (console or SSH) median ${s(median(t.ready))}`);
}
