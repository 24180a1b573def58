/**
 * `SshHost`: a lab host (or a guest) over SSH. Commands go through ssh2 exec channels, files through
 * SFTP (sftp-files.ts) or, where SFTP falls short, through commands (command-files.ts). Key authentication only, and the host key is pinned: the caller says which
 * key the host must present and anything else is refused before a single command runs
 * (ssh-handshake.ts).
 */
import type { Client, ClientChannel } from 'ssh2';
import { CommandError, HostFileError, errorMessage } from '../errors.ts';
import type { FileStat, Host, HostProcess, RunOptions, RunResult, SpawnOptions } from './host.ts';
import { CommandFiles } from './command-files.ts';
import { splitLines } from './lines.ts';
import { shellJoin } from './shell-quote.ts';
import type { SshTarget } from './ssh-target.ts';
import { SshConnectError, SshConnectionLostError } from './ssh-errors.ts';
import { openSshClient } from './ssh-handshake.ts';
import { SftpFiles } from './sftp-files.ts';
import { Pace, Semaphore, asDeadline, waitUntil, within, withDeadline, type Deadline, type DeadlineLike } from '../wait/index.ts';

export interface SshHostOptions extends SshTarget {
  /** Connect through this host (guests are reachable only from their lab host). */
  via?: SshHost;
  /** Deadline for TCP connect + handshake + authentication. Default 20 s. */
  connectTimeoutMs?: number;
  /** Scales the deadline of each SFTP operation and tunnel opening (SFTP_BASE_MS). Default: factor 1. */
  pace?: Pace;
  /** Each SFTP operation's and tunnel opening's deadline instead of pace × SFTP_BASE_MS. */
  sftpDeadlineMs?: DeadlineLike;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const ABORT_GRACE_MS = 10_000;
/** Files whose write() is handled by the kernel: written with one write(2) so its errno is kept. */
const KERNEL_FILE = /^\/(sys|proc|dev)\//;
/** Below sshd's default MaxSessions (10), leaving room for the SFTP channel and one urgent `kill`. */
const MAX_EXEC_SESSIONS = 8;
/**
 * Each SFTP request (and opening the SFTP session) gets this, times the pace: a server that never
 * answers one must not hang a run. Requests are small (sysfs attributes, keys, a serial log).
 */
const SFTP_BASE_MS = 60_000;
/** A refused exec channel is retried this often (nothing ran), with a back-off from 50 ms to 0.8 s. */
const EXEC_ATTEMPTS = 6;
/** What openExec may take over its attempts: they need 1.6 s of pauses; the rest is the server's answers. */
const EXEC_RETRY_MS = 30_000;
/** close(): how long a spawned process and then the connection get to end. */
const CLOSE_GRACE_MS = 2_000;
interface StartIo {
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  input?: string | Uint8Array;
  /** Set when the caller gave up while waiting for a session: do not start it after all. */
  gate?: { cancelled: boolean; admitted?: boolean };
  /** Skip the session queue: a `kill` must get through even when long-running processes hold every slot. */
  urgent?: boolean;
}

type Exit = { exitCode: number | null; signal: string | null };

interface RemoteCommand {
  channel: ClientChannel;
  pid: number;
  /** Settles when the channel closes. */
  ended: Promise<Exit>;
}

export class SshHost implements Host {
  private readonly files: SftpFiles;
  private readonly commands: CommandFiles;
  private readonly live = new Set<HostProcess>();
  private readonly sessions = new Semaphore(MAX_EXEC_SESSIONS);
  private readonly urgentSessions = new Semaphore(1);
  private closed = false;
  /** Set when the connection ends without close(): every later call fails with it at once. */
  private lost?: SshConnectionLostError;
  /** Rejects with `lost` when it is set (sftp-files.ts ConnectionState). */
  private readonly whenLost: Promise<never>;
  private loseConnection: (error: SshConnectionLostError) => void = () => {};

