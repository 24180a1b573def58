import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { waitForSshBanner } from '../../../harness/lab/ssh-banner.ts';

/**
 * A server slow to send its banner, as sshd is under TCG while it re-executes itself for each
 * connection: every connection it accepted cost the lab host a fork and an exec.
 */
async function slowSshd(bannerAfterMs: number) {
  let open = 0;
  let most = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    open++;
    most = Math.max(most, open);
    socket.on('close', () => { open--; sockets.delete(socket); });
    socket.on('error', () => {});
    setTimeout(() => { if (!socket.destroyed) socket.write('SSH-2.0-OpenSSH_9.2\r\n'); }, bannerAfterMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    most: () => most,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe('lab up: waiting for the lab host\'s SSH banner', () => {
  it('keeps at most two probes open while a slow sshd prepares its banner, and sees it', async () => {
    const sshd = await slowSshd(1_000);
    try {
      assert.equal(await waitForSshBanner(sshd.port, Date.now() + 20_000), true);
      assert.ok(sshd.most() <= 2, `${sshd.most()} connections open at once`);
    } finally {
      await sshd.close();
    }
  });

  it('gives up at the deadline when nothing sends a banner', async () => {
    const sshd = await slowSshd(60_000);
    try {
      assert.equal(await waitForSshBanner(sshd.port, Date.now() + 500), false);
    } finally {
      await sshd.close();
    }
  });
});
