import type { Host, HostProcess } from '../host/host.ts';
import { PassbenchError, errorMessage } from '../errors.ts';
import { guestQemuArgs, type GuestSpec } from './qemu-args.ts';
import { queryPci, quit, type GuestPciDevice } from './qmp-queries.ts';
import { QmpClient } from './qmp.ts';
import { connectQmpOnHost } from './qmp-on-host.ts';
import { explainQemuFailure, lastLines } from './qemu-failure.ts';
import { WaitTimeoutError, asDeadline, waitUntil, within, type DeadlineLike } from '../wait/index.ts';
import type { Journal } from '../prepare/journal.ts';
import { recordQemu, type QemuRecord } from './qemu-journal.ts';

/**
 * QEMU on any Host (this machine, or a lab host over SSH). QEMU runs in the foreground of a
 * host.spawn (its stdout/stderr are kept for error messages); QMP proves the assigned devices are
 * in the guest (query-pci) and stops it. After any failure no QEMU is left running.
 */
export interface RunningGuest {
  name: string;
  /** PID of QEMU on its host. */
  pid: number;
  /** Path of the serial console log on the QEMU host. */
  serialLog: string;
  qmp: QmpClient;
  /** The accelerator QEMU really runs with (from QMP query-kvm), not only the one asked for. */
  accel: 'kvm' | 'tcg';
  argv: readonly string[];
  /** ms from spawn to QMP answering. */
  startedMs: number;
  queryPci(): Promise<GuestPciDevice[]>;
  consoleTail(lines?: number): Promise<string>;
  /** system_powerdown → quit → kill, each with a deadline; idempotent; never leaves QEMU running. */
  stop(o?: StopOptions): Promise<void>;
  /** Settles once QEMU has ended, by stop() or anything else: its exit code or signal, and what it printed last. */
  exited: Promise<QemuExit>;
}

export interface QemuExit {
  code: number | null;
  /** The signal that ended it (SIGKILL from the OOM killer, a person …); null when it exited by itself. */
  signal: string | null;
  output: string;
}

/** "was killed by SIGKILL (it printed: …)": how a QEMU ended, for a message that names it. */
export function describeQemuExit(e: QemuExit): string {
  const how = e.signal ? `was killed by ${e.signal}`
    : e.code === null ? 'ended with no exit status (the connection to its host was lost?)'
      : `exited with code ${e.code}`;
  const said = e.output.trim().split('\n').slice(-3).join(' | ');
  return said ? `${how} (it printed: ${said})` : how;
}

export interface StopOptions {
  /** How long the guest gets to power off after the ACPI button. Default 5 s (busybox guests ignore it); 0: no button, quit at once. */
  powerdownMs?: number;
  /** How long `quit` gets. Default 10 s. */
  quitMs?: number;
}

export interface LaunchOptions {
  /** Until QEMU's pid file and QMP answer (each). Default 120 s; a Deadline from Pace.scaled says how it was chosen. */
  deadlineMs?: DeadlineLike;
  /** Progress lines, without the guest's name: the caller's log names it. */
  log?: (line: string) => void;
  /**
   * The host's journal: QEMU is recorded there before it starts (pid and start time once known)
   * and forgotten once it exited, so `passbench restore` stops it if this process dies.
   */
  journal?: Journal;
}

/** QEMU failed to start, or exited, or its assigned device is missing; carries what QEMU printed. */
export class GuestLaunchError extends PassbenchError {}

const OUTPUT_LINES = 200;
/** SIGKILL cannot be refused; this only bounds the wait for its exit to be reported (over SSH). */
const KILL_GRACE_MS = 15_000;

