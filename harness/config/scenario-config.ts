/**
 * What a run tests, beside how to reach each lab host: the lab config (harness/config/lab-config.ts)
 * grows `devices`, `peer` and `guest` in each host entry and a top-level `run:` section. The same
 * selection may also come from a separate file (`passbench run --config FILE`) laid over the lab
 * config (`--lab FILE`): its host entries then carry only the selection.
 *
 * ```yaml
 * hosts:
 *   lab1:
 *     address: 10.0.0.5              # connection: see lab-config.ts
 *     identityFile: ~/.ssh/passbench_ed25519
 *     hostKey: ssh-ed25519 AAAA…
 *     devices:                       # the devices under test on this host
 *       - { mode: nic, bdf: "0000:03:00.0", model: "82599" }            # the whole NIC in one guest
 *       - { mode: vf, pf: "0000:03:00.1", count: 4, model: "82599" }    # 4 VFs, one guest each
 *       - { mode: e1000, bridge: br-test, address: 10.0.3.41/24 }      # the emulated baseline, on the test wire
 *                                                 # ({ mode: e1000, network: user }: QEMU user-net, NAT, off the wire)
 *     peer: { address: 10.0.3.10 }   # where iperf3/ping/HTTP traffic goes (host: default this one)
 * run:
 *   guest: { iso: /var/lib/passbench/guest.iso }     # or {kernel, initrd}, or {qcow2, login}: guest-config.ts
 *                                  # copyFrom: ~/images copies what the host lacks, checksummed
 *   tests: [tcp, udp, latency, http]
 *   repetitions: { min: 12, max: 30, targetCi: 0.015 }
 *   durations: { measureS: 10 }     # bootS, sshS: fixed deadlines instead of ones scaled by the run's pace
 *   iperf3: { streams: 1, udpBitrate: 100M, omit: 1 }   # parallel streams; UDP's offered rate (bit/s); seconds left out (-O)
 *   history: reports/history.sqlite               # or postgres://user@db/passbench
 *   baseline: { nights: 10 }                       # the night's verdict: see verdict-config.ts
 *   thresholds: { default: 5, "udp.*.loss": { absolute: 0.5 } }
 *   gate: ["tcp.*", "*.loss"]                      # metrics that fail the night (default: all)
 *   falseAlarms: 5                                 # percent, across the night's metrics
 * ```
 * Every object is strict: an unknown key is an error naming the keys allowed there.
 */
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError, errorMessage } from '../errors.ts';
import { HOST_NAME, parseLabConfig, type LabConfig, type LabHost } from './lab-config.ts';
import { formatConfigIssues } from './format-issues.ts';
import { readConfigFile } from './read-config-file.ts';
import { VERDICT_RUN_SHAPE } from './verdict-config.ts';
import { GuestImageSchema, resolveGuestPaths, type GuestImage } from './guest-config.ts';
import { DEFAULT_MODELS, DeviceSchema, ExpectSchema, MODEL_NAME, checkModels, resolveDevices, type ResolvedDevice } from './device-config.ts';

export { guestFiles, type GuestImage } from './guest-config.ts';
export { DEVICE_MODES, addToAddress, type DeviceMode, type Expect, type ResolvedDevice } from './device-config.ts';

// ---- values ---------------------------------------------------------------------------------
export const TESTS = ['tcp', 'udp', 'latency', 'http'] as const;
export type TestName = (typeof TESTS)[number];

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const Ipv4 = z.string().regex(IPV4, 'expected an IPv4 address, e.g. 10.0.3.10');
const PeerSchema = z.strictObject({
  /** The lab host (by name) that runs the iperf3/HTTP servers; default: the host under test. */
  host: z.string().regex(HOST_NAME, 'expected a host name from hosts:').optional(),
  address: Ipv4,
});

