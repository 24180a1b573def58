import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bootGuest, type BootedGuest } from '../guest/guest.ts';
import { LocalHost } from '../host/local-host.ts';
import { parseBdf, type Bdf } from '../pci/bdf.ts';
import { readNicProvenance } from '../pci/nic-provenance.ts';
import { parseCpuinfo } from '../host/cpuinfo.ts';
import { formatDoctorReport, runDoctor } from '../doctor/run-doctor.ts';
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { SshHost } from '../host/ssh-host.ts';
import { proveDevice } from '../guest/prove-device.ts';
import { qemuVersion } from '../vm/qemu-version.ts';
import { describeQemuExit } from '../vm/launcher.ts';
import { measureMode } from '../measure/measure-mode.ts';
import { checkPeer, checkReachable } from '../measure/peer-check.ts';
import { recordRun } from './record-run.ts';
import { openHistory } from '../results/history.ts';
import { openRunWriter } from '../results/run-writer.ts';
import type { HostMeta } from '../results/schema.ts';
import type { HostRunConfig } from '../config/scenario-config.ts';
import { nightSettingsOf } from '../config/verdict-config.ts';
import type { RunOps } from './ops.ts';
import { Pace } from '../wait/index.ts';

/**
 * HTTP requests a repetition under TCG, per second of durations.measureS: what an idle virtual lab
 * answers in about that time (6-8 a second; ~30 s for a 3 s test on a busy machine), so HTTP by
 * count lasts about as long as the other tests.
 */
const TCG_HTTP_REQUESTS_PER_S = 10;

/** How many HTTP requests a repetition runs on an emulated host, for tests of durationS seconds. */
export function emulatedHttpRequests(durationS: number): number {
  return Math.max(10, Math.round(durationS * TCG_HTTP_REQUESTS_PER_S));
}

/** With accel tcg (the virtual lab), missing KVM is expected: those FAILs do not make the host unfit. */
const KVM_CHECKS = new Set(['cpu-virt', 'kvm-device']);

/**
 * The real RunOps: hosts over SSH, doctor, metadata, guests (harness/guest/guest.ts), proof,
 * measurement, the results writer, history and reports.
 */
/**
 * emulated: the hosts themselves run under TCG (the virtual lab), whatever the guests' accelerator
 * (KVM nested inside the lab host is still emulated by the lab's TCG): reports say so, and HTTP runs
 * by request count.
 */
export function realOps(o: { accel: 'kvm' | 'tcg'; pace?: Pace; emulated?: boolean }): RunOps {
  const emulated = o.emulated ?? o.accel === 'tcg';
  const pace = o.pace ?? Pace.forAccel(o.accel);
  return {
    connect: (config) => SshHost.connect({ ...sshOptions(config), pace }),
    doctor: async (host) => {
      const report = await runDoctor(host);
      const blocking = report.checks.filter((c) => c.grade === 'FAIL' && !(o.accel === 'tcg' && KVM_CHECKS.has(c.id)));
      return { fit: blocking.length === 0, text: formatDoctorReport(report) };
    },
    hostMeta: (host, config) => hostMeta(host, config, o.accel, emulated),
    prove: (guestHost, expect) => proveDevice(guestHost, expect),
    // Emulated: each HTTP request opens an SSH channel through the lab host into the guest, and
    // busybox httpd answers one request a connection: 8 requests/s on an idle machine, 0.5 on a busy
    // one (TCG in TCG), where a fixed 15 s run saw none answered. HTTP there runs by request count.
    checkPeer,
    checkReachable,
    measure: (ctx) => measureMode(emulated ? { ...ctx, httpRequests: ctx.httpRequests ?? emulatedHttpRequests(ctx.durationS) } : ctx),
    openWriter: (dir, meta) => openRunWriter(dir, meta),
    ...guestOps(),
    report: async (runDir, settings, gate) => {
      const history = await openHistory(settings.history);
      try {
        // Into the history, reports written, and the night's verdict: each series against its
        // last good nights (or the pinned baseline), with the config's thresholds and gate.
        const recorded = await recordRun(runDir, history, nightSettingsOf(settings));
        const regressions = !gate ? [] : recorded.night.series
          .filter((v) => v.gating && v.verdict === 'regressed')
          .map((v) => `${v.host}/${v.mode}/${v.guest} ${v.metric}: ${v.reason} (baseline ${v.baseline.runIds.length} nights: ${v.baseline.runIds.join(', ')})`);
        return { regressions, paths: { ...recorded.reports } };
      } finally {
        await history.close();
      }
    },
  };
}

/**
 * Guests run on the lab host (QEMU there: KVM on a real one, TCG inside the virtual lab) and are
 * reached over SSH through it, host key pinned: harness/guest/guest.ts's bootGuest, then connect.
 */
