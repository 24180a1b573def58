import path from 'node:path';
import type { Host } from '../host/host.ts';
import { generateKeyPair, parsePublicKey, formatPublicKey } from '../host/ssh-keys.ts';
import { PassbenchError, UsageError } from '../errors.ts';
import { writeSecret } from '../host/secret-file.ts';
import type { FwCfgFile } from '../vm/qemu-args.ts';

/**
 * Fresh keys for one guest boot. Nothing is baked into the image: the guest's /init reads
 * opt/passbench/{authorized_keys,host_key,net} from QEMU fw_cfg (vm-images/guest-init.sh).
 *
 * - The client key is generated on the controller (its private half never leaves it).
 * - The SSH host key is generated in dropbear's format on the host that runs QEMU (`dropbearkey`),
 *   where QEMU reads it for fw_cfg; only its public line travels back, to be pinned.
 * Every file is 0600 in a 0700 folder.
 */
export interface GuestKeys {
  /** Controller path of the client's private key (for connectGuest's identityFile). */
  identityFile: string;
  /** The guest's host key as an OpenSSH public key line: pin exactly this. */
  hostKey: string;
  /** Folder on the QEMU host holding the fw_cfg files. */
  remoteDir: string;
  /** The fw_cfg entries for GuestSpec.fwCfg. */
  fwCfg: FwCfgFile[];
}

export interface GuestKeysOptions {
  /** Guest name: letters, digits, `-`, `_`, `.`. */
  name: string;
  /** Controller folder for this guest's client key. */
  localDir: string;
  /** Folder on the QEMU host for the fw_cfg files (host key, authorized_keys, net). */
  remoteDir: string;
  /** fw_cfg `net` lines: `IFACE ADDRESS/PREFIX [GATEWAY]` or `IFACE dhcp` (guest-init.sh). */
  net?: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/**
 * `sh -c HOST_KEY_SCRIPT passbench-host-key FOLDER KEYFILE`: the folder 0700 (also when it was
 * there), a fresh ed25519 host key in it, 0600. The paths reach it as arguments, never as shell text.
 */
const HOST_KEY_SCRIPT = 'umask 077 && mkdir -p -m 0700 "$1" && chmod 0700 "$1" && rm -f -- "$2" && dropbearkey -t ed25519 -f "$2" && chmod 0600 "$2"';
const NET_LINE = /^[a-z][a-z0-9]{0,14} (dhcp|\d{1,3}(\.\d{1,3}){3}\/\d{1,2}( \d{1,3}(\.\d{1,3}){3})?)$/;

export async function makeGuestKeys(controller: Host, qemuHost: Host, o: GuestKeysOptions): Promise<GuestKeys> {
  if (!NAME.test(o.name)) throw new UsageError(`guest name ${JSON.stringify(o.name)} must match ${NAME}`);
  for (const line of o.net ?? []) {
    if (!NET_LINE.test(line)) {
      throw new UsageError(`fw_cfg net line ${JSON.stringify(line)} is not "IFACE ADDRESS/PREFIX [GATEWAY]" or "IFACE dhcp"`);
    }
  }
  const client = await generateKeyPair(controller, o.localDir, `${o.name}-client`, `passbench-${o.name}`);

  // Commands only, no SFTP: through a dropbear lab host, SFTP calls overlapping with other
  // guests' setups were seen to hang for good (no timeout there); a command has one. Each is a
  // round trip before the guest can start: the folder and the host key are one command, then
  // the other files side by side.
  const hostKeyFile = path.posix.join(o.remoteDir, 'host_key.dropbear');
  const authorizedKeys = path.posix.join(o.remoteDir, 'authorized_keys');
  const netFile = path.posix.join(o.remoteDir, 'net');
  // dropbearkey prints the public line on stdout ("Public key portion is:\nssh-ed25519 AAAA… user@host").
  const made = await qemuHost.run(['sh', '-c', HOST_KEY_SCRIPT, 'passbench-host-key', o.remoteDir, hostKeyFile]);
  const line = made.stdout.split('\n').find((l) => l.startsWith('ssh-ed25519 '));
  if (!line) throw new PassbenchError(`dropbearkey on ${qemuHost.name} printed no public key: ${made.stdout.slice(0, 300)}`);
  const hostKey = formatPublicKey(parsePublicKey(line, `dropbearkey -f ${hostKeyFile}`));

  const net = o.net && o.net.length > 0;
  await Promise.all([
    writeSecret(qemuHost, authorizedKeys, formatPublicKey(client.publicKey) + '\n'),
    net ? writeSecret(qemuHost, netFile, o.net!.join('\n') + '\n') : undefined,
  ]);
  const fwCfg: FwCfgFile[] = [
    { name: 'authorized_keys', file: authorizedKeys },
    { name: 'host_key', file: hostKeyFile },
    ...(net ? [{ name: 'net', file: netFile }] : []),
  ];
  return { identityFile: client.privateKeyPath, hostKey, remoteDir: o.remoteDir, fwCfg };
}
