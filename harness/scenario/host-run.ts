import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatValue } from '../measure/format-value.ts';
import { tcpGoodputBps } from '../measure/line-rate.ts';
import { parseBdf } from '../pci/bdf.ts';
import { readNicProvenance } from '../pci/nic-provenance.ts';
import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { SCHEMA_VERSION, type Check, type HostMeta, type Sample } from '../results/schema.ts';
import type { CaseContext, Case } from './case-context.ts';
import { CleanupStack } from './cleanup-stack.ts';
import { acquireHostLock, LockError, ownerAlive, type LockOwner } from './host-lock.ts';
import { withTrafficLock } from './traffic-peer.ts';
import type { PeerFacts } from '../measure/peer-check.ts';
import { PendingJournalError, checkNoJournal } from './pending-journal.ts';
import { restoreCommand } from '../prepare/restore-command.ts';
import { ownStartTime } from '../host/process-identity.ts';
import { LocalHost } from '../host/local-host.ts';
import type { RunOps, RunWriter } from './ops.ts';
import type { HostPlan, Plan } from './plan.ts';
import { estimateRemaining, SteadyEstimate, type Progress } from './progress.ts';
import type { Step } from './define-scenario.ts';
import { HostValidationError, validateHost } from './validate-host.ts';
import { describeStaged, stageGuestImage, type StagedFile } from '../guest/stage-image.ts';
import { guestFiles, type RunSettings } from '../config/scenario-config.ts';
import { Pace, raceAbort, within } from '../wait/index.ts';

/**
 * One lab host's share of a run: connect, lock, doctor, validate (read-only), then each case in
 * turn, each with its own cleanup stack unwound whatever happens; the host's own stack (lock,
 * connections) last. Everything that happens ends up in `verdict`, never thrown.
 */
export type HostStatus = 'passed' | 'failed' | 'aborted' | 'unfit' | 'busy' | 'invalid';
export type CaseStatus = 'passed' | 'failed' | 'aborted' | 'skipped';

export interface HostVerdict {
  host: string;
  status: HostStatus;
  cases: { id: string; status: CaseStatus; error?: string }[];
  errors: string[];
  cleanupFailures: string[];
}

export class AbortedError extends PassbenchError {}

export interface HostRunOptions {
  runId: string;
  plan: Plan;
  settings: RunSettings;
  ops: RunOps;
  progress: Progress;
  signal: AbortSignal;
  scenarioName: string;
  controller?: string;
  pid?: number;
  isAlive?: (pid: number, pidStart?: string) => boolean | Promise<boolean>;
  /** The lab config file the run was given (absolute): the printed restore commands name it. */
  labFile?: string;
  /** How long to wait for a host another passbench holds (default 0: busy at once). */
  lockWaitS?: number;
  /** After an abort, how long a running step may take to settle before cleanup starts. */
  graceMs?: number;
  /** Scales the steps' default deadlines (guest boot, SSH, measurement). Default: the accelerator's. */
  pace?: Pace;
  now?: () => Date;
}

/** What a step is expected to take in a case (Step.estimateS; 2 s when it gives none): what the ETA is made of. */
export function expectedStepS(s: Step, c: Case, settings: RunSettings): number {
  return s.estimateS?.(settings, c.guests.length) ?? 2;
}

export class HostRun {
  readonly verdict: HostVerdict;
  meta?: HostMeta;
  private host?: Host;
  private readonly stack = new CleanupStack();
  /** The guest image's files as copied or found on the host (run.guest.copyFrom); recorded in each case. */
  private guestImage: StagedFile[] = [];
  private readonly peers = new Map<string, Promise<{ host: Host; facts: PeerFacts }>>();
  /** This run as the owner of the host's lock (and of a traffic peer's lock while it measures). */
  private owner?: LockOwner;
  private done = 0;
  private readonly total: number;
  // For the estimate: expected seconds of all steps and of those finished, and when the last ended.
  private readonly expectedTotalS: number;
  private expectedDoneS = 0;
  private startedMs = 0;
  private elapsedAtLastStepMs = 0;
  private readonly eta = new SteadyEstimate();
  /** `passbench restore …` for this host, complete: what every remedy of this run prints. */
  readonly restoreCommand: string;

