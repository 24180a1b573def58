import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Host } from '../host/host.ts';
import { TimeoutError, errorMessage } from '../errors.ts';
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

/**
 * Connects QMP to a QEMU on `host`: a unix socket on this machine, or 127.0.0.1:qmpTcpPort on the
 * QEMU host (through SshHost.forwardOut when it is remote). Retries until QEMU listens, and gives
 * up at once when `gone()` says QEMU has exited.
 */
export async function connectQmpOnHost(host: Host, spec: GuestSpec, deadlineMs: number, gone: () => boolean): Promise<QmpClient> {
  if (spec.qmpTcpPort === undefined) {
    if (host.name !== 'local') throw new TypeError(`QMP over a unix socket works only for a local QEMU, not on ${host.name}: set qmpTcpPort`);
    return QmpClient.connect({ path: spec.qmpSocket! }, { deadlineMs });
  }
  const port = spec.qmpTcpPort;
  const label = `${host.name} 127.0.0.1:${port} (QMP of ${spec.name})`;
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until && !gone()) {
    try {
      const stream = canForward(host) ? await host.forwardOut('127.0.0.1', port, label) : await connectTcp(port);
      // A forwarded channel opens even before QEMU listens on some servers; the greeting proves it.
      return await QmpClient.connect({ stream, label }, { deadlineMs: Math.min(10_000, Math.max(until - Date.now(), 1)) });
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new TimeoutError(`no QMP from ${label} within ${deadlineMs} ms: ${last === undefined ? 'QEMU exited' : errorMessage(last)}`, {
    cause: last,
    remedy: 'Check that QEMU started (its output below) and that nothing else uses the port.',
  });
}
