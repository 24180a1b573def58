import type { Host } from './host.ts';

/**
 * Writes a 0600 file with a command, umask first, so it is never readable by others, not even for
 * a moment; a command rather than SFTP because a command has a deadline (guest-keys.ts says why).
 */
export async function writeSecret(host: Host, file: string, data: string | Uint8Array): Promise<void> {
  // chmod too: umask does not change a file that was already there.
  await host.run(['sh', '-c', 'umask 077 && cat >"$1" && chmod 0600 "$1"', 'sh', file], { input: data });
}
