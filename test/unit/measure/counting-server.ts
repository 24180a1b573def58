/** A node:http server on 127.0.0.1 for load tests that counts what it saw: requests, connections, those still open. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';

export interface CountingServer {
  url: string;
  raw: http.Server;
  requests: number;
  connections: number;
  open: number;
  close(): Promise<void>;
}

export async function countingServer(handler: http.RequestListener): Promise<CountingServer> {
  const raw = http.createServer((req, res) => {
    server.requests++;
    handler(req, res);
  });
  const server: CountingServer = {
    url: '', raw, requests: 0, connections: 0, open: 0,
    close: () => new Promise<void>((resolve) => {
      raw.closeAllConnections();
      raw.close(() => resolve());
    }),
  };
  raw.on('connection', (socket: net.Socket) => {
    server.connections++;
    server.open++;
    socket.once('close', () => server.open--);
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}/`;
  return server;
}

/** Waits (up to 5 s: only a leak takes that long) until the server has no connection open. */
export async function assertAllClosed(server: CountingServer): Promise<void> {
  for (let i = 0; i < 100 && server.open > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(server.open, 0, 'connections the server still has open');
}
