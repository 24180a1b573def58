import { createServer, type AddressInfo } from 'node:net';
import type { Host } from '../host/host.ts';

const handedOut = new Set<string>();

/** TCP ports listening on a host, from /proc/net/tcp{,6} (state 0A = LISTEN). */
export function listeningPorts(procNetTcp: string): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && f[1]?.includes(':')) ports.add(parseInt(f[1].split(':').pop()!, 16));
  }
  return ports;
}

/**
 * A TCP port nothing listens on at the moment on `host` (40000–59999), not handed out before by
 * this process. QEMU fails loudly ("Address already in use") if another program takes it meanwhile.
 */
export async function pickFreePort(host: Host): Promise<number> {
  const text = (await host.run(['cat', '/proc/net/tcp', '/proc/net/tcp6'], { allowFailure: true })).stdout;
  const busy = listeningPorts(text);
  for (let i = 0; i < 1000; i++) {
    const port = 40000 + Math.floor(Math.random() * 20000);
    if (busy.has(port) || handedOut.has(`${host.name} ${port}`)) continue;
    handedOut.add(`${host.name} ${port}`);
    return port;
  }
  throw new Error(`no free TCP port found on ${host.name}`);
}

/** A TCP port on this machine's loopback that nothing listens on right now (the kernel's pick). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
