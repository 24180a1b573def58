/**
 * A local TCP listener on 127.0.0.1:<free port> whose every connection is piped through a tunnel
 * the caller opens, e.g. `SshHost.forwardOut('127.0.0.1', 80)`: how a load generator on the
 * controller reaches a guest's HTTP server that only its SSH connection can reach.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';

export type OpenTunnel = () => Promise<Duplex>;

export interface TcpForwarder {
  port: number;
  /** Tunnel failures seen (each also closed the client connection). */
  errors: string[];
  close(): Promise<void>;
}

export async function startTcpForwarder(open: OpenTunnel): Promise<TcpForwarder> {
  const sockets = new Set<net.Socket>();
  const errors: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    open().then((tunnel) => {
      if (socket.destroyed) return tunnel.destroy();
      tunnel.on('error', () => socket.destroy());
      tunnel.once('close', () => socket.destroy());
      socket.once('close', () => tunnel.destroy());
      socket.pipe(tunnel).pipe(socket);
      socket.resume();
    }, (error: unknown) => {
      errors.push(error instanceof Error ? error.message : String(error));
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the forwarder has no port');
  return {
    port: address.port,
    errors,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
