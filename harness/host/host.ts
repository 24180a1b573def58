/**
 * A `Host` is where commands run and files are read and written: the local machine or a lab host
 * over SSH. Nothing above harness/host touches node:fs or spawns processes for a lab host itself,
 * so the same code prepares the local machine, a lab host, or a simulated sysfs.
 */
export interface RunOptions {
  /** Written to the command's standard input (bytes: a file copied to the host). */
  input?: string | Uint8Array;
  /** Killed after this long; the error says so. Default: 60 s. */
  timeoutMs?: number;
  /** Return a non-zero exit instead of throwing `CommandError`. */
  allowFailure?: boolean;
}

export interface RunResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface SpawnOptions {
  /** Every line the process prints (stdout and stderr), as it comes: for console logs and progress. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** A long-running process on a host (QEMU, an iperf3 server). */
export interface HostProcess {
  readonly argv: readonly string[];
  /** Settles when the process ends, with its exit code (or the signal that ended it). Never rejects. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** Sends a signal (default SIGTERM); resolves once it is sent. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface FileStat {
  isFile: boolean;
  isDirectory: boolean;
  isSymbolicLink: boolean;
  mode: number;
}

export interface Host {
  /** For messages: `local`, `ssh://root@127.0.0.1:2222`. */
  readonly name: string;

  /** Runs argv (never a shell string). Throws `CommandError` on a non-zero exit unless allowFailure. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  spawn(argv: readonly string[], options?: SpawnOptions): Promise<HostProcess>;

  readFile(path: string): Promise<string>;
  /** Writes the whole text; on sysfs a rejected write surfaces as `HostFileError` with the errno code. */
  writeFile(path: string, data: string, options?: { mode?: number }): Promise<void>;
  /** The raw target of a symbolic link. */
  readLink(path: string): Promise<string>;
  /** The path with every link resolved. */
  realPath(path: string): Promise<string>;
  readDir(path: string): Promise<string[]>;
  /** `undefined` when nothing is at that path. Does not follow a final link. */
  stat(path: string): Promise<FileStat | undefined>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  remove(path: string): Promise<void>;
  /** Renames within the host. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Replaces a file's content atomically and durably (how the journal is saved): a temp file of
   * this writer's own beside it, fsynced, renamed over it, and the folder fsynced, so after a crash
   * the file holds the old content or the new, whole, never a mix. The folder must exist.
   */
  replaceFile(path: string, data: string, options: { mode: number }): Promise<void>;
  /**
   * fsync(2) of each file or folder (a folder: its entries, e.g. after a rename), so they survive
   * a crash of the host. Both real hosts have it; a test double holding no real files may not.
   */
  sync?(paths: readonly string[]): Promise<void>;

  close(): Promise<void>;
}
