import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CommandError, HostFileError } from '../errors.ts';
import type { FileStat, Host, HostProcess, RunOptions, RunResult, SpawnOptions } from './host.ts';
import { replacementTemp } from './host-path.ts';
import { splitLines } from './lines.ts';

export interface LocalHostOptions {
  /**
   * Every file path is looked up below this folder: how `--sysfs ROOT` reads a sysfs tree copied
   * from another machine, and how tests give the harness a simulated sysfs. Commands are unaffected.
   */
  root?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class LocalHost implements Host {
  readonly name: string;
  private readonly root: string;

  constructor(options: LocalHostOptions = {}) {
    this.root = options.root ? path.resolve(options.root) : '';
    this.name = this.root ? `local (files below ${this.root})` : 'local';
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = argv;
    if (!file) throw new TypeError('run() needs a command');
    const started = Date.now();
    const result = await execa(file, args, {
      input: options.input,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      reject: false,
      stripFinalNewline: false,
    });
    const durationMs = Date.now() - started;
    const exitCode = result.exitCode;
    if (exitCode === 0 || (options.allowFailure && exitCode !== undefined && !result.timedOut)) {
      return { argv, exitCode: exitCode ?? 0, stdout: String(result.stdout), stderr: String(result.stderr), durationMs };
    }
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
      : result.failed && exitCode === undefined
        ? (result.originalMessage ?? result.shortMessage)
        : undefined;
    throw new CommandError(this.name, argv, exitCode, String(result.stderr ?? ''), durationMs, {
      reason,
      remedy: (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        ? `Install ${file} on this machine.`
        : undefined,
    });
  }

  async spawn(argv: readonly string[], options: SpawnOptions = {}): Promise<HostProcess> {
    const [file, ...args] = argv;
    if (!file) throw new TypeError('spawn() needs a command');
    const child = execa(file, args, { reject: false, buffer: false, stdin: 'ignore' });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.pipe(splitLines((line) => options.onLine?.(line, stream)));
    }
    const exited = child.then(
      (r) => ({ exitCode: r.exitCode ?? null, signal: r.signal ?? null }),
      () => ({ exitCode: null, signal: null }),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) =>
        reject(new CommandError(this.name, argv, undefined, '', 0, { cause: error, reason: `could not start: ${error.message}` })),
      );
    });
    return {
      argv,
      exited,
      kill: async (signal = 'SIGTERM') => {
        child.kill(signal);
      },
    };
  }

  async readFile(file: string): Promise<string> {
    return this.fsCall('read', file, () => fs.readFile(this.at(file), 'utf8'));
  }

  async writeFile(file: string, data: string, options: { mode?: number } = {}): Promise<void> {
    await this.fsCall('write', file, () => fs.writeFile(this.at(file), data, { mode: options.mode }));
    // writeFile's mode only applies to a file it creates; make it hold for an existing one too.
    if (options.mode !== undefined) await this.fsCall('chmod', file, () => fs.chmod(this.at(file), options.mode!));
  }

  async readLink(file: string): Promise<string> {
    return this.fsCall('readlink', file, () => fs.readlink(this.at(file)));
  }

  async realPath(file: string): Promise<string> {
    const real = await this.fsCall('realpath', file, () => fs.realpath(this.at(file)));
    if (!this.root) return real;
    return real === this.root ? '/' : real.startsWith(this.root + '/') ? real.slice(this.root.length) : real;
  }

  async readDir(dir: string): Promise<string[]> {
    return this.fsCall('list', dir, async () => (await fs.readdir(this.at(dir))).sort());
  }

  async stat(file: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.lstat(this.at(file));
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(), mode: s.mode };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new HostFileError(this.name, file, 'stat', { cause: error });
    }
  }

  async exists(file: string): Promise<boolean> {
    return (await this.stat(file)) !== undefined;
  }

  async mkdir(dir: string, options: { mode?: number } = {}): Promise<void> {
    await this.fsCall('mkdir', dir, () => fs.mkdir(this.at(dir), { recursive: true, mode: options.mode }));
  }

  async remove(file: string): Promise<void> {
    await this.fsCall('remove', file, () => fs.rm(this.at(file), { recursive: true, force: true }));
  }

  async rename(from: string, to: string): Promise<void> {
    await this.fsCall('rename', from, () => fs.rename(this.at(from), this.at(to)));
  }

  async replaceFile(file: string, data: string, options: { mode: number }): Promise<void> {
    const tmp = replacementTemp(file);
    // Named as the caller knows it, "replace FILE": the temp file is ours.
    await this.fsCall('replace', file, async () => {
      try {
        const handle = await fs.open(this.at(tmp), 'wx', options.mode);
        try {
          await handle.writeFile(data);
          await handle.chmod(options.mode); // open's mode is filtered by the umask
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(this.at(tmp), this.at(file));
      } catch (error) {
        await fs.rm(this.at(tmp), { force: true }).catch(() => undefined);
        throw error;
      }
    });
    await this.sync([path.posix.dirname(file)]);
  }

  async sync(paths: readonly string[]): Promise<void> {
    for (const file of paths) {
      await this.fsCall('fsync', file, async () => {
        // Read-only is enough for fsync, and the only way to open a folder.
        const handle = await fs.open(this.at(file), 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
    }
  }

  async close(): Promise<void> {}

  private at(file: string): string {
    if (!path.isAbsolute(file)) throw new TypeError(`host paths are absolute; got ${JSON.stringify(file)}`);
    return this.root ? path.join(this.root, file) : file;
  }

  private async fsCall<T>(operation: string, file: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new HostFileError(this.name, file, operation, { cause: error });
    }
  }
}
