import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import YAML from 'yaml';
import { guestImageDir, labSshArgv } from '../../harness/lab/lab-up.ts';
import { shellQuote } from '../../harness/host/shell-quote.ts';
import { labShell, sharedLab, sharedLabName, trafficShell } from '../support/shared-lab.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * `passbench run` against the shared virtual lab as a child process, for the fault tests: a
 * selection config with one VF guest and TCP only, its output collected while it runs, and what
 * the fault tests read afterwards (the run's samples, the lab's processes, the lab's PCI state).
 */


/** The lab's first igb PF, whose VFs the fault runs use. */
export const VF_PF = '0000:00:01.0';
/** The lab host's second igb PF (the nightly's whole NIC). */
export const NIC = '0000:00:04.0';

export interface FaultRunOptions {
  scenario: string;
  /** Overrides of run: (durations, repetitions, guest.append…). */
  durations?: { measureS?: number; bootS?: number; sshS?: number };
  repetitions?: { min: number; max: number; targetCi: number };
  count?: number;
  append?: string[];
  /** The VF guests measure each other in pairs (the device's pairs: true), not the peer. */
  pairs?: boolean;
  /** port (default): a port of the lab host itself (10.0.3.10); traffic: the lab's traffic host, as the lab config names it. */
  peer?: 'port' | 'traffic';
  /**
   * A folder of the lab host the guest image is copied to by the run itself (run.guest.copyFrom: the
   * controller's image cache) instead of the lab's /images share.
   */
  copyTo?: string;
  /** Instead of VFs: the lab's second igb PF whole, back to back with the first (both on the test hub). */
  nicPair?: boolean;
}

export interface FaultRun {
  dir: string;
  child: ResultPromise<{ reject: false; all: true; buffer: true }>;
  /** stdout + stderr so far. */
  output(): string;
  /** Every sample line of the run's samples.jsonl (none before the run directory exists). */
  samples(): Promise<Array<Record<string, unknown>>>;
  /** Every check line of its checks.jsonl, likewise. */
  checks(): Promise<Array<Record<string, unknown>>>;
}

/** The run started last: a failed test's reset ends it first, so it cannot clean up beside the next run. */
let latest: FaultRun | undefined;

export async function startFaultRun(o: FaultRunOptions): Promise<FaultRun> {
  const lab = await sharedLab();
  const images = lab.state.guestImages;
  if (!images) throw new Error('the shared lab has no guest images (state.json guestImages)');
  const dir = await tempDir('passbench-fault-');
  const at = (file: string) => (o.copyTo ? path.posix.join(o.copyTo, path.basename(file)) : file);
  const kernel = at(images.vmlinux ?? images.kernel);
  const selection = {
    run: {
      // accel: the lab config's (KVM inside the lab host where it works), as in the nightly.
      devices: [o.nicPair ? { mode: 'nic', bdf: NIC, model: 'igb', pair: { bdf: VF_PF } }
        : { mode: 'vf', pf: VF_PF, count: o.count ?? 1, model: 'igb', ...(o.pairs ? { pairs: true } : {}) }],
      ...((o.peer ?? 'port') === 'port' && !o.nicPair ? { peer: { address: '10.0.3.10' } } : {}),
      guest: { kernel, initrd: at(images.initrd), memoryMiB: 256, ...(o.append ? { append: o.append } : {}), ...(o.copyTo ? { copyFrom: guestImageDir() } : {}) },
      tests: ['tcp'],
      repetitions: o.repetitions ?? { min: 30, max: 30, targetCi: 0.5 },
      // Boot and SSH deadlines follow the lab's pace, as in a real run: a guest that hangs fails the
      // run with its own message (the console's last lines) long before a test gives up.
      durations: { measureS: 2, ...o.durations },
      iperf3: { omit: 0 }, // as the virtual-lab selection (scenarios/virtual-lab.yaml)
      history: path.join(dir, 'history.sqlite'),
      resultsDir: path.join(dir, 'runs'),
      gate: [], // no metric fails the run: these runs test faults, not figures
    },
  };
  const config = path.join(dir, 'selection.yaml');
  await fs.writeFile(config, YAML.stringify(selection));
  let text = '';
  const child = execa('./bin/passbench.js', ['run', o.scenario, '--lab', lab.paths.config, '--config', config, '--host', sharedLabName],
    { reject: false, all: true, buffer: true });
  child.all?.on('data', (d: Buffer) => {
    text += d.toString();
    if (process.env.PASSBENCH_FAULTS_VERBOSE) process.stderr.write(d);
  });
  return latest = {
    dir, child, output: () => text,
    samples: () => jsonLines(dir, 'samples.jsonl'),
    checks: () => jsonLines(dir, 'checks.jsonl'),
  };
}

async function jsonLines(dir: string, file: string): Promise<Array<Record<string, unknown>>> {
  const runs = await fs.readdir(path.join(dir, 'runs')).catch(() => [] as string[]);
  if (runs.length === 0) return [];
  const body = await fs.readFile(path.join(dir, 'runs', runs[0]!, file), 'utf8').catch(() => '');
  return body.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * After a failed fault test: the lab back to how lab up left it, so the next test starts clean
 * (nested QEMU/iperf3 killed, VFs of the PF unbound and removed, journals gone).
 */
export async function resetLab(journals: string[]): Promise<void> {
  if (latest && latest.child.exitCode === null && latest.child.signalCode === null) {
    latest.child.kill('SIGKILL');
    await latest.child.catch(() => undefined);
  }
  await labShell(`for p in /proc/[0-9]*; do case "$(cat $p/comm 2>/dev/null)" in qemu*|iperf3) kill -KILL \${p#/proc/};; esac; done; sleep 1
    for pf in /sys/bus/pci/devices/*; do [ -e $pf/sriov_numvfs ] || continue
      for v in $pf/virtfn*; do [ -e $v ] || continue; d=$(readlink -f $v); [ -e $d/driver ] && basename $d > $d/driver/unbind; echo > $d/driver_override; done
      echo 0 > $pf/sriov_numvfs; done
    rm -f ${journals.join(' ')} /var/lib/passbench/journal.json; rm -rf /var/lib/passbench/run.lock; true`);
  await trafficShell('pkill iperf3; rm -rf /var/lib/passbench/traffic.lock; true');
}

/**
 * Inside the run's guest (SSH through the lab host with the client key the runner made for it, in
 * the run's key folder under the host's name):
 * SIGKILL every dropbear child serving a connection other than this one, i.e. the runner's session.
 * Returns what was killed ("killed PID" lines). The guest's host key is not checked: a test's own
 * look into a guest it just watched the runner boot.
 */
export async function dropGuestSessions(run: FaultRun, guest: string, address: string): Promise<string> {
  const { paths, state } = await sharedLab();
  const keyDirs = await keyFolders(run);
  if (keyDirs.length !== 1) throw new Error(`expected one key folder of the run in ${os.tmpdir()}, found ${keyDirs.length}`);
  const proxy = labSshArgv(paths, state.port, []).filter((a) => a !== '--');
  proxy.splice(proxy.length - 1, 0, '-W', `${address}:22`);
  const script = `me=" "; p=$$; while [ "$p" -gt 1 ]; do me="$me$p "; set -- $(cat /proc/$p/stat); p=$4; done
    for d in /proc/[0-9]*; do pid=\${d#/proc/}; [ "$(cat $d/comm 2>/dev/null)" = dropbear ] || continue
      set -- $(cat $d/stat); [ "$(cat /proc/$4/comm 2>/dev/null)" = dropbear ] || continue
      case "$me" in *" $pid "*) continue;; esac; kill -KILL $pid && echo killed $pid; done; true`;
  const ssh = () => execa('ssh', ['-q', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-i', path.join(os.tmpdir(), keyDirs[0]!, sharedLabName, `${guest}-client`), '-o', `ProxyCommand=${proxy.map(shellQuote).join(' ')}`,
    `root@${address}`, '--', 'sh', '-c', shellQuote(script)], { reject: false, timeout: 180_000 });
  // Again while ssh itself failed to get in (exit 255, nothing printed: a loaded machine's nested
  // guest missed the connect timeout; CI saw it once): the script had not run.
  for (let attempt = 1; ; attempt++) {
    const r = await ssh();
    if (r.exitCode === 0) return r.stdout;
    if (attempt >= 4 || r.exitCode !== 255 || r.stdout.trim()) throw new Error(`ssh into guest ${guest} failed (exit ${r.exitCode}, attempt ${attempt}): ${r.stderr}`);
  }
}

/** The run's guest-key folders in the temp folder (private keys: none may outlive the run's guests). */
export async function keyFolders(run: FaultRun): Promise<string[]> {
  const runIds = await fs.readdir(path.join(run.dir, 'runs')).catch(() => [] as string[]);
  return (await fs.readdir(os.tmpdir())).filter((d) => runIds.some((id) => d.startsWith(`passbench-guests-${id}-`)));
}

/**
 * Waits (boot included: minutes under nested TCG) until the run has stored a sample; returns them.
 * The run's own boot and SSH deadlines end a stuck boot first; if the run neither samples nor ends
 * within `ms`, the error carries its output, to say where it stood.
 */
export async function firstSamples(run: FaultRun, ms = 2_400_000): Promise<Array<Record<string, unknown>>> {
  try {
    return await waitFor('a first sample', ms, async () => {
      if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`the run ended before measuring:\n${run.output()}`);
      const s = await run.samples();
      return s.length > 0 ? s : undefined;
    }, 3_000);
  } catch (e) {
    if (e instanceof GaveUpWaiting) throw new Error(`${e.message}; the run so far:\n${run.output()}`, { cause: e });
    throw e;
  }
}

/** waitFor's timeout (a probe's own errors pass through as they are). */
export class GaveUpWaiting extends Error {}

/** Polls `probe` until it returns something truthy, or fails naming `what` after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>, everyMs = 2_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new GaveUpWaiting(`gave up waiting for ${what} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Nested QEMU and iperf3 processes still running in the lab host ("pid comm" lines). */
export async function labLeftovers(): Promise<string> {
  return (await labShell('for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null); case "$c" in qemu*|iperf3) echo "${p#/proc/} $c";; esac; done; true')).trim();
}

/** Processes on the controller that belong to the run (its folder in their argv, or a child of it). */
export async function controllerLeftovers(run: FaultRun, pid: number | undefined): Promise<string> {
  const ps = await execa('ps', ['-eo', 'pid=,ppid=,args='], { reject: false });
  return ps.stdout.split('\n').filter((l) => {
    const [p, pp] = l.trim().split(/\s+/, 2);
    return l.includes(run.dir) || (pid !== undefined && (Number(p) === pid || Number(pp) === pid));
  }).join('\n');
}
