/**
 * A real OpenSSH server for tests: its own config, host key and authorized_keys in a temp folder,
 * listening on 127.0.0.1 on a free port, logging to stderr (kept in `logs`). `stop()` kills it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostProcess } from '../../harness/host/host.ts';
import { LocalHost } from '../../harness/host/local-host.ts';
import { formatPublicKey, generateKeyPair, type KeyPair } from '../../harness/host/ssh-keys.ts';
import { freeLoopbackPort } from '../../harness/host/free-port.ts';

export interface Sshd {
  address: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  /** The server's host key: what a client pins. */
  hostKey: KeyPair;
  /** A client key that the server accepts. */
  clientKey: KeyPair;
  /** sshd's log lines (LogLevel VERBOSE), for assertions and for failure messages. */
  logs: string[];
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const START_DEADLINE_MS = 10_000;

export async function startSshd(options: { extraConfig?: string[] } = {}): Promise<Sshd> {
  const local = new LocalHost();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-sshd-'));
  const hostKey = await generateKeyPair(local, dir, 'host_ed25519', 'passbench-test-host');
  const clientKey = await generateKeyPair(local, dir, 'client_ed25519', 'passbench-test-client');
  await local.writeFile(path.join(dir, 'authorized_keys'), `${formatPublicKey(clientKey.publicKey)}\n`, { mode: 0o600 });
  const port = await freeLoopbackPort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey.privateKeyPath}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    // The temp folder's owner and modes are not what StrictModes wants for a home directory.
    'StrictModes no',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    // VERBOSE, not DEBUG: debug lines would leak into the sessions' stderr.
    'LogLevel VERBOSE',
    ...(options.extraConfig ?? []),
  ];
  const configFile = path.join(dir, 'sshd_config');
  await local.writeFile(configFile, `${config.join('\n')}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    // sshd running as root insists on its privilege separation folder, which the package's service unit creates.
    await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  }

  const logs: string[] = [];
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const server: HostProcess = await local.spawn([SSHD, '-D', '-e', '-f', configFile], {
    onLine: (line) => {
      logs.push(line);
      if (line.includes(`Server listening on 127.0.0.1 port ${port}`)) listening();
    },
  });
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    server.exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), START_DEADLINE_MS).unref()),
  ]);
  if (outcome !== 'ready') {
    await server.kill('SIGKILL');
    throw new Error(`sshd did not start (${outcome === 'exited' ? 'it exited' : `not listening after ${START_DEADLINE_MS} ms`}):\n${logs.join('\n')}`);
  }

  return {
    address: '127.0.0.1', port, user: os.userInfo().username, dir, hostKey, clientKey, logs,
    stop: async () => {
      // Sessions outlive a stopped sshd: end what ran under it (a failed test may have left a process) first.
      const pid = Number((await fs.readFile(path.join(dir, 'sshd.pid'), 'utf8').catch(() => '')).trim());
      if (pid > 1) for (const child of (await descendants(pid)).reverse()) killQuietly(child);
      await server.kill('SIGTERM');
      await server.exited;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** PIDs below `root` in the process tree, parents before children (from /proc). */
async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 is the parent PID; the command name (field 2) may hold spaces, so parse after its ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parentOf.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parentOf) if (ppid === parent) { found.push(pid); queue.push(pid); }
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