export async function launchGuest(host: Host, spec: GuestSpec, o: LaunchOptions = {}): Promise<RunningGuest> {
  const log = o.log ?? (() => {});
  const deadline = asDeadline(o.deadlineMs ?? 120_000);
  const argv = guestQemuArgs(spec);
  const output: string[] = [];
  const t0 = Date.now();
  await host.remove(spec.serialLog);
  log(`starting QEMU on ${host.name} (${spec.accel})`);
  const record = await recordQemu(o.journal, host, spec, argv);
  const proc = await host.spawn(argv, {
    onLine: (line) => {
      output.push(line);
      if (output.length > OUTPUT_LINES) output.shift();
      log(`qemu: ${line}`);
    },
  }).catch(async (error: unknown) => {
    await record.ended(); // it never ran: nothing for restore to stop
    throw error;
  });
  let gone = false;
  const exited = proc.exited.then((e) => {
    gone = true;
    return { code: e.exitCode, signal: e.signal, output: output.join('\n') };
  });
  const pid = await readPid(host, proc, spec, deadline, log);
  await record.started(pid);

  let qmp: QmpClient | undefined;
  try {
    qmp = await Promise.race([
      connectQmpOnHost(host, spec, deadline, () => gone),
      exited.then((e) => { throw new Error(`QEMU exited with code ${e.code} before QMP answered`); }),
    ]);
    const kvm = await qmp.execute<{ enabled?: boolean }>('query-kvm');
    const accel = kvm?.enabled ? 'kvm' : 'tcg';
    if (accel !== spec.accel) throw new Error(`asked for ${spec.accel}, QEMU runs ${accel}`);
    const pci = await queryPci(qmp);
    (spec.vfio ?? []).forEach((d, i) => {
      if (!pci.some((p) => p.qdevId === `hostdev${i}`)) {
        throw new Error(`query-pci does not show hostdev${i} (host ${d.host}); the guest has: `
          + pci.map((p) => `${p.address} ${p.vendorId}:${p.deviceId}${p.qdevId ? ` (${p.qdevId})` : ''}`).join(', '));
      }
    });
    const startedMs = Date.now() - t0;
    log(`QMP up after ${(startedMs / 1000).toFixed(1)} s, accel ${accel}, pid ${pid}`);
    return makeRunningGuest(host, spec, { proc, pid, qmp, accel, argv, startedMs, exited, isGone: () => gone, record, log });
  } catch (error) {
    qmp?.close();
    // A QEMU that does not die even of SIGKILL is stuck in the host's kernel: say so beside why it
    // was killed (that message alone hid the cause), and leave it journalled for restore to stop.
    const stuck = await killAndWait(proc, exited).then(() => undefined, (e: unknown) => errorMessage(e));
    if (stuck === undefined) await record.ended();
    const printed = output.join('\n');
    const why = await explainQemuFailure(host, printed).catch(() => undefined);
    throw new GuestLaunchError(
      `guest ${spec.name} on ${host.name} did not start: ${errorMessage(error)}`
        + (stuck ? `\nand then ${stuck}: it is stuck in ${host.name}'s kernel (is the host hung? its console or dmesg says)` : '')
        + (why ? `\n${why}` : '')
        + `\nQEMU printed:\n${lastLines(printed, 20) || '(nothing)'}`
        + `\nserial console (${spec.serialLog}):\n${await tail(host, spec.serialLog, 15)}`,
      { cause: error, remedy: why ? 'Bind every member of the group to vfio-pci.' : 'Read QEMU\'s output above; the argv is in the error\'s cause chain.' },
    );
  }
}

interface Parts {
  proc: HostProcess;
  pid: number;
  qmp: QmpClient;
  accel: 'kvm' | 'tcg';
  argv: readonly string[];
  startedMs: number;
  exited: Promise<QemuExit>;
  isGone: () => boolean;
  record: QemuRecord;
  log: (line: string) => void;
}