const RepetitionsSchema = z.strictObject({
  min: z.int('expected a whole number 1-1000').min(1, 'expected 1-1000').max(1000, 'expected 1-1000').default(12),
  max: z.int('expected a whole number 1-1000').min(1, 'expected 1-1000').max(1000, 'expected 1-1000').default(30),
  /** Stop once the median's confidence interval is within ± this fraction of it. */
  targetCi: z.number().gt(0, 'expected a fraction between 0 and 1, e.g. 0.015').lt(1, 'expected a fraction between 0 and 1, e.g. 0.015').default(0.015),
  /**
   * A warm-up run before each test's repetitions (kept, never judged), or only before a guest's
   * first test: the later tests start warm. `first` suits an emulated lab, where a warm-up costs as
   * much as a repetition; on hardware each test's own warm-up is the rule (RFC 2544's trial runs).
   */
  warmup: z.enum(['each', 'first'], 'expected each or first').default('each'),
}).refine((r) => r.max >= r.min, { path: ['max'], message: 'expected max ≥ min' });

const DurationsSchema = z.strictObject({
  measureS: z.int().min(1, 'expected 1-3600 s').max(3600, 'expected 1-3600 s').default(10),
  /**
   * Fixed deadlines for a guest's boot (QEMU start to ready: passbench's image when its console says
   * so, any other image when SSH accepts the pinned key) and for SSH after it (passbench's image).
   * Absent: a base scaled by the run's pace (harness/wait/pace.ts), which follows the accelerator and
   * how slowly the virtual lab host booted.
   */
  bootS: z.int().min(5, 'expected 5-7200 s').max(7200, 'expected 5-7200 s').optional(),
  sshS: z.int().min(5, 'expected 5-7200 s').max(7200, 'expected 5-7200 s').optional(),
});

// bit/s with an SI suffix, as iperf3's -b takes it: 100M, 2.5G, 500K.
const BITRATE = /^(\d+(?:\.\d+)?)([KMG]?)$/;
const UNIT: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9 };
const BitrateSchema = z.string().regex(BITRATE, 'expected bit/s like 100M, 2.5G or 500K')
  .transform((v) => { const [, n, u] = BITRATE.exec(v)!; return Number(n) * UNIT[u!]!; })
  .refine((bps) => bps >= 1e3 && bps <= 400e9, 'expected 1K-400G');

const Iperf3Schema = z.strictObject({
  /** Parallel streams (-P from iperf3 3.16, else as many processes side by side). */
  streams: z.int('expected a whole number 1-128').min(1, 'expected 1-128').max(128, 'expected 1-128').default(1),
  /** UDP's offered rate in total: above what the path carries, loss shows it. */
  udpBitrate: BitrateSchema.default(100e6),
  /**
   * Seconds each iperf3 test leaves out at its start (-O): TCP's slow start on a fast, long path.
   * Where the path ramps up in milliseconds (an emulated lab at tens of Mbit/s), 0 saves a second a test.
   */
  omit: z.int('expected a whole number of seconds 0-60').min(0, 'expected 0-60 s').max(60, 'expected 0-60 s').default(1),
});

