/**
 * The file half of an SshHost: SFTP requests on one session per connection, each with a deadline,
 * each failure a HostFileError naming the host, the path and the operation. What SFTP cannot do
 * well goes through commands in ssh-host.ts instead: writes to kernel files (their errno), recursive
 * removal, fsync.
 */
import type { Client, SFTPWrapper } from 'ssh2';
import { HostFileError } from '../errors.ts';
import type { FileStat } from './host.ts';
import { SshConnectionLostError, sftpCode } from './ssh-errors.ts';
import { WaitTimeoutError, withDeadline, type Deadline } from '../wait/index.ts';

const S_IFMT = 0o170000;

/** What the connection tells its file half: whether it is gone, and a promise that rejects when it goes. */
export interface ConnectionState {
  lost(): SshConnectionLostError | undefined;
  /**
   * Rejects once the connection is lost: ssh2 never answers an SFTP request that was pending when
   * the connection went (a doctor waited out its 60 s SFTP deadline after the lab's QEMU was killed).
   */
  readonly whenLost: Promise<never>;
}

export class SftpFiles {
  private session?: Promise<SFTPWrapper>;

  constructor(private readonly hostName: string, private readonly client: Client, private readonly deadline: Deadline,
    private readonly connection: ConnectionState) {}

  async readFile(file: string): Promise<string> {
    const sftp = await this.open(file, 'read');
    // A stream reads until EOF: sysfs files report a size (4096) that is not their length.
    let stream: ReturnType<SFTPWrapper['createReadStream']> | undefined;
    return this.call('read', file, () => new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream = sftp.createReadStream(file)
        .on('data', (chunk: Buffer) => chunks.push(chunk))
        .on('error', reject)
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    }), () => stream?.destroy());
  }

  async writeFile(file: string, data: string, mode?: number): Promise<void> {
    const sftp = await this.open(file, 'write');
    await this.call('write', file, () => promisify<void>((cb) => sftp.writeFile(file, data, { mode }, cb)));
  }

  async chmod(file: string, mode: number): Promise<void> {
    const sftp = await this.open(file, 'chmod');
    await this.call('chmod', file, () => promisify<void>((cb) => sftp.chmod(file, mode, cb)));
  }

  async readLink(file: string): Promise<string> {
    const sftp = await this.open(file, 'readlink');
    return this.call('readlink', file, () => promisify<string>((cb) => sftp.readlink(file, cb)));
  }

  async realPath(file: string): Promise<string> {
    const sftp = await this.open(file, 'realpath');
    return this.call('realpath', file, () => promisify<string>((cb) => sftp.realpath(file, cb)));
  }

  async readDir(dir: string): Promise<string[]> {
    const sftp = await this.open(dir, 'list');
    const entries = await this.call('list', dir, () => promisify<{ filename: string }[]>((cb) => sftp.readdir(dir, cb)));
    return entries.map((e) => e.filename).filter((n) => n !== '.' && n !== '..').sort();
  }

  async stat(file: string): Promise<FileStat | undefined> {
    const sftp = await this.open(file, 'stat');
    try {
      const s = await this.call('stat', file, () => promisify<{ mode: number }>((cb) => sftp.lstat(file, cb)));
      const type = s.mode & S_IFMT;
      return { isFile: type === 0o100000, isDirectory: type === 0o040000, isSymbolicLink: type === 0o120000, mode: s.mode };
    } catch (error) {
      if (error instanceof HostFileError && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** One folder whose parent exists (SshHost.mkdir walks the path); an error names `requested`, the path asked for. */
  async mkdirOne(dir: string, mode: number | undefined, requested: string): Promise<void> {
    const sftp = await this.open(dir, 'mkdir');
    await this.call('mkdir', requested, () => promisify<void>((cb) => sftp.mkdir(dir, mode === undefined ? {} : { mode }, cb)));
  }

  async rename(from: string, to: string): Promise<void> {
    const sftp = await this.open(from, 'rename');
    absolute(to);
    // Plain SFTP rename refuses an existing target; the posix-rename extension replaces it atomically.
    await this.call('rename', from, () => promisify<void>((cb) => sftp.ext_openssh_rename(from, to, cb)));
  }

  /** The session (opened once, again after a failure to open), for an operation on `file`. */
  open(file: string, operation: string): Promise<SFTPWrapper> {
    absolute(file);
    const lost = this.connection.lost();
    if (lost) return Promise.reject(new HostFileError(this.hostName, file, operation, { cause: lost, remedy: lost.remedy }));
    this.session ??= withDeadline(Promise.race([new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
    }), this.connection.whenLost]), this.deadline, 'opening the SFTP session');
    return this.session.catch((error: unknown) => {
      this.session = undefined;
      throw new HostFileError(this.hostName, file, operation, {
        cause: error, code: error instanceof WaitTimeoutError ? 'ETIMEDOUT' : undefined,
        remedy: error instanceof WaitTimeoutError ? this.timeoutRemedy()
          : 'Enable the SFTP subsystem in the host\'s sshd_config (Subsystem sftp internal-sftp).',
      });
    });
  }

  /**
   * One SFTP request with the SFTP deadline; any failure becomes a HostFileError naming this host,
   * the path and the operation (ETIMEDOUT when the server never answered; `cancel` then ends what
   * the request left open, such as a read stream).
   */
  private async call<T>(operation: string, file: string, request: () => Promise<T>, cancel?: () => void): Promise<T> {
    try {
      return await withDeadline(Promise.race([request(), this.connection.whenLost]), this.deadline, `SFTP ${operation}`);
    } catch (error) {
      if (error instanceof SshConnectionLostError) throw new HostFileError(this.hostName, file, operation, { cause: error, remedy: error.remedy });
      if (!(error instanceof WaitTimeoutError)) throw new HostFileError(this.hostName, file, operation, { cause: error, code: sftpCode(error) });
      cancel?.();
      throw new HostFileError(this.hostName, file, operation, { cause: error, code: 'ETIMEDOUT', remedy: this.timeoutRemedy() });
    }
  }

  private timeoutRemedy(): string {
    return `${this.hostName} answered no SFTP request in time: check its load and its sshd (is the sftp subsystem hung?).`;
  }
}

/** Host paths are absolute; anything else is a programming error, thrown at once. */
export function absolute(file: string): string {
  if (!file.startsWith('/')) throw new TypeError(`host paths are absolute; got ${JSON.stringify(file)}`);
  return file;
}

function promisify<T>(call: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}
