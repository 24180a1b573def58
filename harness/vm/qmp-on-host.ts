import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Host } from '../host/host.ts';
import { PassbenchError } from '../errors.ts';
import { asDeadline, waitUntil, type DeadlineLike } from '../wait/index.ts';
import { QmpClient } from './qmp.ts';
import type { GuestSpec } from './qemu-args.ts';

/** A host that can open a TCP stream to an address as seen from itself (SshHost). */
interface ForwardingHost extends Host {
  forwardOut(address: string, port: number, target?: string): Promise<Duplex>;
}

function canForward(host: Host): host is ForwardingHost {
  return typeof (host as Partial<ForwardingHost>).forwardOut === 'function';
}

function connectTcp(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

/** QEMU exited while QMP was awaited: no point in trying again. */
export class QemuGoneError extends PassbenchError {}

/** Per attempt: a greeting comes within a second once QEMU listens; a forward that hangs is retried. */
const ATTEMPT_MAX_MS = 10_000;

/**
 * Connects QMP to a QEMU on `host`: a unix socket on this machine, or 127.0.0.1:qmpTcpPort on the
 * QEMU host (through SshHost.forwardOut when it is remote). Retries until QEMU listens, and gives
 * up at once when `gone()` says QEMU has exited.
 */
export async function connectQmpOnHost(host: Host, spec: GuestSpec, deadline: DeadlineLike, gone: () => boolean): Promise<QmpClient> {
  if (spec.qmpTcpPort === undefined) {
    if (host.name !== 'local') throw new TypeError(`QMP over a unix socket works only for a local QEMU, not on ${host.name}: set qmpTcpPort`);
    return QmpClient.connect({ path: spec.qmpSocket! }, { deadlineMs: asDeadline(deadline) });
  }
  const port = spec.qmpTcpPort;
  const label = `${host.name} 127.0.0.1:${port} (QMP of ${spec.name})`;
  return waitUntil(`QMP from ${label}`, async (attempt) => {
    if (gone()) throw new QemuGoneError(`no QMP from ${label}: QEMU exited`);
    const stream = canForward(host) ? await host.forwardOut('127.0.0.1', port, label) : await connectTcp(port);
    // A forwarded channel opens even before QEMU listens on some servers; the greeting proves it.
    return QmpClient.connect({ stream, label }, { deadlineMs: Math.min(ATTEMPT_MAX_MS, Math.max(attempt.remainingMs, 1)) });
  }, {
    deadline, intervalMs: 250, fatal: (error) => error instanceof QemuGoneError,
    remedy: 'Check that QEMU started (its output below) and that nothing else uses the port.',
  });
}