  constructor(readonly plan: HostPlan, private readonly o: HostRunOptions) {
    this.verdict = { host: plan.name, status: 'passed', cases: plan.cases.map((c) => ({ id: c.id, status: 'skipped' })), errors: [], cleanupFailures: [] };
    this.total = plan.cases.reduce((n, c) => n + c.stepIds.length, 0);
    this.restoreCommand = restoreCommand({ host: plan.name, labFile: o.labFile, journalPath: plan.config.journalPath });
    this.expectedTotalS = plan.cases.reduce((n, c) => n + this.stepsOf(c).reduce((m, s) => m + this.expectedS(s, c), 0), 0);
  }

  get ready(): boolean {
    return this.host !== undefined && this.verdict.errors.length === 0;
  }

  get stepsTotal(): number {
    return this.total;
  }

  /** Phase 1: nothing on the host changes here except the lock. */
  async prepare(): Promise<void> {
    const { ops, runId } = this.o;
    try {
      this.checkAbort();
      const host = await ops.connect(this.plan.config);
      this.host = host;
      this.stack.push(`close the connection to ${this.plan.name}`, () => host.close());
      this.checkAbort();
      const owner: LockOwner = {
        command: 'run', runId, scenario: this.o.scenarioName, pid: this.o.pid ?? process.pid,
        pidStart: this.o.pid === undefined ? await ownStartTime(new LocalHost()) : undefined,
        controller: this.o.controller ?? os.hostname(), startedAt: this.now().toISOString(),
      };
      this.owner = owner;
      const lock = await acquireHostLock(host, this.plan.name, this.plan.config.lockDir, owner,
        { isAlive: this.o.isAlive ?? ownerAlive, controller: this.o.controller, restoreCommand: this.restoreCommand, waitS: this.o.lockWaitS });
      this.stack.push(`release the lock ${lock.path}`, () => lock.release());
      // Printed before anything changes: if this process is killed (SIGKILL, a crash), this line is
      // what is left on the terminal to put the host back.
      this.o.progress.log(this.plan.name, `if this run dies, put the host back with: ${this.restoreCommand}`);
      await checkNoJournal(host, this.plan.name, this.plan.config.journalPath, this.restoreCommand);
      const doctor = await ops.doctor(host, this.plan.config);
      if (!doctor.fit) throw new UnfitError(`host ${this.plan.name} is not fit for passthrough (doctor):\n${doctor.text}`);
      await validateHost(host, this.plan, ops.probeActive);
      const guest = this.plan.config.guest;
      if (guest?.copyFrom) {
        this.guestImage = await stageGuestImage(host, this.plan.name, { files: guestFiles(guest), copyFrom: guest.copyFrom },
          { pace: this.o.pace ?? Pace.forAccel(this.o.settings.accel), log: (l) => this.o.progress.log(this.plan.name, l) });
      }
      this.meta = await ops.hostMeta(host, this.plan.config);
    } catch (error) {
      this.fail(statusOf(error), error);
    }
  }

  /** Phase 2: the cases, one after another. */
  async runCases(writer: RunWriter): Promise<void> {
    this.startedMs = this.now().getTime();
    for (const [i, c] of this.plan.cases.entries()) {
      if (this.o.signal.aborted) {
        this.verdict.cases[i]!.status = 'aborted';
        continue;
      }
      const result = await this.runCase(c, writer);
      this.verdict.cases[i] = { id: c.id, ...result };
      if (result.status !== 'passed' && this.verdict.status === 'passed') this.verdict.status = result.status === 'aborted' ? 'aborted' : 'failed';
    }
  }