  private constructor(readonly name: string, private readonly client: Client, private readonly sftpDeadline: Deadline) {
    this.whenLost = new Promise<never>((_, reject) => { this.loseConnection = reject; });
    this.whenLost.catch(() => {}); // rejected only for the calls racing it
    this.files = new SftpFiles(name, client, sftpDeadline, { lost: () => this.lost, whenLost: this.whenLost });
    this.commands = new CommandFiles(name, (argv, options) => this.run(argv, options));
  }

  static async connect(options: SshHostOptions): Promise<SshHost> {
    const port = options.port ?? 22;
    const user = options.user ?? 'root';
    const name = `ssh://${user}@${options.address.includes(':') ? `[${options.address}]` : options.address}:${port}`;
    const target = options.via ? `${name} (via ${options.via.name})` : name;
    const client = await openSshClient({
      options, port, user, name, target,
      transport: async () => (options.via ? options.via.forwardOut(options.address, port, name) : undefined),
    });
    const host = new SshHost(name, client, asDeadline(options.sftpDeadlineMs ?? (options.pace ?? Pace.neutral()).scaled(SFTP_BASE_MS)));
    client.once('close', () => {
      if (host.closed) return;
      host.lost = new SshConnectionLostError(target, new Date());
      host.loseConnection(host.lost);
    });
    return host;
  }

