/**
 * Does the harness distort what it measures? In one virtual-lab run, the same iperf3 test on the
 * same path is taken alternately by the harness (runIperf3: SshHost + HostProcess + the JSON
 * parser) and "by hand" (OpenSSH's ssh client running `iperf3 -c … -J`, a local `iperf3 -s -1`
 * from node:child_process, and one JSON.parse — no passbench code in that path). Prints both
 * medians and the ratio harness/by-hand (target ≥ 0.98).
 *
 * Path: the lab host is the client; the server runs on this controller and is reached from the lab
 * at 10.0.2.2 (the lab's management e1000 → QEMU user-net (slirp) → the controller's loopback).
 * So the traffic crosses the lab kernel's TCP stack, an emulated e1000 and slirp: a real emulated
 * path, the same one for both methods. Pairs alternate their order (H,M then M,H …) so that drift
 * in the machine's load hits both alike; the first pair is a warm-up and is dropped.
 *
 *   npx tsx bench/iperf-fidelity.ts [pairs=8] [durationS=5] [omitS=1] [lab|local]
 * Boots its own lab (`--name measure`, or PASSBENCH_BENCH_LAB) and takes it down at the end.
 * `local` runs the same comparison over this machine's loopback (no lab, no SSH): there iperf3 is
 * CPU-bound on the same cores as the harness, so any CPU the harness itself burned would show.
 */
import { execFile, spawn } from 'node:child_process';
import { LocalHost } from '../harness/host/local-host.ts';
import { SshHost } from '../harness/host/ssh-host.ts';
import { labDown, labUp } from '../harness/lab/lab-up.ts';
import { runIperf3 } from '../harness/measure/iperf3.ts';
import { createRandom } from '../harness/stats/random.ts';
import { median, percentile, summarize } from '../harness/stats/descriptive.ts';

/** 95 % percentile-bootstrap interval of median(a)/median(b), resampling whole pairs (seeded). */
function ratioInterval(a: number[], b: number[], resamples = 2000): [number, number] {
  const random = createRandom();
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const picks = a.map(() => random.int(a.length));
    ratios.push(median(picks.map((i) => a[i]!)) / median(picks.map((i) => b[i]!)));
  }
  return [percentile(ratios, 0.025), percentile(ratios, 0.975)];
}

const pairs = Number(process.argv[2] ?? 8);
const durationS = Number(process.argv[3] ?? 5);
const omitS = Number(process.argv[4] ?? 1);
const where = process.argv[5] ?? 'lab';
if (where !== 'lab' && where !== 'local') throw new Error(`path must be lab or local, got ${where}`);
const labName = process.env.PASSBENCH_BENCH_LAB ?? 'measure';
const SERVER_ADDRESS = where === 'lab' ? '10.0.2.2' : '127.0.0.1';
const PORT = 5290;