  /** Phase 3: lock released, connections closed (also when phase 1 failed half-way). */
  async close(): Promise<void> {
    const failures = await this.stack.unwind((l) => this.o.progress.log(this.plan.name, l));
    this.recordCleanupFailures(failures.map((f) => `${f.label}: ${f.error}`));
  }

  private async runCase(c: Case, writer: RunWriter): Promise<{ status: CaseStatus; error?: string }> {
    const cleanup = new CleanupStack();
    let failedChecks = 0;
    if (this.guestImage.length) await writer.appendCheck(this.checkOf(c, { name: 'guest-image', status: 'pass', message: describeStaged(this.guestImage) }));
    const lineRateBps = await this.caseLink(c, writer);
    const ctx = this.context(c, writer, cleanup, () => { failedChecks += 1; }, lineRateBps);
    const steps = this.stepsOf(c);
    let outcome: { status: CaseStatus; error?: string } = { status: 'passed' };
    for (const [i, s] of steps.entries()) {
      if (this.o.signal.aborted) { outcome = { status: 'aborted', error: 'aborted (Ctrl-C or SIGTERM)' }; this.stepsEnded(c, steps.slice(i)); break; }
      this.update(c, s.title);
      try {
        await this.untilAbort(s.run(ctx));
      } catch (error) {
        const aborted = error instanceof AbortedError;
        const message = errorMessage(error);
        outcome = { status: aborted ? 'aborted' : 'failed', error: `${s.title}: ${message}` };
        this.o.progress.log(this.plan.name, `${c.id}: ${s.title} FAILED: ${message}`);
        await writer.appendCheck(this.checkOf(c, { name: `step.${s.id}`, status: 'fail', message: `${s.title}: ${message}`,
          details: (error as PassbenchError).remedy })).catch(() => undefined);
        this.stepsEnded(c, steps.slice(i));
        break;
      }
      this.stepsEnded(c, [s]);
    }
    if (outcome.status === 'passed' && failedChecks > 0) outcome = { status: 'failed', error: `${failedChecks} check(s) failed` };
    this.update(c, 'cleanup');
    const failures = await cleanup.unwind((l) => this.o.progress.log(this.plan.name, `${c.id}: ${l}`));
    this.recordCleanupFailures(failures.map((f) => `${c.id}: ${f.label}: ${f.error}`));
    if (ctx.restorePushed) await this.checkRestored(c, writer);
    if (failures.length && outcome.status === 'passed') outcome = { status: 'failed', error: `cleanup failed: ${failures.map((f) => f.label).join(', ')}` };
    return outcome;
  }

  private async checkRestored(c: Case, writer: RunWriter): Promise<void> {
    const left = await this.host!.exists(this.plan.config.journalPath).catch(() => true);
    await writer.appendCheck(this.checkOf(c, { name: 'host-restored', status: left ? 'fail' : 'pass',
      message: left ? `journal ${this.plan.config.journalPath} still holds steps: run \`${this.restoreCommand}\`` : 'drivers, overrides and VFs as before' }))
      .catch(() => undefined);
    if (left) this.recordCleanupFailures([`${c.id}: the journal still holds steps after restore; put the host back with \`${this.restoreCommand}\``]);
  }

  private context(c: Case, writer: RunWriter, cleanup: CleanupStack, onFail: () => void, lineRateBps: number | undefined): CaseContext {
    const host = this.host!;
    return {
      runId: this.o.runId, case: c, host, config: this.plan.config, settings: this.o.settings, ops: this.o.ops,
      cleanup, signal: this.o.signal, pace: this.o.pace ?? Pace.forAccel(this.o.settings.accel),
      log: (line) => this.o.progress.log(this.plan.name, `${c.id}: ${line}`),
      onGuest: (guest) => this.update(c, 'guest', guest),
      check: async (partial) => {
        if (partial.status === 'fail') onFail();
        await writer.appendCheck(this.checkOf(c, partial));
      },
      sample: (s: Sample) => writer.appendSample(s),
      artifact: (name, content) => this.saveArtifact(writer, `${this.plan.name}-${name}`, content),
      withPeer: (work) => this.withPeer(c, writer, work),
      ...(lineRateBps === undefined ? {} : { lineRateBps }),
      vfs: [], guests: new Map(), guestHosts: new Map(), proofs: new Map(), restorePushed: false,
      restoreCommand: this.restoreCommand,
    };
  }

