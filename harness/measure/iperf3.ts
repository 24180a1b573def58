/**
 * Runs iperf3 between two hosts: a one-shot server (`iperf3 -s -1`) on `server`, the client with
 * -J on `client`, parsed by iperf3-json.ts. Several streams: iperf3 before 3.16 runs every stream
 * in one thread (esnet/iperf#123; ~6.5–7 Gb/s per process on 10 GbE), so there each stream is its
 * own client/server pair on consecutive ports and the results are summed; from 3.16 one process
 * with -P. Every wait has a deadline; however it ends, no iperf3 started here is left running.
 */
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { Iperf3Error, parseIperf3Json, sumIperf3Results, type Iperf3Result } from './iperf3-json.ts';
import { deadline, throwIfAborted, withProcessGroup, type ProcessGroup, type Tracked } from './processes.ts';
import { Pace, delay, within } from '../wait/index.ts';

export { Iperf3Error, parseIperf3Json, sumIperf3Results, type Iperf3Result } from './iperf3-json.ts';

export interface Iperf3Options {
  protocol: 'tcp' | 'udp';
  /** -R: the server sends, the client receives. */
  reverse?: boolean;
  /** Parallel streams (default 1). */
  streams?: number;
  /** Measured seconds (-t). Default 10. */
  durationS?: number;
  /** Seconds omitted at the start (-O, TCP slow start). Default 1. */
  omitS?: number;
  /** UDP target rate, bit/s, for all streams together (-b, split evenly). Default 100 Mbit/s. */
  udpBitrate?: number;
  /** First server port (default 5201); stream processes use the following ones. */
  port?: number;
  /** Deadline for the server to listen. Default: pace × 15 s. */
  listenTimeoutMs?: number;
  /** Scales the deadlines (a nested TCG guest is slow at everything). Default: factor 1. */
  pace?: Pace;
  signal?: AbortSignal;
  /** Raw JSON of each client process, e.g. to keep it as an artifact. */
  onJson?: (json: string, index: number) => void;
}

const LISTEN_BASE_MS = 15_000;
/** Beyond -t and -O: connect, parameter exchange and the results exchange (scaled by the pace, as the test is). */
const RUN_SLACK_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const SERVER_DEATH_GRACE_MS = 5_000;

export interface Iperf3Version { major: number; minor: number; text: string }

const versions = new WeakMap<Host, Promise<Iperf3Version>>();

/** `iperf3 --version` on a host, asked once per Host object. */
export function iperf3Version(host: Host): Promise<Iperf3Version> {
  let found = versions.get(host);
  if (!found) {
    found = host.run(['iperf3', '--version'], { timeoutMs: 15_000, allowFailure: true }).then((r) => parseIperf3Version(r.stdout, host.name));
    found.catch(() => versions.delete(host));
    versions.set(host, found);
  }
  return found;
}

export function parseIperf3Version(text: string, hostName = 'host'): Iperf3Version {
  const match = /iperf (\d+)\.(\d+)/.exec(text);
  if (!match) {
    throw new PassbenchError(`no iperf3 version in \`iperf3 --version\` on ${hostName}: ${JSON.stringify(text.slice(0, 120))}`, {
      remedy: `Install iperf3 on ${hostName} (Debian: apt-get install iperf3).`,
    });
  }
  return { major: Number(match[1]), minor: Number(match[2]), text: match[0] };
}

export function multiThreaded(v: Iperf3Version): boolean {
  return v.major > 3 || (v.major === 3 && v.minor >= 16);
}

/** The client's argv for one process (pure; exported for tests). */
export function iperf3ClientArgv(address: string, port: number, o: Iperf3Options, parallel: number, bitrate?: number): string[] {
  const argv = ['iperf3', '-c', address, '-p', String(port), '-J', '-t', String(o.durationS ?? 10), '-O', String(o.omitS ?? 1),
    '--connect-timeout', '5000'];
  if (o.protocol === 'udp') argv.push('-u', '-b', String(Math.max(1, Math.round(bitrate ?? 100e6))));
  if (o.reverse) argv.push('-R');
  if (parallel > 1) argv.push('-P', String(parallel));
  return argv;
}

