/**
 * The file operations an SshHost does with commands rather than SFTP (sftp-files.ts): what SFTP
 * cannot do, or only in many round trips. Recursive removal, fsync (of folders too), a durable
 * replace in one command, and writes to kernel files that keep the kernel's errno. Each failure is
 * a HostFileError naming the host, the path and the operation. Every script here is a constant;
 * paths and values reach it as arguments, never as shell text.
 */
import path from 'node:path';
import { HostFileError } from '../errors.ts';
import type { Host } from './host.ts';
import { replacementTemp } from './host-path.ts';
import { errnoFromMessage } from './ssh-errors.ts';
import { absolute } from './sftp-files.ts';

/**
 * replaceFile's command, `sh -c SCRIPT passbench-replace TMP FILE FOLDER MODE`, the content on
 * stdin: the new content on disk before it takes the file's name, the name on disk before the
 * caller goes on. A failure before the rename leaves the old file and no temp file. `mv -T`, as
 * rename(2): onto a folder it fails instead of moving the file into it. umask 077 first: the temp
 * file is never readable by others, not even for a moment.
 */
export const REPLACE_FILE_SCRIPT = 'umask 077; if cat >"$1" && chmod "$4" "$1" && sync -- "$1" && mv -fT "$1" "$2"; then exec sync -- "$3"; fi; rm -f "$1"; exit 1';

export class CommandFiles {
  constructor(private readonly hostName: string, private readonly run: Host['run']) {}

  async remove(file: string): Promise<void> {
    if (absolute(file) === '/') throw new TypeError('remove("/") refused');
    // SFTP has no recursive delete; rm -rf is one round trip and behaves like fs.rm({ recursive, force }).
    await this.run(['rm', '-rf', '--', file]).catch((error: unknown) => {
      throw new HostFileError(this.hostName, file, 'remove', { cause: error });
    });
  }

  /**
   * One command where SFTP would take six round trips (write, chmod, fsync, rename, fsync of the
   * folder): the journal is saved before every change a run makes.
   */
  async replaceFile(file: string, data: string, mode: number): Promise<void> {
    absolute(file);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new RangeError(`replaceFile ${file}: mode ${mode} is not a permission mode (an integer from 0 to 0o7777, e.g. 0o600)`);
    }
    const tmp = replacementTemp(file);
    await this.run(['sh', '-c', REPLACE_FILE_SCRIPT, 'passbench-replace', tmp, file, path.posix.dirname(file), mode.toString(8)], { input: data })
      .catch((error: unknown) => {
        throw new HostFileError(this.hostName, file, 'replace', { cause: error });
      });
  }

  /**
   * `sync -- PATH…` (coreutils ≥ 8.24, busybox ≥ 1.25) fsyncs each path it is given: one round trip,
   * and only these files, where a bare `sync` would flush every dirty page of every filesystem on a
   * host that may be busy writing. SFTP's fsync is an extension (fsync@openssh.com) that needs an
   * open handle per file, and a folder cannot be opened over SFTP at all.
   */
  async sync(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    for (const file of paths) absolute(file);
    await this.run(['sync', '--', ...paths]).catch((error: unknown) => {
      throw new HostFileError(this.hostName, paths.join(' '), 'fsync', { cause: error });
    });
  }

  /** One write(2) with the whole text via dd, so a kernel's refusal keeps its errno (SFTP would say "Failure"). */
  async writeKernelFile(file: string, data: string): Promise<void> {
    const result = await this.run(['dd', `of=${file}`, 'bs=1M', 'iflag=fullblock', 'status=none'], { input: data, allowFailure: true })
      .catch((error: unknown) => {
        throw new HostFileError(this.hostName, file, 'write', { cause: error });
      });
    if (result.exitCode === 0) return;
    const message = result.stderr.trim().split('\n').pop() ?? `dd exited with ${result.exitCode}`;
    throw new HostFileError(this.hostName, file, 'write', { cause: new Error(message), code: errnoFromMessage(message) });
  }
}