  /**
   * The case's device as the host has it before the case binds anything (a VF case: its PF):
   * recorded as a check, and its link's TCP goodput for the measurements' line rate. Reading it
   * can fail (a device gone, an odd sysfs): that is logged and the case goes on without a line rate.
   */
  private async caseLink(c: Case, writer: RunWriter): Promise<number | undefined> {
    const bdf = c.device.mode === 'nic' ? c.device.bdf : c.device.mode === 'vf' ? c.device.pf : undefined;
    if (bdf === undefined) return undefined;
    try {
      const nic = await readNicProvenance(this.host!, parseBdf(bdf));
      const rate = nic.linkSpeedMbps === undefined ? undefined : tcpGoodputBps(nic.linkSpeedMbps * 1e6, nic.mtu ?? 1500);
      await writer.appendCheck(this.checkOf(c, { name: 'host-link', status: 'pass',
        message: `${bdf} ${nic.iface ?? '(no interface)'} on ${nic.driver} ${nic.driverVersion}, firmware ${nic.firmware}: `
          + (rate === undefined ? 'link speed unknown (link down?): no line rate' : `${nic.linkSpeedMbps} Mbit/s, MTU ${nic.mtu ?? '1500 (assumed)'}: TCP line rate ${formatValue(rate, 'bit/s')}`) }));
      return rate;
    } catch (error) {
      this.o.progress.log(this.plan.name, `${c.id}: warning: could not read ${bdf}'s link (${errorMessage(error)}): no line rate`);
      return undefined;
    }
  }

  private async saveArtifact(writer: RunWriter, name: string, content: string): Promise<string> {
    const file = writer.artifactPath(name);
    try {
      await fs.writeFile(file, content);
    } catch (error) {
      this.o.progress.log(this.plan.name, `warning: could not keep ${file}: ${errorMessage(error)}`);
    }
    return path.relative(writer.dir, file);
  }

  private stepsOf(c: Case): Step[] {
    return this.o.plan.scenario.steps.filter((s) => c.stepIds.includes(s.id));
  }

  private expectedS(s: Step, c: Case): number {
    return expectedStepS(s, c, this.o.settings);
  }

  private stepsEnded(c: Case, steps: Step[]): void {
    this.done += steps.length;
    this.expectedDoneS += steps.reduce((n, s) => n + this.expectedS(s, c), 0);
    this.elapsedAtLastStepMs = this.now().getTime() - this.startedMs;
  }

  private update(c: Case, step: string, guest?: string): void {
    const measuredMs = estimateRemaining(this.elapsedAtLastStepMs, this.expectedDoneS, this.expectedTotalS - this.expectedDoneS);
    const etaMs = this.eta.next(measuredMs, this.now().getTime());
    this.o.progress.update({ host: this.plan.name, caseId: c.id, step, guest, done: this.done, total: this.total, etaMs });
  }

  /** Opens the peer (its own connection unless it is this host) and checks it, once per run. */
  private peer(): Promise<{ host: Host; facts: PeerFacts }> {
    const peer = this.plan.config.peer!;
    let opened = this.peers.get(peer.host);
    if (!opened) {
      const own = peer.host === this.plan.name;
      const config = this.o.plan.hosts.find((h) => h.name === peer.host)?.config ?? this.o.plan.peers[peer.host];
      opened = (async () => {
        if (!own && !config) throw new PassbenchError(`peer host ${peer.host} is not in the lab config`, { remedy: `Add ${peer.host} under hosts: (role: peer for a traffic peer).` });
        const host = own ? this.host! : await this.o.ops.connect(config!);
        if (!own) this.stack.push(`close the connection to peer ${peer.host}`, () => host.close());
        return { host, facts: await this.o.ops.checkPeer(host, peer.host, peer.address) };
      })();
      this.peers.set(peer.host, opened);
    }
    return opened;
  }

