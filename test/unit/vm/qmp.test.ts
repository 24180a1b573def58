import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TimeoutError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import type { HostProcess } from '../../../harness/host/host.ts';
import { guestQemuArgs, type GuestSpec } from '../../../harness/vm/qemu-args.ts';
import { flattenQueryPci, powerdownAndQuit, queryPci, queryStatus, quit } from '../../../harness/vm/qmp-queries.ts';
import { QmpClient, QmpClosedError, QmpCommandError } from '../../../harness/vm/qmp.ts';
import { freeLoopbackPort } from '../../../harness/host/free-port.ts';

type Reply = (message: { execute: string; arguments?: unknown; id?: unknown }, socket: net.Socket) => void;

/** A tiny scripted QMP server on a unix socket: greets, answers qmp_capabilities, then calls `reply`. */
async function fakeQmp(socketPath: string, reply: Reply): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.write('{"QMP": {"version": {"qemu": {"major": 10, "minor": 0, "micro": 0}}, "capabilities": []}}\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const message = JSON.parse(buffer.slice(0, i)) as { execute: string; id?: unknown };
        buffer = buffer.slice(i + 1);
        if (message.execute === 'qmp_capabilities') socket.write(JSON.stringify({ return: {}, id: message.id }) + '\r\n');
        else reply(message, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

describe('vm/qmp', () => {
  let dir = '';
  let server: net.Server | undefined;
  let client: QmpClient | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-qmp-'));
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('matches answers to commands by id, even out of order, and collects events', async () => {
    const sock = path.join(dir, 'q.sock');
    const held: { id?: unknown }[] = [];
    server = await fakeQmp(sock, (m, s) => {
      if (m.execute === 'slow') return void held.push(m);
      s.write(JSON.stringify({ event: 'STOP', timestamp: { seconds: 1, microseconds: 2 } }) + '\n');
      s.write(JSON.stringify({ return: { echo: m.arguments }, id: m.id }) + '\n');
      for (const h of held.splice(0)) s.write(JSON.stringify({ return: 'slow done', id: h.id }) + '\n');
    });
    client = await QmpClient.connect({ path: sock });
    const slow = client.execute('slow');
    assert.deepEqual(await client.execute('fast', { a: 1 }), { echo: { a: 1 } });
    assert.equal(await slow, 'slow done');
    assert.deepEqual(client.events.map((e) => e.event), ['STOP']);
    assert.equal((await client.waitForEvent('STOP', 100)).event, 'STOP');
  });

  it('turns a QMP error into QmpCommandError with class and desc', async () => {
    const sock = path.join(dir, 'q.sock');
    server = await fakeQmp(sock, (m, s) => s.write(JSON.stringify({ error: { class: 'CommandNotFound', desc: `The command ${m.execute} has not been found` }, id: m.id }) + '\n'));
    client = await QmpClient.connect({ path: sock });
    await assert.rejects(client.execute('nope'), (e: unknown) =>
      e instanceof QmpCommandError && e.errorClass === 'CommandNotFound' && e.command === 'nope' && /has not been found/.test(e.message));
  });

  it('rejects pending commands and event waits with QmpClosedError when the socket closes', async () => {
    const sock = path.join(dir, 'q.sock');
    server = await fakeQmp(sock, (_m, s) => s.destroy());
    client = await QmpClient.connect({ path: sock });
    const event = client.waitForEvent('SHUTDOWN', 5000);
    await assert.rejects(client.execute('query-status'), (e: unknown) => e instanceof QmpClosedError && /query-status/.test(e.message));
    await assert.rejects(event, QmpClosedError);
    await assert.rejects(client.execute('again'), QmpClosedError);
  });

  it('gives up on a command after its deadline, and on an event after its deadline', async () => {
    const sock = path.join(dir, 'q.sock');
    server = await fakeQmp(sock, () => {});
    client = await QmpClient.connect({ path: sock });
    await assert.rejects(client.execute('query-status', undefined, 50), (e: unknown) => e instanceof TimeoutError && /query-status.*50 ms/.test(e.message));
    await assert.rejects(client.waitForEvent('SHUTDOWN', 50), (e: unknown) => e instanceof TimeoutError && /SHUTDOWN/.test(e.message));
  });

  it('times out connecting to a socket that never appears', async () => {
    await assert.rejects(QmpClient.connect({ path: path.join(dir, 'missing.sock') }, { deadlineMs: 200 }), (e: unknown) => e instanceof TimeoutError && /missing\.sock/.test(e.message));
  });

  it('works over an already-open stream (as an SSH-forwarded socket would be)', async () => {
    const sock = path.join(dir, 'q.sock');
    server = await fakeQmp(sock, (m, s) => s.write(JSON.stringify({ return: { running: false, status: 'prelaunch' }, id: m.id }) + '\n'));
    const stream = net.createConnection({ path: sock });
    await new Promise((resolve) => stream.once('connect', resolve));
    client = await QmpClient.connect({ stream, label: 'ssh://lab/run/q.sock' });
    assert.deepEqual(await queryStatus(client), { running: false, status: 'prelaunch' });
  });

  it('flattens query-pci buses and bridges, with 4-hex vendor and device ids', () => {
    const dev = (slot: number, vendor: number, device: number, extra = {}) => ({ bus: 0, slot, function: 0, class_info: { class: 512 }, id: { vendor, device }, qdev_id: '', ...extra });
    const flat = flattenQueryPci([{ bus: 0, devices: [dev(0, 0x8086, 0x29c0), dev(2, 0x8086, 0x100e, { qdev_id: 'net0nic', pci_bridge: { devices: [{ ...dev(0, 0x1af4, 0x41), bus: 1 }] } })] }]);
    assert.deepEqual(flat.map((d) => `${d.address} ${d.vendorId}:${d.deviceId} ${d.qdevId}`), ['00:00.0 8086:29c0 ', '00:02.0 8086:100e net0nic', '01:00.0 1af4:0041 ']);
  });

  it('powers down: system_powerdown, waits for SHUTDOWN, then quit until the socket closes', async () => {
    const sock = path.join(dir, 'q.sock');
    const seen: string[] = [];
    server = await fakeQmp(sock, (m, s) => {
      seen.push(m.execute);
      s.write(JSON.stringify({ return: {}, id: m.id }) + '\n');
      if (m.execute === 'system_powerdown') setTimeout(() => s.write('{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}\n'), 20);
      if (m.execute === 'quit') s.end();
    });
    client = await QmpClient.connect({ path: sock });
    await powerdownAndQuit(client, 2000);
    assert.deepEqual(seen, ['system_powerdown', 'quit']);
    assert.equal(client.isClosed, true);
  });

  it('quit ends as soon as QEMU ends its side, through a tunnel that only half-closes (SSH forwarding)', async () => {
    // A forwarded channel reports QEMU's exit as end-of-stream and closes only once this side ends
    // too: waiting for 'close' alone ran every guest's stop into quit's 10 s deadline.
    const sock = path.join(dir, 'q.sock');
    server = await fakeQmp(sock, (m, s) => {
      s.write(JSON.stringify({ return: {}, id: m.id }) + '\n');
      if (m.execute === 'quit') s.end();
    });
    const stream = net.connect({ path: sock, allowHalfOpen: true });
    client = await QmpClient.connect({ stream, label: 'tunnel' });
    // Before, quit waited for a 'close' that never came: past mocha's timeout, long before this deadline.
    await quit(client, 600_000);
    assert.equal(client.isClosed, true);
  });

  it('says when the guest ignores the power button, and leaves it running', async () => {
    const sock = path.join(dir, 'q.sock');
    const seen: string[] = [];
    server = await fakeQmp(sock, (m, s) => {
      seen.push(m.execute);
      s.write(JSON.stringify({ return: {}, id: m.id }) + '\n');
    });
    client = await QmpClient.connect({ path: sock });
    await assert.rejects(powerdownAndQuit(client, 100), (e: unknown) => e instanceof TimeoutError && /SHUTDOWN/.test(e.message));
    assert.deepEqual(seen, ['system_powerdown']);
  });


  /** Connects to a real QEMU's QMP socket, failing with QEMU's own output if it exits first. */
  async function connectToRunning(qemu: HostProcess, socketPath: string, output: string[]): Promise<QmpClient> {
    const exitedFirst = qemu.exited.then((exit) => {
      throw new Error(`QEMU exited (${JSON.stringify(exit)}) before QMP answered:\n${output.join('\n')}`);
    });
    return Promise.race([QmpClient.connect({ path: socketPath }, { deadlineMs: 30_000 }), exitedFirst]);
  }

  /** One real QEMU at a time (the machine is small): started before, checked gone after. */
  function withRealQemu(title: string, argvFor: (dir: string, name: string) => string[] | Promise<string[]>, body: (ctx: { qemu: () => HostProcess; dir: () => string; output: string[] }) => void) {
    describe(title, function () {
      this.timeout(60_000);
      const name = `pb-qmp-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      const host = new LocalHost();
      let qemu: HostProcess | undefined;
      let qemuDir = '';
      const output: string[] = [];

      /** PIDs of QEMUs started with this test's unique -name ('' when none). pgrep exits 1 for none, 2+ for a usage error. */
      const lingering = async () => {
        const r = await host.run(['pgrep', '-f', '--', `-name ${name}`], { allowFailure: true });
        if (r.exitCode > 1) throw new Error(`pgrep failed (${r.exitCode}): ${r.stderr}`);
        return r.stdout.trim();
      };

      before(async () => {
        qemuDir = await mkdtemp(path.join(os.tmpdir(), 'pb-qemu-'));
        qemu = await host.spawn(await argvFor(qemuDir, name), { onLine: (line) => output.push(line) });
        assert.notEqual(await lingering(), '', 'pgrep does not find the QEMU just started: the after-hook check would prove nothing');
      });

      after(async () => {
        const problems: string[] = [];
        if (qemu) {
          const exited = await Promise.race([qemu.exited, new Promise((r) => setTimeout(() => r(undefined), 5000))]);
          if (exited === undefined) {
            await qemu.kill('SIGKILL');
            await qemu.exited;
            problems.push('QEMU did not exit after quit; killed it');
          }
        }
        await rm(qemuDir, { recursive: true, force: true });
        const left = await lingering();
        if (left) problems.push(`QEMU processes still running for -name ${name}: ${left}`);
        assert.deepEqual(problems, [], `${problems.join('\n')}\nQEMU output:\n${output.join('\n')}`);
      });

      body({ qemu: () => qemu!, dir: () => qemuDir, output });
    });
  }

  withRealQemu(
    'against a real QEMU (TCG, paused with -S, boots nothing)',
    (qemuDir, name) => ['qemu-system-x86_64', '-name', name, '-machine', 'q35', '-accel', 'tcg', '-nodefaults', '-display', 'none', '-S',
      '-qmp', `unix:${path.join(qemuDir, 'qmp.sock')},server=on,wait=off`, '-device', 'e1000,netdev=n0', '-netdev', 'user,id=n0'],
    ({ qemu, dir: qemuDir, output }) => {
      it('connects, sees the e1000 (8086:100e) in query-pci, reports paused, and quits', async () => {
        client = await connectToRunning(qemu(), path.join(qemuDir(), 'qmp.sock'), output);
        const devices = await queryPci(client);
        assert.ok(devices.some((d) => d.vendorId === '8086' && d.deviceId === '100e'), devices.map((d) => `${d.address} ${d.vendorId}:${d.deviceId}`).join('\n'));
        assert.deepEqual(await queryStatus(client), { running: false, status: 'prelaunch' });
        await assert.rejects(client.execute('no-such-command'), (e: unknown) => e instanceof QmpCommandError && e.errorClass === 'CommandNotFound');
        await quit(client, 10_000);
        assert.equal(client.isClosed, true);
        const exit = await qemu().exited;
        assert.equal(exit.exitCode, 0, `QEMU exit ${JSON.stringify(exit)}; output:\n${output.join('\n')}`);
      });
    },
  );

  // Guest specs are only worth something if QEMU 10 accepts the argv they build.
  withRealQemu(
    'a guestQemuArgs command line, run by a real QEMU (TCG, paused)',
    async (qemuDir, name) => {
      const spec: GuestSpec = {
        name, accel: 'tcg', memoryMiB: 128, cpus: 1, paused: true,
        // An empty image: paused with -S, nothing is read from it; only the argv is under test.
        boot: { kind: 'iso', iso: path.join(qemuDir, 'empty.iso') },
        nic: { model: 'virtio-net-pci', mac: '52:54:00:12:34:56', netdev: { kind: 'user', hostForwards: [{ hostPort: await freeLoopbackPort(), guestPort: 22 }] } },
        qmpSocket: path.join(qemuDir, 'qmp.sock'), serialLog: path.join(qemuDir, 'serial.log'),
        fwCfg: [{ name: 'authorized_keys', file: '/etc/hostname' }], pidFile: path.join(qemuDir, 'qemu.pid'),
      };
      writeFileSync(spec.boot.kind === 'iso' ? spec.boot.iso : '', '');
      return guestQemuArgs(spec);
    },
    ({ qemu, dir: qemuDir, output }) => {
      it('starts, shows the virtio-net NIC with its id, and quits', async () => {
        client = await connectToRunning(qemu(), path.join(qemuDir(), 'qmp.sock'), output);
        const nic = (await queryPci(client)).find((d) => d.qdevId === 'net0nic');
        assert.equal(nic && `${nic.vendorId}:${nic.deviceId}`, '1af4:1000', output.join('\n'));
        assert.equal((await queryStatus(client)).running, false);
        await quit(client, 10_000);
        assert.equal((await qemu().exited).exitCode, 0, output.join('\n'));
      });
    },
  );
});