  async run(argv: readonly string[], options: RunOptions & { urgent?: boolean } = {}): Promise<RunResult> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const fail = (exitCode: number | undefined, reason?: string, cause?: unknown) =>
      new CommandError(this.name, argv, exitCode, Buffer.concat(err).toString('utf8'), Date.now() - started, { reason, cause });

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const gate: { cancelled: boolean; admitted?: boolean } = { cancelled: false };
      const starting = this.start(argv, { onStdout: (c) => out.push(c), onStderr: (c) => err.push(c), input: options.input, gate, urgent: options.urgent });
      const first = await Promise.race([starting, deadline]).catch((error: unknown) => {
        throw error instanceof CommandError ? error : fail(undefined, `did not start: ${errorMessage(error)}`, error);
      });
      if (first === 'timeout') {
        gate.cancelled = true;
        if (!gate.admitted) {
          throw fail(undefined, `timed out after ${timeoutMs} ms waiting for a free SSH session (${MAX_EXEC_SESSIONS} per connection, `
            + 'held by running commands and spawned processes); it never started');
        }
        // Already on its way: wait (bounded) for its PID so it is killed before we report the timeout.
        const late = await within(starting.catch(() => undefined), ABORT_GRACE_MS);
        if (late) await this.abort(late);
        else starting.then((c) => this.abort(c), () => {});
      } else {
        const result = await Promise.race([first.ended, deadline]);
        if (result === 'timeout') {
          await this.abort(first);
        } else {
          const exitCode = result.exitCode;
          if (exitCode === 0 || (options.allowFailure && exitCode !== null)) {
            return {
              argv, exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
              durationMs: Date.now() - started,
            };
          }
          if (exitCode === null) {
            throw fail(undefined, result.signal ? `was killed by ${result.signal}` : 'ended without an exit status (connection lost?)');
          }
          throw fail(exitCode);
        }
      }
      throw fail(undefined, `timed out after ${timeoutMs} ms`);
    } finally {
      clearTimeout(timer);
    }
  }

  async spawn(argv: readonly string[], options: SpawnOptions = {}): Promise<HostProcess> {
    const lines = {
      stdout: splitLines((line) => options.onLine?.(line, 'stdout')),
      stderr: splitLines((line) => options.onLine?.(line, 'stderr')),
    };
    const command = await this.start(argv, { onStdout: (c) => lines.stdout.write(c), onStderr: (c) => lines.stderr.write(c) })
      .catch((error: unknown) => {
        throw error instanceof CommandError ? error : new CommandError(this.name, argv, undefined, '', 0, { reason: `did not start: ${errorMessage(error)}`, cause: error });
      });
    const process: HostProcess = {
      argv,
      exited: command.ended.then((exit) => {
        lines.stdout.end();
        lines.stderr.end();
        this.live.delete(process);
        return exit;
      }),
      kill: (signal = 'SIGTERM') => this.signal(command.pid, signal),
    };
    this.live.add(process);
    return process;
  }

  /** A TCP stream to `address:port` as seen from this host: how a jump works. */
  async forwardOut(address: string, port: number, target = `${address}:${port}`): Promise<ClientChannel> {
    if (this.lost) throw this.lost;
    // The server answers a tunnel request only once its own connect() to the target ends: to a
    // guest that rebooted (or hangs) that can take minutes, and a wait for SSH through the jump
    // host had no bound. A tunnel that opens after its deadline is closed at once.
    let late = false;
    const opening = new Promise<ClientChannel>((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, address, port, (error, channel) => {
        if (late && !error) channel.close();
        if (!error) return resolve(channel);
        reject(new SshConnectError(`${target} (via ${this.name})`, `the jump host could not open a tunnel: ${error.message}`, {
          cause: error,
          remedy: `Check that ${address}:${port} is reachable from ${this.name} (e.g. \`nc -z ${address} ${port}\` there) `
            + 'and that its sshd allows TCP forwarding (AllowTcpForwarding yes).',
        }));
      });
    });
    try {
      return await withDeadline(opening, this.sftpDeadline, `opening a tunnel to ${target} through ${this.name}`, {
        remedy: `${this.name} did not open the tunnel in time: is ${target} up (its console), and ${this.name} not overloaded?`,
      });
    } catch (error) {
      late = true;
      throw error;
    }
  }

  readFile(file: string): Promise<string> {
    return this.files.readFile(file);
  }

  async writeFile(file: string, data: string, options: { mode?: number } = {}): Promise<void> {
    if (KERNEL_FILE.test(file)) {
      await this.files.open(file, 'write');
      await this.commands.writeKernelFile(file, data);
    } else await this.files.writeFile(file, data, options.mode);
    // The mode given to open() only applies to a file it creates; make it hold for an existing one too.
    if (options.mode !== undefined) await this.files.chmod(file, options.mode);
  }

  readLink(file: string): Promise<string> {
    return this.files.readLink(file);
  }

  realPath(file: string): Promise<string> {
    return this.files.realPath(file);
  }

  readDir(dir: string): Promise<string[]> {
    return this.files.readDir(dir);
  }

  stat(file: string): Promise<FileStat | undefined> {
    return this.files.stat(file);
  }

  async exists(file: string): Promise<boolean> {
    return (await this.stat(file)) !== undefined;
  }

  async mkdir(dir: string, options: { mode?: number } = {}): Promise<void> {
    await this.files.open(dir, 'mkdir');
    // Mostly it is there already (the journal's folder, before each save): one round trip, not one per level.
    if ((await this.stat(dir))?.isDirectory) return;
    let current = '';
    for (const part of dir.split('/').filter(Boolean)) {
      current += `/${part}`;
      const found = await this.stat(current);
      if (found?.isDirectory) continue;
      if (found) throw new HostFileError(this.name, dir, 'mkdir', { cause: new Error(`${current} is not a directory`), code: 'ENOTDIR' });
      const at = current;
      await this.files.mkdirOne(at, options.mode, dir).catch(async (error: unknown) => {
        if (!(await this.stat(at))?.isDirectory) throw error; // lost a race with another mkdir: fine
      });
    }
  }

  remove(file: string): Promise<void> {
    return this.commands.remove(file);
  }

  rename(from: string, to: string): Promise<void> {
    return this.files.rename(from, to);
  }

  replaceFile(file: string, data: string, options: { mode: number }): Promise<void> {
    return this.commands.replaceFile(file, data, options.mode);
  }

  sync(paths: readonly string[]): Promise<void> {
    return this.commands.sync(paths);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Without a terminal, sshd leaves a command running when its channel closes: stop ours first.
    await Promise.allSettled([...this.live].map(async (p) => {
      await p.kill('SIGTERM');
      await within(p.exited, CLOSE_GRACE_MS);
    }));
    this.closed = true;
    await within(new Promise<void>((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
    }), CLOSE_GRACE_MS);
  }

  /**
   * Starts argv through the remote shell as `echo $$; exec ARGV`: the command takes over the shell's
   * PID, so it can be signalled later with a separate `kill` (SSH signal requests are unreliable).
   * The login shell must be POSIX-like (sh, bash, dash, zsh), as root's is on the lab hosts.
   */
  private async start(argv: readonly string[], io: StartIo): Promise<RemoteCommand> {
    if (argv.length === 0) throw new TypeError('run() needs a command');
    if (this.closed) throw new CommandError(this.name, argv, undefined, '', 0, { reason: 'not run: the SSH connection is closed' });
    if (this.lost) throw new CommandError(this.name, argv, undefined, '', 0, { reason: 'not run: the SSH connection was lost', cause: this.lost });
    // sshd allows MaxSessions (default 10) channels per connection: queue beyond that instead of failing.
    const release = await (io.urgent ? this.urgentSessions : this.sessions).acquire();
    if (io.gate) io.gate.admitted = true;
    if (io.gate?.cancelled) {
      release();
      throw new Error('gave up waiting for a free SSH session');
    }
    // Listeners go on in the exec callback itself, before anything else runs: the server's reply,
    // the command's output, its exit status and the close can arrive in one read, and ssh2 emits
    // 'exit' once, to whoever listens at that moment (a short command on a busy machine lost it).
    let exit: Exit = { exitCode: null, signal: null };
    let ended!: Promise<Exit>;
    const watch = (channel: ClientChannel) => {
      ended = new Promise<Exit>((done) => channel.once('close', () => {
        release();
        done(exit);
      }));
      channel.on('exit', (code: number | null, signal?: string) => {
        exit = { exitCode: code, signal: signal ? (signal.startsWith('SIG') ? signal : `SIG${signal}`) : null };
      });
    };
    let channel: ClientChannel;
    try {
      channel = await this.openExec(`echo $$; exec ${shellJoin(argv)}`, watch);
    } catch (error) {
      release();
      throw error;
    }
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let pid: number | undefined;
      const stderr: Buffer[] = [];
      channel.on('data', (chunk: Buffer) => {
        if (pid !== undefined) return io.onStdout(chunk);
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(10);
        if (newline < 0) return;
        pid = Number(head.subarray(0, newline).toString());
        const rest = head.subarray(newline + 1);
        resolve({ channel, pid, ended });
        if (rest.length) io.onStdout(rest);
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
        io.onStderr(chunk);
      });
      void ended.then(() => {
        if (pid === undefined) reject(new Error(`the remote shell ended before starting it: ${Buffer.concat(stderr).toString().trim()}`));
      });
      channel.end(io.input);
    });
  }

  /**
   * Opens an exec channel. sshd frees a session slightly after the channel closes, so a refused open
   * (nothing ran) is retried briefly rather than failing a command that waited its turn. So is an exec
   * the server closed before starting it ("Unable to exec": the virtual lab's dropbear, busy with
   * three nested guests' forwards, once did that to `cat /proc/net/tcp`): nothing ran either.
   */
  private openExec(command: string, watch: (channel: ClientChannel) => void): Promise<ClientChannel> {
    return waitUntil(`an exec channel on ${this.name}`, () => new Promise<ClientChannel>((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        watch(channel);
        resolve(channel);
      });
    }), {
      deadline: EXEC_RETRY_MS, maxAttempts: EXEC_ATTEMPTS, intervalMs: (attempt) => 25 * 2 ** attempt,
      fatal: (error) => !/Channel open failure|Unable to exec/i.test(errorMessage(error)),
      remedy: `The server refused every session: raise MaxSessions in ${this.name}'s sshd_config, or run fewer commands at once.`,
    });
  }

  private async abort(command: RemoteCommand): Promise<void> {
    await this.signal(command.pid, 'SIGKILL').catch(() => {});
    command.channel.close();
  }

  private async signal(pid: number, signal: NodeJS.Signals | number): Promise<void> {
    if (!Number.isInteger(pid) || pid <= 1) throw new TypeError(`no remote PID to signal (${pid})`);
    const name = typeof signal === 'number' ? String(signal) : signal.replace(/^SIG/, '');
    // allowFailure: the process may have ended on its own meanwhile, as with a local kill().
    await this.run(['kill', '-s', name, String(pid)], { allowFailure: true, timeoutMs: 10_000, urgent: true });
  }
}