const HistorySchema = z.string().refine((h) => /^postgres(ql)?:\/\/[^\s'"`;$]+$/.test(h) || /^[A-Za-z0-9._/~+-]+\.sqlite$/.test(h),
  'expected a SQLite file path ending in .sqlite or a postgres://user@host/db URL');

/** For `--history` (or `what` names where it came from, e.g. $PASSBENCH_HISTORY): the same rule as run.history. */
export function parseHistoryLocation(text: string, what = '--history'): string {
  const parsed = HistorySchema.safeParse(text);
  if (!parsed.success) {
    throw new UsageError(`${what} ${JSON.stringify(text)}: expected a SQLite file path ending in .sqlite or a postgres://user@host/db URL`, {
      remedy: `e.g. ${what}${what.startsWith('-') ? ' ' : '='}reports/history.sqlite or ${what}${what.startsWith('-') ? ' ' : '='}postgres://passbench@db.lab/passbench`,
    });
  }
  return resolveHistory(parsed.data);
}

const RunSchema = z.strictObject({
  guest: GuestImageSchema.optional(),
  /** For hosts without their own devices/peer (e.g. the virtual lab, whichever name it has). */
  devices: z.array(DeviceSchema).optional(),
  peer: PeerSchema.optional(),
  tests: z.array(z.enum(TESTS)).min(1, `expected at least one of ${TESTS.join(', ')}`)
    .refine((t) => new Set(t).size === t.length, 'a test is listed twice').default([...TESTS]),
  repetitions: RepetitionsSchema.default({ min: 12, max: 30, targetCi: 0.015, warmup: 'each' }),
  durations: DurationsSchema.default({ measureS: 10 }),
  iperf3: Iperf3Schema.default({ streams: 1, udpBitrate: 100e6, omit: 1 }),
  history: HistorySchema.default('reports/history.sqlite'),
  /** kvm: doctor must pass in full. tcg: for the virtual lab only: KVM may be missing, every figure is an emulated one. */
  accel: z.enum(['kvm', 'tcg']).default('kvm'),
  resultsDir: z.string().regex(/^[A-Za-z0-9._/~+-]+$/, 'expected a folder path').default('reports/runs'),
  /** The night verdict: baseline nights or a pin, thresholds, gating metrics, false-alarm rate (verdict-config.ts). */
  ...VERDICT_RUN_SHAPE,
  models: z.record(z.string().regex(MODEL_NAME, 'expected a model name'), z.strictObject({ nic: ExpectSchema.optional(), vf: ExpectSchema.optional() })).default({}),
});
export type RunSettings = z.output<typeof RunSchema>;

const SelectionShape = {
  devices: z.array(DeviceSchema).optional(),
  peer: PeerSchema.optional(),
  guest: GuestImageSchema.optional(),
};
/** Connection keys are checked by lab-config.ts; here they are only allowed. */
const CONNECTION_KEYS = ['address', 'port', 'user', 'identityFile', 'hostKey', 'knownHostsFile', 'journalDir', 'role'] as const;
const HostEntrySchema = z.strictObject({
  ...Object.fromEntries(CONNECTION_KEYS.map((k) => [k, z.unknown().optional()])) as Record<(typeof CONNECTION_KEYS)[number], z.ZodOptional<z.ZodUnknown>>,
  ...SelectionShape,
});
const SelectionHostSchema = z.strictObject(SelectionShape);
type Selection = z.output<typeof SelectionHostSchema>;

function fileSchema(hostEntry: typeof HostEntrySchema | typeof SelectionHostSchema) {
  return z.strictObject({
    hosts: z.record(z.string().regex(HOST_NAME, 'expected a host name: lower-case letters, digits and "-"'), hostEntry).default({}),
    run: RunSchema.default(RunSchema.parse({})),
  }).superRefine(checkModels);
}
export const ScenarioFileSchema = fileSchema(HostEntrySchema);
export const SelectionFileSchema = fileSchema(SelectionHostSchema);

// ---- resolved, per host ------------------------------------------------------------------------
export interface HostRunConfig {
  name: string;
  connection: LabHost;
  journalPath: string;
  lockDir: string;
  devices: ResolvedDevice[];
  peer?: { host: string; address: string };
  guest?: GuestImage;
}

export interface ScenarioConfig {
  source: string;
  lab: LabConfig;
  hosts: Record<string, HostRunConfig>;
  run: RunSettings;
}

export const DEFAULT_STATE_DIR = '/var/lib/passbench';

/** Parses the lab config text (connection + selection) and, optionally, a separate selection file. */
export function parseScenarioConfig(
  lab: { text: string; source: string; baseDir?: string },
  selection?: { text: string; source: string; baseDir?: string },
): ScenarioConfig {
  // The whole file first (its unknown-key messages list every allowed key), then the connections.
  const main = validate(ScenarioFileSchema, lab.text, lab.source);
  const labConfig = parseLabConfig(lab.text, lab.source, lab.baseDir);
  const extra = selection ? validate(SelectionFileSchema, selection.text, selection.source) : undefined;
  for (const name of Object.keys(extra?.hosts ?? {})) {
    if (!labConfig.hosts[name]) {
      throw new UsageError(`${selection!.source}: hosts.${name}: no host ${JSON.stringify(name)} in lab config ${lab.source}`, {
        remedy: `Use one of: ${Object.keys(labConfig.hosts).join(', ') || '(none)'}.`,
      });
    }
  }
  // The selection's run: keys win one by one; the others keep the lab config's (e.g. the guest
  // image `lab up` knows).
  const run: RunSettings = extra ? { ...main.run, ...pick(extra.run, runKeysGiven(selection!.text)) } : main.run;
  const resolvedRun = { ...run, history: resolveHistory(run.history) };
  const hosts: Record<string, HostRunConfig> = {};
  for (const [name, connection] of Object.entries(labConfig.hosts)) {
    const own: Selection = { ...main.hosts[name], ...extra?.hosts[name] };
    if (connection.role === 'peer') {
      const given = (['devices', 'peer', 'guest'] as const).filter((k) => own[k] !== undefined);
      if (given.length) {
        throw new UsageError(`${lab.source}: hosts.${name} is a traffic peer (role: peer), so it has no ${given.join(', ')}: nothing is tested on it`, {
          remedy: `Move ${given.join(', ')} to the host under test, or set hosts.${name}.role: test.`,
        });
      }
    }
    const where = extra?.hosts[name]?.devices ? `hosts.${name}.devices` : main.hosts[name]?.devices ? `hosts.${name}.devices` : 'run.devices';
    const devices = own.devices ?? run.devices ?? [];
    const stateDir = connection.journalDir ?? DEFAULT_STATE_DIR;
    const peer = own.peer ?? run.peer;
    const guest = own.guest ?? run.guest;
    // copyFrom and a login's key are relative to the file that gave the guest.
    const guestFromSelection = extra !== undefined && (extra.hosts[name]?.guest !== undefined || (own.guest === undefined && runKeysGiven(selection!.text).includes('guest')));
    hosts[name] = {
      name, connection,
      journalPath: `${stateDir}/journal.json`,
      lockDir: `${stateDir}/run.lock`,
      // run.devices are for the hosts under test; a traffic peer has none.
      devices: connection.role === 'peer' ? [] : resolveDevices(devices, { ...DEFAULT_MODELS, ...run.models }, where),
      peer: peer && { host: peer.host ?? name, address: peer.address },
      guest: guest && resolveGuestPaths(guest, baseDirOf(guestFromSelection ? selection! : lab)),
    };
  }
  return { source: selection?.source ?? lab.source, lab: labConfig, hosts, run: resolvedRun };
}

export async function loadScenarioConfig(files: { lab?: string; config?: string }): Promise<ScenarioConfig> {
  const labFile = files.lab ?? files.config;
  if (!labFile) {
    throw new UsageError('no lab config: give --lab FILE (hosts and how to reach them) and/or --config FILE (what to test)', {
      remedy: 'Start a virtual lab with `passbench lab up`; it prints a lab config to pass as --lab.',
    });
  }
  const selection = files.lab && files.config ? { text: await readConfig(files.config), source: files.config } : undefined;
  const text = await readConfig(labFile);
  if (files.lab) return parseScenarioConfig({ text, source: labFile }, selection);
  try {
    return parseScenarioConfig({ text, source: labFile });
  } catch (error) {
    // A selection alone lacks the connections: say why it was read as a lab config.
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`${error.message}\n  (--config ${labFile} came without --lab, so it was read as the lab config)`, {
      cause: error, remedy: 'Add --lab FILE with the hosts and how to reach them (`passbench lab up` prints one), or fix the file as the lines above say.',
    });
  }
}

