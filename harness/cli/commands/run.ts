import path from 'node:path';
import { restoreCommand } from '../../prepare/restore-command.ts';
import { parseWait } from '../host-state.ts';
import type { Command } from 'commander';
import { configHash } from '../../config/config-hash.ts';
import { harnessVersion } from '../harness-version.ts';
import { loadScenarioConfig, parseHistoryLocation } from '../../config/scenario-config.ts';
import { isPostgresLocation } from '../../results/history.ts';
import { sqliteFileProblem } from '../../results/history/sqlite-db.ts';
import { UsageError } from '../../errors.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import type { RunOps } from '../../scenario/ops.ts';
import { expandPlan, formatPlan } from '../../scenario/plan.ts';
import { chooseProgress, type Progress } from '../../scenario/progress.ts';
import { realOps } from '../../scenario/real-ops.ts';
import { labIsEmulated, runPace } from '../../lab/lab-pace.ts';
import type { Pace } from '../../wait/index.ts';
import { formatOutcome, runPlan } from '../../scenario/runner.ts';
import { exitCodeOfRun } from '../exit-code-of.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printLine } from '../output.ts';

export interface RunOptions {
  lab?: string;
  config?: string;
  host?: string[];
  dryRun?: boolean;
  history?: string;
  json?: boolean;
  wait?: string;
}

/** What tests replace: the ops, the progress display, where signals come from. */
export interface RunDeps {
  ops?: (accel: 'kvm' | 'tcg', pace: Pace, emulated: boolean) => RunOps;
  progress?: Progress;
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  print?: (text: string) => void;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a scenario on lab hosts: prepare, boot guests, prove, measure, restore, report')
    .argument('<scenario>', 'a name from scenarios/ (smoke, passthrough, sriov, e1000-baseline, nightly) or a .ts file')
    .option('--lab <file>', 'lab config: the hosts, how to reach them, and (optionally) what to test on each')
    .option('--config <file>', 'what to test (devices, peer, guest image, tests, repetitions…), laid over --lab')
    .option('--host <name>', 'run on this host of the lab config; repeat for several (default: every host)', collect)
    .option('--history <location>', 'history database: a .sqlite file or postgres://user@host/db (default: run.history)')
    .option('--dry-run', 'print the plan (cases, guests, steps) and stop: no host is contacted')
    .option('--json', 'print the outcome as JSON')
    .option('--wait <seconds>', 'if another passbench holds a host, wait this long for it (default: that host is busy, exit 3)')
    .addHelpText('after', `
Examples:
  passbench run smoke --lab lab.yaml --dry-run            what would run, on every host; touches nothing
  passbench run nightly --lab lab.yaml                    the whole matrix on every host, concurrently
  passbench run sriov --lab lab.yaml --host lab1          only on lab1
  passbench run scenarios/my-check.ts --lab lab.yaml --config my-selection.yaml
  passbench run nightly --lab "$(passbench lab up)" --config scenarios/virtual-lab.yaml   in the virtual lab

What runs comes from the config (see harness/config/scenario-config.ts): per host, devices:
  - { mode: nic, bdf: "0000:03:00.0", model: "82599" }         the whole NIC in one guest
  - { mode: vf, pf: "0000:03:00.1", count: 4, model: "82599" } 4 VFs, one guest each, all at once
  - { mode: e1000, bridge: br-test, address: 10.0.3.41/24 }   the emulated baseline, on the test wire
    ({ mode: e1000, network: user }: on QEMU user-net instead, NAT through the host, off the wire)
and peer: { host: gen1, address: 10.0.3.11 } (a traffic peer: role: peer in the lab config), and
under run: the guest image, tests, repetitions, durations, history and baseline.

Each host is locked while a run uses it (run.lock in the host's journalDir, default /var/lib/passbench);
every change (drivers, VFs, guests' QEMU, guest keys) is journalled and undone at the end, also on
failure, Ctrl-C or SIGTERM. After a crash or kill -9, the command printed at the start
("if this run dies, put the host back with: passbench restore --host NAME --lab FILE …") replays
the journal. Samples are stored as they are measured.

Exit codes: 0 passed; 1 a check failed, a host was not restored, or a regression; 2 bad arguments
or config (nothing was changed); 3 a host is not fit (doctor), busy, or unreachable.`)
    .action(async (scenario: string, options: RunOptions) => {
      process.exitCode = await runScenarioCommand(scenario, options);
      // Guests are stopped and hosts restored by now; a wait a lower layer could not cancel (a boot
      // abandoned on Ctrl-C polls until its own deadline) must not keep the process alive.
      setTimeout(() => process.exit(), 2_000).unref();
    });
}

/** Where the run's results go is checked with the rest: a history that cannot be written fails now, not at the end. */
function checkHistoryWritable(location: string, what: string): void {
  if (isPostgresLocation(location)) return;
  const problem = sqliteFileProblem(location);
  if (problem) {
    throw new UsageError(`${what} ${JSON.stringify(location)} cannot hold the history: ${problem}`, {
      remedy: 'Give a .sqlite file in a folder this user can write to (default reports/history.sqlite), or a postgres:// URL.',
    });
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function runScenarioCommand(scenarioArg: string, options: RunOptions, deps: RunDeps = {}): Promise<number> {
  const print = deps.print ?? printLine;
  // Everything is checked before any host is contacted: bad input changes nothing.
  const history = options.history === undefined ? undefined : parseHistoryLocation(options.history);
  const lockWaitS = parseWait(options.wait);
  const { scenario, file, hash } = await loadScenario(scenarioArg);
  const config = await loadScenarioConfig({ lab: options.lab, config: options.config });
  const settings = history ? { ...config.run, history } : config.run;
  checkHistoryWritable(settings.history, history ? '--history' : `run.history in ${config.source}`);
  const plan = expandPlan(scenario, config, options.host ?? []);
  if (options.dryRun) {
    if (options.json) printJson(plan.hosts.map((h) => ({ host: h.name, cases: h.cases })));
    else print(formatPlan(plan));
    return ExitCode.ok;
  }

  // Complete restore commands (lab config, journal) for each host: what is printed if cleanup is cut short.
  const labFile = path.resolve(config.lab.source);
  const restores = plan.hosts.map((h) => restoreCommand({ host: h.name, labFile, journalPath: h.config.journalPath }));
  const abort = new AbortController();
  const signals = deps.signals ?? process;
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled += 1;
    process.stderr.write(signalled === 1
      ? `\npassbench: ${signal}: stopping; guests are stopped and hosts restored before exit (Ctrl-C again does not skip that)\n`
      : `\npassbench: still cleaning up; if you must kill it, put the hosts back afterwards with:\n${restores.map((r) => `  ${r}\n`).join('')}`);
    abort.abort();
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  try {
    // Deadlines scale with how slowly this machine goes (the virtual lab's own boot, if that is the lab).
    const pace = await runPace(options.lab, settings.accel);
    const emulated = settings.accel === 'tcg' || await labIsEmulated(options.lab);
    const outcome = await runPlan({
      plan, settings, pace, labFile, lockWaitS, ops: (deps.ops ?? ((accel, p, e) => realOps({ accel, pace: p, emulated: e })))(settings.accel, pace, emulated),
      scenarioFile: file, scenarioHash: configHash(hash, config), harnessVersion: await harnessVersion(),
      progress: deps.progress ?? chooseProgress(), signal: abort.signal,
    });
    const { conclusion, ...shown } = outcome;
    const exitCode = exitCodeOfRun(conclusion);
    if (options.json) printJson({ ...shown, exitCode });
    else print(formatOutcome(outcome));
    return exitCode;
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
}