  /** CaseContext.withPeer: the case's `peer` check, then `work`; a traffic peer's lock held around it. */
  private async withPeer<T>(c: Case, writer: RunWriter, work: (peer: Host) => Promise<T>): Promise<T> {
    const peer = this.plan.config.peer!;
    const { host, facts } = await this.peer();
    const separate = this.o.plan.peers[peer.host];
    const kind = separate ? 'a traffic peer (its traffic lock is held while the case measures)' : peer.host === this.plan.name ? 'a port of this host' : 'another host of this run';
    await writer.appendCheck(this.checkOf(c, { name: 'peer', status: 'pass', message: `${peer.address} on ${peer.host} ${facts.iface}, ${kind}; ${facts.iperf3}` }));
    if (!separate) return work(host);
    const measure = this.stepsOf(c).find((s) => s.id === 'measure');
    // Another run's measurement against this peer may take as long as this one's: wait up to three.
    const waitS = Math.max(600, 3 * (measure ? this.expectedS(measure, c) : 0));
    return withTrafficLock(host, separate, this.owner!, { waitS, isAlive: this.o.isAlive ?? ownerAlive, controller: this.o.controller,
      log: (line) => this.o.progress.log(this.plan.name, `${c.id}: ${line}`) }, () => work(host));
  }

  private checkOf(c: Case, partial: Omit<Check, 'schema' | 'runId' | 'host' | 'at'>): Check {
    return { schema: SCHEMA_VERSION, runId: this.o.runId, host: this.plan.name, mode: partial.mode ?? c.guests[0]?.mode, ...partial, at: this.now().toISOString() };
  }

  /** A step's promise, or AbortedError once the run is aborted (after a grace period for the step). */
  private async untilAbort<T>(work: Promise<T>): Promise<T> {
    if (this.o.signal.aborted) throw new AbortedError('aborted');
    try {
      return await raceAbort(work, this.o.signal, () => new AbortedError('aborted (Ctrl-C or SIGTERM)'));
    } catch (error) {
      // Let the step finish or roll back its own change before the cleanup runs beside it.
      if (error instanceof AbortedError) await within(work.catch(() => undefined), this.o.graceMs ?? 30_000);
      throw error;
    }
  }

  private checkAbort(): void {
    if (this.o.signal.aborted) throw new AbortedError('aborted before the host was prepared');
  }

  private fail(status: HostStatus, error: unknown): void {
    this.verdict.status = status;
    const remedy = (error as PassbenchError).remedy;
    this.verdict.errors.push(`${errorMessage(error)}${remedy ? `\n  what to do: ${remedy}` : ''}`);
    this.o.progress.log(this.plan.name, `${status}: ${errorMessage(error)}`);
  }

  private recordCleanupFailures(failures: string[]): void {
    if (failures.length === 0) return;
    this.verdict.cleanupFailures.push(...failures);
    if (this.verdict.status === 'passed') this.verdict.status = 'failed';
  }

  private now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }
}

/** doctor said no: exit 3. */
export class UnfitError extends PassbenchError {}

function statusOf(error: unknown): HostStatus {
  if (error instanceof AbortedError) return 'aborted';
  if (error instanceof LockError) return 'busy';
  if (error instanceof HostValidationError) return 'invalid';
  if (error instanceof UnfitError || error instanceof PendingJournalError) return 'unfit';
  // Unreachable or refusing host, device not found: the environment, not the config.
  if ((error as { name?: string }).name === 'UsageError') return 'invalid';
  return 'unfit';
}
