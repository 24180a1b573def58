/** Waiting for a virtual lab host's sshd to answer on its forwarded loopback port (lab up). */
import { connect } from 'node:net';

const MAX_BANNER_PROBES = 2;

/**
 * Resolves once something on 127.0.0.1:port sends an SSH banner, false at the deadline.
 *
 * QEMU's user-net accepts the forwarded connection at once even while the guest is not listening
 * yet, so "connect" proves nothing and an ssh attempt then waits its whole ConnectTimeout (3 s)
 * for a banner that never comes. Probes are started every 150 ms, each waits up to 3 s (a banner
 * can be slow under TCG), so readiness is seen within ~150 ms of sshd listening. At most two are
 * open at a time: with up to twenty, the moment sshd listened it accepted them all and forked and
 * re-executed itself for each (over 9p, under TCG), and the first banner came 6-7 s later.
 */
export async function waitForSshBanner(port: number, deadlineAt: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const sockets = new Set<ReturnType<typeof connect>>();
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      resolve(ok);
    };
    const probe = () => {
      if (Date.now() > deadlineAt) return finish(false);
      if (sockets.size >= MAX_BANNER_PROBES) return;
      const s = connect({ host: '127.0.0.1', port });
      sockets.add(s);
      let got = '';
      const drop = () => { s.destroy(); sockets.delete(s); };
      s.setTimeout(3000, drop);
      s.on('error', drop);
      s.on('close', () => sockets.delete(s));
      s.on('data', (b) => {
        got += b.toString('latin1');
        if (got.startsWith('SSH-')) finish(true);
        else if (got.length >= 4) drop();
      });
    };
    const timer = setInterval(probe, 150);
    probe();
  });
}