function guestOps(): Pick<RunOps, 'bootGuest' | 'connectGuest'> {
  const started = new Map<string, BootedGuest>();
  let booting = 0;
  // The guests' private keys: one folder for the run, gone once no guest is booting or running.
  let keysDir: Promise<string> | undefined;
  const releaseKeys = async () => {
    const dir = keysDir;
    if (!dir || booting > 0 || started.size > 0) return;
    keysDir = undefined;
    await fs.rm(await dir, { recursive: true, force: true });
  };
  return {
    bootGuest: async (host, boot, { log, signal }) => {
      if (!(host instanceof SshHost)) throw new PassbenchError(`guest ${boot.name}: guests are started on a lab host over SSH, not on ${host.name}`);
      keysDir ??= fs.mkdtemp(path.join(os.tmpdir(), `passbench-guests-${boot.runId}-`));
      const image = boot.image;
      // passbench's image: a vmlinux boots the fast way (PVH); a bzImage through the boot protocol;
      // an ISO through SeaBIOS. The lab's own qcow2 image: guest/disk-guest.ts.
      const pvh = image.kernel?.endsWith('vmlinux') ?? false;
      const which = image.qcow2 !== undefined
        ? { disk: { qcow2: image.qcow2, kernel: image.kernel, initrd: image.initrd, append: image.append, login: image.login ?? 'cloud-init' } } as const
        : {
          images: { iso: image.iso ?? '', kernel: image.kernel ?? '', vmlinux: pvh ? image.kernel : undefined, initrd: image.initrd ?? '' },
          boot: image.iso ? 'iso' : pvh ? 'pvh' : 'kernel', append: image.append,
        } as const;
      const key = `${host.name}/${boot.name}`;
      booting += 1;
      let lab: BootedGuest;
      try {
        // The signal (Ctrl-C, SIGTERM) ends a boot at once: its QEMU is stopped before this rejects,
        // so the device is free before the journal is replayed.
        lab = await bootGuest(new LocalHost(), host, {
          name: boot.name, kind: boot.mode,
          bdf: boot.vfio[0] as Bdf | undefined, address: boot.address, mac: boot.mac, bridge: boot.bridge,
          ...which, memoryMiB: image.memoryMiB, cpus: image.cpus, accel: boot.accel,
          // One subfolder per host: guest names (e1000, vf0 …) repeat across hosts, their keys must not.
          controllerDir: path.join(await keysDir, boot.host), signal, log,
          deadlineMs: boot.bootDeadline, pace: boot.pace, journalPath: boot.journalPath,
        });
        started.set(key, lab);
      } finally {
        booting -= 1;
        await releaseKeys();
      }
      return {
        name: boot.name,
        address: (boot.address ?? lab.expect.address)?.split('/')[0],
        stop: async () => {
          try {
            await lab.stop();
          } finally {
            started.delete(key);
            await releaseKeys();
          }
        },
        queryPci: async () => (await lab.guest.queryPci()).map((d) => `${d.vendorId}:${d.deviceId}`),
        consoleLog: () => lab.console(),
        exited: lab.guest.exited.then(describeQemuExit),
        vhost: lab.vhost,
      };
    },
    connectGuest: async (host, guest, { deadline, signal }) => {
      const lab = started.get(`${host.name}/${guest.name}`);
      if (!lab) throw new PassbenchError(`guest ${guest.name} was not started by this run`);
      return lab.connect({ deadline, signal });
    },
  };
}

function sshOptions(config: HostRunConfig) {
  const c = config.connection;
  return { address: c.address, port: c.port, user: c.user, identityFile: c.identityFile, hostKey: c.hostKey, knownHostsFile: c.knownHostsFile };
}

async function hostMeta(host: Host, config: HostRunConfig, accel: 'kvm' | 'tcg', emulated: boolean): Promise<HostMeta> {
  const text = async (argv: string[]) => (await host.run(argv, { allowFailure: true })).stdout.trim();
  const tested = nicUnderTest(config);
  // Asked at once: each is a round trip to the host. The NIC is read now, before the run binds
  // anything: the host driver's interface goes with the bind.
  const [cpuinfo, kernel, cmdline, qemu, nic] = await Promise.all([
    host.readFile('/proc/cpuinfo').catch(() => undefined),
    text(['uname', '-r']),
    host.readFile('/proc/cmdline').catch(() => ''),
    text(['qemu-system-x86_64', '--version']),
    tested === undefined ? undefined : readNicProvenance(host, tested),
  ]);
  const cpu = parseCpuinfo(cpuinfo);
  return {
    name: config.name,
    address: config.connection.address,
    kernel,
    kernelCmdline: cmdline.trim(),
    qemu: qemuVersion(qemu),
    // What the run's guests use (run.accel), not merely whether /dev/kvm exists.
    accel,
    virtualLab: emulated,
    ...(cpu?.model ? { cpuModel: cpu.model } : {}),
    ...(nic === undefined ? {} : { nic }),
  };
}

/** The first passthrough device of the selection, as the host has it: a whole NIC, or a VF's PF. */
function nicUnderTest(config: HostRunConfig): Bdf | undefined {
  const first = config.devices.map((d) => (d.mode === 'nic' ? d.bdf : d.mode === 'vf' ? d.pf : undefined)).find((b) => b !== undefined);
  // Validated by the config already; parsed again for the type.
  return first === undefined ? undefined : parseBdf(first);
}