function readConfig(file: string): Promise<string> {
  return readConfigFile(file, 'config', 'Check the path given to --lab or --config.');
}

function validate<S extends z.ZodType>(schema: S, text: string, source: string): z.output<S> {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (error) {
    throw new UsageError(`config ${source}: not valid YAML: ${errorMessage(error)}`, { cause: error, remedy: 'Fix the YAML syntax at the line named.' });
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new UsageError(`config ${source}: expected a map with hosts: and run:, got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`);
  }
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new UsageError(`config ${source} is not valid:\n${formatConfigIssues(parsed.error.issues, raw, schema)}`, {
    remedy: 'Fix the fields named above; harness/config/scenario-config.ts shows an example.',
  });
}

function runKeysGiven(text: string): string[] {
  const raw = YAML.parse(text) as { run?: unknown } | null;
  return raw?.run && typeof raw.run === 'object' ? Object.keys(raw.run) : [];
}

function pick<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.includes(k))) as Partial<T>;
}

function baseDirOf(file: { source: string; baseDir?: string }): string {
  return file.baseDir ?? path.dirname(path.resolve(file.source));
}

/** A SQLite path stays relative to the working folder (the checkout), like reports/. */
function resolveHistory(history: string): string {
  if (/^postgres(ql)?:\/\//.test(history)) return history;
  if (history.startsWith('~/')) return path.join(os.homedir(), history.slice(2));
  return history;
}
