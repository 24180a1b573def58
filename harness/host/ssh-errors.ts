/**
 * What goes wrong with an SSH host, in words a person can act on: a host key that is not the
 * pinned one, a connection that cannot be made (with the remedy for each cause), and the errno
 * behind an SFTP status or a remote command's strerror text.
 */
import { PassbenchError, errorMessage } from '../errors.ts';
import { markFinal } from '../wait/index.ts';
import type { SshTarget } from './ssh-target.ts';

/** The host presented a key other than the pinned one. Nothing was run. */
export class HostKeyMismatchError extends PassbenchError {
  constructor(readonly target: string, readonly expected: readonly string[], readonly found: string) {
    super(`host key mismatch for ${target}: expected ${expected.join(' or ')}, found ${found}; refused before running anything`, {
      remedy: 'If the host was reinstalled, check the new key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) '
        + 'and update hostKey / knownHostsFile in the lab config. Otherwise the connection may be intercepted: do not proceed.',
    });
  }
}

/** The SSH connection could not be made (network, authentication, jump host). */
export class SshConnectError extends PassbenchError {
  constructor(readonly target: string, reason: string, details: { remedy?: string; cause?: unknown } = {}) {
    super(`cannot connect to ${target}: ${reason}`, details);
  }
}

/**
 * The connection went away under us (the server's session process died, the network dropped):
 * nothing more can run over it, and no wait can bring it back (final: every waitUntil ends at once).
 */
export class SshConnectionLostError extends PassbenchError {
  constructor(readonly target: string, at: Date) {
    super(`the SSH connection to ${target} was lost at ${at.toISOString()}`, {
      remedy: `Check ${target}'s sshd log for why the session ended (the virtual lab's serial log shows it), and that the host is up.`,
    });
  }
}
markFinal(SshConnectionLostError.prototype);

export function connectError(target: string, options: SshTarget, error: unknown): SshConnectError {
  const message = errorMessage(error);
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${options.address}:${options.port ?? 22}`;
  const remedy =
    /authentication methods failed/i.test(message)
      ? `Add the public key of ${options.identityFile} to ~${options.user ?? 'root'}/.ssh/authorized_keys on the host.`
      : code === 'ECONNREFUSED'
        ? `Nothing listens on ${where}: is sshd running there, and is the port right?`
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `The name ${options.address} does not resolve: check the address in the lab config.`
          : /timed out|ETIMEDOUT|EHOSTUNREACH/i.test(`${message} ${code ?? ''}`)
            ? `No answer from ${where}: check that the host is up and reachable from here (firewall, VPN, jump host).`
            : /no matching host key/i.test(message)
              ? 'The host offers no key of the pinned type: pin the key it has (ssh-keyscan shows its types; check the fingerprint on its console).'
            : /passphrase|encrypted/i.test(message)
              ? 'Use a key without a passphrase for unattended runs.'
              : `Try \`ssh -p ${options.port ?? 22} -i ${options.identityFile} ${options.user ?? 'root'}@${options.address} true\` to see what fails.`;
  return new SshConnectError(target, message, { cause: error, remedy });
}

/** SFTP status codes are coarse; name the two that map to an errno, and keep the others recognizable. */
export function sftpCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (code === 2) return 'ENOENT';
  if (code === 3) return 'EACCES';
  if (code === 4) return 'SFTP_FAILURE';
  if (code === 8) return 'SFTP_OP_UNSUPPORTED';
  return typeof code === 'number' ? `SFTP_${code}` : undefined;
}

const ERRNO_TEXT: Record<string, string> = {
  'No such device': 'ENODEV', 'Invalid argument': 'EINVAL', 'Device or resource busy': 'EBUSY',
  'No such file or directory': 'ENOENT', 'Permission denied': 'EACCES', 'Operation not permitted': 'EPERM',
  'File exists': 'EEXIST', 'No space left on device': 'ENOSPC', 'Input/output error': 'EIO',
  'Cannot allocate memory': 'ENOMEM', 'No such device or address': 'ENXIO', 'Operation not supported': 'EOPNOTSUPP',
  'Resource temporarily unavailable': 'EAGAIN', 'Numerical result out of range': 'ERANGE', 'Read-only file system': 'EROFS',
  'Is a directory': 'EISDIR', 'Not a directory': 'ENOTDIR',
};

/** `dd: error writing '/sys/…': No such device` → `ENODEV` (strerror texts of glibc and busybox agree). */
export function errnoFromMessage(message: string): string | undefined {
  const text = message.slice(message.lastIndexOf(': ') + 2).trim();
  return ERRNO_TEXT[text];
}
