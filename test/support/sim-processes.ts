import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../../harness/host/host.ts';

/**
 * Processes for a simulated lab host (test/support/sim-kernel.ts): each one is its /proc/PID/stat
 * and /proc/PID/cmdline inside the tree, as restore reads them; `kill -TERM|-KILL PID` removes it
 * (unless it ignores that signal), as `pkill -f PATTERN` does those it matches, `ip link set dev IF up`
 * sets IFF_UP in that interface's flags, `mkdir -m 0700 -- DIR`
 * (the host lock) is done in the tree, and
 * `find /proc … -lname FILE` lists the fd links of processes holding FILE open.
 * Every other command is refused: the tests run nothing on this machine.
 */
export interface SimProcess {
  pid: number;
  argv: string[];
  /** /proc/PID/stat field 22. */
  startTime: string;
  /** Signals it survives (a QEMU stuck in the kernel survives even KILL). */
  ignores?: ('TERM' | 'KILL')[];
  /** Files it holds open (/dev/vfio/7): /proc/PID/fd/N links to them. */
  open?: string[];
  comm?: string;
}

export class SimProcesses {
  readonly signals: string[] = [];
  private readonly ignoring = new Map<number, SimProcess['ignores']>();

  constructor(private readonly root: () => string) {}

  async start(p: SimProcess): Promise<void> {
    const dir = path.join(this.root(), 'proc', String(p.pid));
    await fs.mkdir(dir, { recursive: true });
    // Field 2 with a space and a ")" in it, as a comm can have: the parser must count from the last ")".
    const fields = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 1)), p.startTime, '0', '0'];
    await fs.writeFile(path.join(dir, 'stat'), `${p.pid} (qemu) sys) ${fields.join(' ')}\n`);
    await fs.writeFile(path.join(dir, 'cmdline'), `${p.argv.join('\0')}\0`);
    await fs.writeFile(path.join(dir, 'comm'), `${p.comm ?? path.basename(p.argv[0] ?? '?').slice(0, 15)}\n`);
    await fs.mkdir(path.join(dir, 'fd'));
    for (const [i, file] of (p.open ?? []).entries()) await fs.symlink(file, path.join(dir, 'fd', String(i + 3)));
    this.ignoring.set(p.pid, p.ignores);
  }

  /** The process ends by itself (a guest shut down). */
  async stop(pid: number): Promise<void> {
    await fs.rm(path.join(this.root(), 'proc', String(pid)), { recursive: true, force: true });
  }

  async running(pid: number): Promise<boolean> {
    return fs.stat(path.join(this.root(), 'proc', String(pid))).then(() => true, () => false);
  }

  /** What `find /proc … -lname FILE [-o -lname FILE2]` prints: the fd links to those files. */
  private async holding(files: readonly string[]): Promise<string> {
    const lines: string[] = [];
    for (const pid of await fs.readdir(path.join(this.root(), 'proc')).catch(() => [] as string[])) {
      const fds = path.join(this.root(), 'proc', pid, 'fd');
      for (const fd of await fs.readdir(fds).catch(() => [] as string[])) {
        if (files.includes(await fs.readlink(path.join(fds, fd)))) lines.push(`/proc/${pid}/fd/${fd}`);
      }
    }
    return lines.map((l) => `${l}\n`).join('');
  }

  /** A Host `run` for SimKernel's options. */
  runner() {
    return async (argv: readonly string[]): Promise<RunResult> => {
      const done = (exitCode: number, stderr = ''): RunResult => ({ argv, exitCode, stdout: '', stderr, durationMs: 1 });
      if (argv[0] === 'mkdir' && argv.length === 5 && argv[3] === '--') {
        try {
          await fs.mkdir(path.join(this.root(), argv[4]!), { mode: 0o700 });
          return done(0);
        } catch (error) {
          return done(1, `mkdir: cannot create directory '${argv[4]}': ${(error as Error).message}`);
        }
      }
      if (argv[0] === 'kill' && argv.length === 3 && /^-(TERM|KILL)$/.test(argv[1]!) && /^\d+$/.test(argv[2]!)) {
        const pid = Number(argv[2]);
        const signal = argv[1]!.slice(1) as 'TERM' | 'KILL';
        this.signals.push(`${signal} ${pid}`);
        if (!(await this.running(pid))) return done(1, `kill: (${pid}) - No such process`);
        if (!this.ignoring.get(pid)?.includes(signal)) await fs.rm(path.join(this.root(), 'proc', String(pid)), { recursive: true });
        return done(0);
      }
      if (argv.join(' ').match(/^ip link set dev [A-Za-z0-9_.-]+ up$/)) {
        // Sets IFF_UP in the flags of that interface, whichever device has it.
        for (const dev of await fs.readdir(path.join(this.root(), 'sys/bus/pci/devices')).catch(() => [] as string[])) {
          const flags = path.join(this.root(), 'sys/bus/pci/devices', dev, 'net', argv[4]!, 'flags');
          const now = await fs.readFile(flags, 'utf8').catch(() => undefined);
          if (now !== undefined) await fs.writeFile(flags, `0x${(Number.parseInt(now, 16) | 1).toString(16)}\n`);
        }
        return done(0);
      }
      if (argv[0] === 'pkill' && argv[1] === '-f' && argv.length === 3) {
        // pkill -f PATTERN: every process whose command line (words joined by spaces) matches it.
        const pattern = new RegExp(argv[2]!);
        let killed = 0;
        for (const pid of await fs.readdir(path.join(this.root(), 'proc')).catch(() => [] as string[])) {
          const cmdline = await fs.readFile(path.join(this.root(), 'proc', pid, 'cmdline'), 'utf8').catch(() => '');
          if (!pattern.test(cmdline.replace(/\0$/, '').split('\0').join(' '))) continue;
          this.signals.push(`TERM ${pid}`);
          await fs.rm(path.join(this.root(), 'proc', pid), { recursive: true });
          killed++;
        }
        return done(killed ? 0 : 1);
      }
      if (argv[0] === 'find' && argv[1] === '/proc' && argv.includes('-lname')) {
        return { ...done(0), stdout: await this.holding(argv.flatMap((a, i) => (argv[i - 1] === '-lname' ? [a] : []))) };
      }
      throw new Error(`sim host: unexpected command ${JSON.stringify(argv)}`);
    };
  }
}
