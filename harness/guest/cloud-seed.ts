/**
 * A cloud-init NoCloud seed for one guest boot: an ISO 9660 volume labelled `cidata` holding
 * meta-data, user-data and network-config (cloud-init's NoCloud datasource finds it by its label on
 * any disk). passbench writes one per guest: the client key it may log in with, an SSH host key made
 * for this boot (so the guest is pinned from its first handshake), and the test addresses per NIC.
 * The image itself is never changed (each guest boots a copy-on-write overlay of it).
 *
 * The ISO is made on the controller (xorriso, installed by scripts/setup-debian.sh) in the guest's
 * 0700 key folder and copied to the QEMU host as a 0600 file; the controller's copy, which holds the
 * host key's private half, is removed at once.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { writeSecret } from '../host/secret-file.ts';

export interface SeedInterface {
  /** The name the guest gives it: `eth0` (net.ifnames=0), or whatever `mac` is renamed to. */
  name: string;
  /** With a MAC the interface is matched by it and renamed to `name` (an emulated NIC's fixed MAC). */
  mac?: string;
  /** `10.0.3.31/24`. */
  address: string;
  gateway?: string;
}

export interface CloudSeedInput {
  /** New for every boot, so cloud-init runs its once-per-instance modules (keys, network) again. */
  instanceId: string;
  hostname: string;
  /** The client's OpenSSH public key line: authorized for root. */
  authorizedKey: string;
  /** The guest's SSH host key, ed25519, OpenSSH files' text: the private half and the public line. */
  hostKey: { privateKey: string; publicKey: string };
  interfaces: readonly SeedInterface[];
}

export type SeedFiles = Record<'meta-data' | 'user-data' | 'network-config', string>;

/** The seed's three files. Pure. */
export function cloudSeedFiles(i: CloudSeedInput): SeedFiles {
  const userData = {
    // Root, as with passbench's own image: measurements and proofs read sysfs and set links.
    disable_root: false,
    ssh_pwauth: false,
    ssh_authorized_keys: [i.authorizedKey],
    // Exactly the host key given here: the one passbench pins. (With ssh_keys cloud-init generates
    // none; an empty ssh_genkeytypes would say the same but fails its schema, minItems 1.)
    ssh_deletekeys: true,
    ssh_keys: { ed25519_private: i.hostKey.privateKey, ed25519_public: i.hostKey.publicKey },
  };
  const ethernets = Object.fromEntries(i.interfaces.map((n) => [n.name, {
    ...(n.mac === undefined ? {} : { match: { macaddress: n.mac.toLowerCase() }, 'set-name': n.name }),
    addresses: [n.address],
    ...(n.gateway === undefined ? {} : { gateway4: n.gateway }),
  }]));
  // JSON, which is YAML too, with every string quoted: cloud-init's YAML 1.1 reads an unquoted MAC
  // such as 52:54:00:03:00:29 as a base-60 number (and then waits for a NIC of that address).
  const text = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'meta-data': text({ 'instance-id': i.instanceId, 'local-hostname': i.hostname }),
    'user-data': `#cloud-config\n${text(userData)}`,
    'network-config': text({ version: 2, ethernets }),
  };
}

/**
 * Makes the seed ISO from `files` in `localDir` (a 0700 folder of the controller) and writes it to
 * `remoteFile` on the QEMU host, 0600. Nothing of it is left on the controller.
 */
export async function writeCloudSeed(controller: Host, qemuHost: Host, files: SeedFiles, o: { localDir: string; remoteFile: string }): Promise<void> {
  const dir = path.join(o.localDir, 'seed');
  const iso = path.join(o.localDir, 'seed.iso');
  try {
    await controller.mkdir(dir, { mode: 0o700 });
    for (const [name, text] of Object.entries(files)) await controller.writeFile(path.join(dir, name), text, { mode: 0o600 });
    await controller.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'cidata', '-J', '-r', dir]).catch((error: unknown) => {
      throw new PassbenchError(`the cloud-init seed could not be made on the controller: ${errorMessage(error)}`, {
        cause: error, remedy: 'Install xorriso (scripts/setup-debian.sh does).',
      });
    });
    // The controller is this machine: the ISO's bytes, as they are.
    await writeSecret(qemuHost, o.remoteFile, await fs.readFile(iso));
  } finally {
    await controller.remove(dir);
    await controller.remove(iso);
  }
}