function makeRunningGuest(host: Host, spec: GuestSpec, p: Parts): RunningGuest {
  let stopping: Promise<void> | undefined;
  return {
    name: spec.name, pid: p.pid, serialLog: spec.serialLog, qmp: p.qmp, accel: p.accel, argv: p.argv, startedMs: p.startedMs,
    exited: p.exited,
    queryPci: () => queryPci(p.qmp),
    consoleTail: (lines = 20) => tail(host, spec.serialLog, lines),
    stop: (o = {}) => (stopping ??= stopGuest(p, o)),
  };
}

/** Each step bounded; every failure of a gentle step falls through to the next, harder one. Logs where the time went. */
async function stopGuest(p: Parts, o: StopOptions): Promise<void> {
  const steps: string[] = [];
  const t0 = Date.now();
  const took = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  if (o.powerdownMs !== 0 && !p.isGone() && !p.qmp.isClosed) {
    const t = Date.now();
    try {
      const since = p.qmp.events.length;
      await p.qmp.execute('system_powerdown', undefined, 5_000);
      await p.qmp.waitForEvent('SHUTDOWN', o.powerdownMs ?? 5_000, since);
      steps.push(`powered down in ${took(t)}`);
    } catch (error) {
      steps.push(`powerdown: ${errorMessage(error)} (${took(t)})`);
    }
  }
  if (!p.isGone() && !p.qmp.isClosed) {
    const t = Date.now();
    await quit(p.qmp, o.quitMs ?? 10_000).then(() => steps.push(`quit in ${took(t)}`), (e: unknown) => steps.push(`quit: ${errorMessage(e)} (${took(t)})`));
  }
  p.qmp.close();
  const t = Date.now();
  const exitedInTime = await within(p.exited, o.quitMs ?? 10_000);
  if (exitedInTime === undefined) {
    steps.push(`no exit in ${took(t)}: SIGKILL`);
    await killAndWait(p.proc, p.exited);
  } else {
    steps.push(`exited ${took(t)} later`);
  }
  p.log(`stopped in ${took(t0)}: ${steps.join('; ')}`);
  // Gone: nothing for restore to stop. (Had it survived, killAndWait threw and it stays journalled.)
  await p.record.ended();
}

async function killAndWait(proc: HostProcess, exited: Promise<unknown>): Promise<void> {
  await proc.kill('SIGKILL').catch(() => {});
  const done = await within(exited.then(() => true), KILL_GRACE_MS);
  if (!done) throw new PassbenchError(`QEMU (${proc.argv.slice(0, 3).join(' ')}…) did not exit ${KILL_GRACE_MS / 1000} s after SIGKILL`);
}

/**
 * QEMU's pid on its host, from its pid file; -1 when it exits first (the QMP step then says why)
 * or when the file never shows a pid: the guest runs all the same, only `pid` is unknown.
 */
async function readPid(host: Host, proc: HostProcess, spec: GuestSpec, deadline: DeadlineLike, log: (line: string) => void): Promise<number> {
  const pidFile = spec.pidFile;
  if (pidFile === undefined) return -1;
  let ended = false;
  void proc.exited.then(() => (ended = true));
  try {
    return await waitUntil(`QEMU's pid in ${pidFile} on ${host.name}`, async () => {
      const text = (await host.run(['cat', pidFile], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined))?.stdout ?? '';
      if (/^\d+\s*$/.test(text)) return Number(text.trim());
      return ended ? -1 : undefined;
    }, { deadline, intervalMs: 200 });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    log(`warning: ${error.message}; going on without its pid`);
    return -1;
  }
}

/** The last lines of a file on the host (a command, not SFTP: see guest-keys.ts). */
async function tail(host: Host, file: string, lines: number): Promise<string> {
  const r = await host.run(['tail', '-n', String(lines), file], { allowFailure: true, timeoutMs: 15_000 })
    .catch((e: unknown) => ({ exitCode: 1, stdout: '', stderr: errorMessage(e) }));
  return r.exitCode === 0 ? r.stdout.trimEnd() : `(cannot read ${file}: ${r.stderr.trim()})`;
}
