/**
 * Virtual lab host boot: QEMU start → SSH ready, over several boots (the first is a warm-up:
 * it pays the cold page-in of the 9p-shared /usr). Prints median, min, max and the revision.
 *   npx tsx bench/lab-boot.ts [boots=4]
 */
import { LocalHost } from '../harness/host/local-host.ts';
import { labDown, labUp } from '../harness/lab/lab-up.ts';
import { median } from '../harness/stats/descriptive.ts';

const boots = Number(process.argv[2] ?? 4);
const host = new LocalHost();
const revision = (await host.run(['git', 'rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
const load = (await host.readFile('/proc/loadavg')).split(' ')[0];
const sshReady: number[] = [];
let accel = '';

for (let i = 0; i < boots; i++) {
  try {
    const { state } = await labUp(host, { name: 'bench' });
    accel = state.accel;
    if (i > 0) sshReady.push(state.sshReadyMs / 1000);
    console.log(`boot ${i + 1}/${boots}${i === 0 ? ' (warm-up)' : ''}: SSH ready after ${(state.sshReadyMs / 1000).toFixed(1)} s`);
  } finally {
    await labDown(host, { name: 'bench' });
  }
}
const fmt = (n: number) => `${n.toFixed(1)} s`;
console.log(`\nlab host start → SSH ready (${accel}, ${sshReady.length} boots after warm-up, rev ${revision}, load ${load} at start)`);
console.log(`median ${fmt(median(sshReady))}  min ${fmt(Math.min(...sshReady))}  max ${fmt(Math.max(...sshReady))}  target ≤ 8 s (issue 10)`);