export async function runIperf3(client: Host, server: Host, serverAddress: string, o: Iperf3Options): Promise<Iperf3Result> {
  const streams = o.streams ?? 1;
  if (!Number.isInteger(streams) || streams < 1) throw new RangeError(`iperf3 streams must be a positive integer, got ${streams}`);
  const basePort = o.port ?? 5201;
  const what = `iperf3 ${o.protocol}${o.reverse ? ' -R' : ''} from ${client.name} to ${serverAddress} (server on ${server.name}, port ${basePort})`;
  throwIfAborted(o.signal, what);
  // -P spreads streams over threads only when both ends run ≥ 3.16.
  const threaded = streams > 1 && (await Promise.all([iperf3Version(client), iperf3Version(server)])).every(multiThreaded);
  const processes = threaded ? 1 : streams;
  const perProcess = threaded ? streams : 1;
  const rate = o.udpBitrate === undefined ? undefined : o.udpBitrate / processes;
  const pace = o.pace ?? Pace.neutral();
  // The test's own length plus set-up, both as slow as this run goes.
  const limit = pace.scaled(((o.durationS ?? 10) + (o.omitS ?? 1)) * 1000 + RUN_SLACK_MS);
  return withProcessGroup(what, async (group) => {
    const servers: Tracked[] = [];
    for (let i = 0; i < processes; i++) servers.push(await startServer(group, server, basePort + i, o, what, pace));
    const runs = servers.map(async (srv, i) => {
      const argv = iperf3ClientArgv(serverAddress, basePort + i, o, perProcess, rate);
      // Starting it has a deadline too: over an SSH connection whose peer died (the guest's QEMU
      // killed), the channel open is never answered.
      const cli = await deadline(group.spawn(client, argv), limit, `${what}: starting client ${i} on ${client.name}`, o.signal);
      await deadline(Promise.race([cli.process.exited, serverDeath(srv)]), limit, `${what}: client ${i}`, o.signal);
      const json = cli.lines.join('\n');
      o.onJson?.(json, i);
      try {
        if (!json.trim().startsWith('{')) throw clientError(cli, what);
        return parseIperf3Json(json);
      } catch (error) {
        // The client often notices a dead server before its exit is reported: give that a moment, to name it.
        await within(srv.process.exited, 2_000);
        if (error instanceof Iperf3Error) throw new Iperf3Error(error.iperfError, `${what} (client ${i}) `, serverNote(srv));
        if (error instanceof PassbenchError && !error.remedy) throw new PassbenchError(error.message, { remedy: serverNote(srv) });
        throw error;
      }
    });
    const results = await Promise.all(runs);
    // A -1 server ends by itself after its test; give it a moment before the finally kills it.
    await Promise.all(servers.map((s) => within(s.process.exited, STOP_TIMEOUT_MS)));
    return sumIperf3Results(results);
  });
}

async function startServer(group: ProcessGroup, host: Host, port: number, o: Iperf3Options, what: string, pace: Pace): Promise<Tracked> {
  const listenLimit = o.listenTimeoutMs ?? pace.scaled(LISTEN_BASE_MS);
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  // --forceflush: the "Server listening" line must arrive through a pipe at once, not at exit.
  const srv = await deadline(group.spawn(host, oneShotServerArgv(port), (line) => {
    if (line.includes(`Server listening on ${port}`)) listening();
  }), listenLimit, `${what}: starting the server on ${host.name}`, o.signal);
  const outcome = await deadline(
    Promise.race([ready.then(() => 'ready' as const), srv.process.exited.then(() => 'exited' as const)]),
    listenLimit, `${what}: waiting for the server to listen on port ${port}`, o.signal,
  );
  if (outcome === 'exited') {
    throw new PassbenchError(`${what}: the server on ${host.name} exited before listening on port ${port}: ${srv.lines.slice(-5).join(' | ')}`, {
      remedy: /in use/i.test(srv.lines.join(' ')) ? `Port ${port} is taken on ${host.name}: choose another (option port) or stop what holds it.` : undefined,
    });
  }
  return srv;
}

/**
 * Settles a few seconds after the server ended abnormally (killed, connection to its host lost):
 * the client normally notices at once ("control socket has closed unexpectedly"), but a peer that
 * vanished without a reset can leave it waiting for TCP to time out.
 */
async function serverDeath(srv: Tracked): Promise<void> {
  const exit = await srv.process.exited;
  if (exit.exitCode === 0) return new Promise<void>(() => {});
  await delay(SERVER_DEATH_GRACE_MS);
}

function serverNote(srv: Tracked): string | undefined {
  if (!srv.exit) return undefined;
  const how = srv.exit.signal ? `was killed by ${srv.exit.signal}` : `exited with code ${srv.exit.exitCode}`;
  return `The iperf3 server ${how} during the test${srv.lines.length ? `: ${srv.lines.slice(-3).join(' | ')}` : ''}.`;
}

function clientError(cli: Tracked, what: string): PassbenchError {
  const exit = cli.exit;
  const how = !exit ? 'did not finish' : exit.signal ? `was killed by ${exit.signal}` : exit.exitCode === null ? 'lost its connection' : `exited with code ${exit.exitCode}`;
  const output = cli.lines.slice(-5).join(' | ');
  const lost = exit !== undefined && exit.exitCode === null && exit.signal === null;
  return new PassbenchError(`${what}: the client ${how} without JSON results${output ? `: ${output}` : ''}`, {
    remedy: lost ? `The connection to ${cli.host.name} dropped mid-test: check that it (its QEMU, if a guest) still runs; its console shows why it stopped.` : undefined,
  });
}


/** The one-shot server a measurement starts on its peer (one client, then it ends). */
function oneShotServerArgv(port: number): string[] {
  return ['iperf3', '-s', '-1', '-p', String(port), '--forceflush'];
}

/**
 * A run killed mid-measurement leaves its one-shot server waiting for a client that never comes.
 * Whoever takes over the dead run's lock (the next run on a traffic peer, `restore` on the host
 * under test) stops them: exactly oneShotServerArgv's command lines, no other iperf3.
 */
export async function stopLeftOneShotServers(host: Host): Promise<void> {
  await host.run(['pkill', '-f', '^iperf3 -s -1 -p [0-9]+ --forceflush$'], { allowFailure: true });
}