const controller = new LocalHost();
const revision = (await controller.run(['git', 'rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
const load = (await controller.readFile('/proc/loadavg')).split(' ').slice(0, 3).join(' ');
const handChildren = new Set<ReturnType<typeof spawn>>();

/** By hand: local `iperf3 -s -1`, then `ssh lab iperf3 -c 10.0.2.2 -J` (or plain iperf3 for `local`), then JSON.parse. */
async function byHand(sshArgs: string[] | undefined): Promise<number> {
  const server = spawn('iperf3', ['-s', '-1', '-p', String(PORT), '--forceflush'], { stdio: ['ignore', 'pipe', 'pipe'] });
  handChildren.add(server);
  const ended = new Promise<void>((resolve) => server.once('exit', () => { handChildren.delete(server); resolve(); }));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('Server listening')) resolve(); });
    server.once('exit', () => reject(new Error(`by-hand iperf3 server exited: ${out}`)));
  });
  const json = await new Promise<string>((resolve, reject) => {
    const client = ['iperf3', '-c', SERVER_ADDRESS, '-p', String(PORT), '-J', '-t', String(durationS), '-O', String(omitS),
      '--connect-timeout', '5000'];
    const [file, ...args] = sshArgs ? ['ssh', ...sshArgs, ...client] : client;
    execFile(file!, args, { timeout: (durationS + omitS + 60) * 1000, maxBuffer: 1 << 22 },
    (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
  const parsed = JSON.parse(json) as { error?: string; end: { sum_received: { bits_per_second: number } } };
  if (parsed.error) throw new Error(`by-hand iperf3: ${parsed.error}`);
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  return parsed.end.sum_received.bits_per_second;
}

let lab: SshHost | undefined;
try {
  let sshArgs: string[] | undefined;
  let accel = 'none';
  if (where === 'lab') {
    console.log(`booting lab "${labName}" …`);
    const { paths, state } = await labUp(controller, { name: labName, log: (l) => console.log(`  lab: ${l}`) });
    accel = state.accel;
    sshArgs = ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${paths.knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'IdentitiesOnly=yes', '-i', paths.clientKey, '-p', String(state.port), 'root@127.0.0.1', '--'];
    lab = await SshHost.connect({ address: '127.0.0.1', port: state.port, identityFile: paths.clientKey, knownHostsFile: paths.knownHosts });
  }
  const client = lab ?? controller;
  const harness = () => runIperf3(client, controller, SERVER_ADDRESS, { protocol: 'tcp', durationS, omitS, port: PORT }).then((r) => r.bitsPerSecond);

  const viaHarness: number[] = [];
  const viaHand: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? ['harness', 'hand'] as const : ['hand', 'harness'] as const;
    const got: Record<string, number> = {};
    for (const who of order) got[who] = who === 'harness' ? await harness() : await byHand(sshArgs);
    const mbit = (x: number | undefined) => `${((x ?? 0) / 1e6).toFixed(1)} Mbit/s`;
    console.log(`pair ${i + 1}/${pairs}${i === 0 ? ' (warm-up, dropped)' : ''} [${order.join(' then ')}]: harness ${mbit(got.harness)}, by hand ${mbit(got.hand)}`);
    if (i === 0) continue;
    viaHarness.push(got.harness!);
    viaHand.push(got.hand!);
  }
  const left = lab ? (await lab.run(['sh', '-c', 'pgrep -a iperf3 || true'])).stdout.trim() : '';
  const leftHere = (await controller.run(['pgrep', '-af', `iperf3 -s -1 -p ${PORT}`], { allowFailure: true })).stdout.trim();
  const mh = median(viaHarness), mm = median(viaHand);
  const span = (xs: number[]) => `${(Math.min(...xs) / 1e6).toFixed(1)}–${(Math.max(...xs) / 1e6).toFixed(1)}`;
  const pathName = lab ? `lab host → controller (${SERVER_ADDRESS}, e1000 + slirp, ${accel})` : 'controller loopback (127.0.0.1)';
  console.log(`\niperf3 TCP ${pathName}, ${durationS} s (+${omitS} s omitted) per run, `
    + `${viaHarness.length} pairs after warm-up, rev ${revision}, load ${load} at start`);
  console.log(`harness median ${(mh / 1e6).toFixed(1)} Mbit/s (range ${span(viaHarness)})`);
  console.log(`by-hand median ${(mm / 1e6).toFixed(1)} Mbit/s (range ${span(viaHand)})`);
  const [low, high] = ratioInterval(viaHarness, viaHand);
  const cv = (xs: number[]) => `${(summarize(xs).cv * 100).toFixed(1)} %`;
  console.log(`ratio harness/by-hand = ${(mh / mm).toFixed(3)}  (target ≥ 0.98) ${mh / mm >= 0.98 ? 'OK' : 'BELOW TARGET'}; `
    + `95 % bootstrap CI ${low.toFixed(3)}–${high.toFixed(3)}; median of per-pair ratios ${median(viaHarness.map((h, i) => h / viaHand[i]!)).toFixed(3)}; `
    + `run-to-run CV harness ${cv(viaHarness)}, by hand ${cv(viaHand)}`);
  console.log(`iperf3 left running: ${lab ? `lab ${left || 'none'}; ` : ''}controller ${leftHere || 'none'}`);
} finally {
  for (const child of handChildren) child.kill('SIGKILL');
  await lab?.close();
  if (where === 'lab') {
    await labDown(controller, { name: labName });
    console.log(`lab "${labName}" down`);
  }
}
