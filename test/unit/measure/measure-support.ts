/**
 * Test helpers for measure/: a Host that records every process it spawns (so a test can kill one
 * mid-run, and check that none outlived the measurement), free ports, a pgrep for leftovers.
 */
import net from 'node:net';
import type { Host, HostProcess } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';

export interface Recorded { argv: readonly string[]; process: HostProcess; ended: boolean }

/** Wraps a Host: every spawn is recorded; `onSpawn` may act on it (e.g. kill it later). */
export function recordingHost(inner: Host, onSpawn?: (r: Recorded, index: number) => void): Host & { spawned: Recorded[] } {
  const spawned: Recorded[] = [];
  const wrapper = Object.create(inner) as Host & { spawned: Recorded[] };
  wrapper.spawned = spawned;
  wrapper.spawn = async (argv, options) => {
    const process = await inner.spawn(argv, options);
    const r: Recorded = { argv, process, ended: false };
    void process.exited.then(() => (r.ended = true));
    spawned.push(r);
    onSpawn?.(r, spawned.length - 1);
    return process;
  };
  return wrapper;
}

export { freeLoopbackPort as freePort } from '../../../harness/host/free-port.ts';

/** Free consecutive ports (as far as a check can tell) for iperf3 servers. */
export async function freePorts(count: number): Promise<number> {
  for (;;) {
    const first = 20000 + Math.floor(Math.random() * 20000);
    const ok = await Promise.all(Array.from({ length: count }, (_, i) => isFree(first + i)));
    if (ok.every(Boolean)) return first;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

/** Command lines of live processes whose argv contains `needle` (pgrep -af, read-only). */
export async function livingProcesses(needle: string): Promise<string[]> {
  const r = await new LocalHost().run(['pgrep', '-af', '--', needle], { allowFailure: true });
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
}
