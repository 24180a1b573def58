/**
 * Stand-alone entry until `passbench lab` (harness/cli/commands/lab.ts) is wired to it:
 *   npx tsx harness/lab/lab-cli.ts up|status|down [name]
 */
import { LocalHost } from '../host/local-host.ts';
import { labDown, labStatus, labUp } from './lab-up.ts';

const [cmd, name] = process.argv.slice(2);
const host = new LocalHost();
const log = (l: string) => console.error(`lab: ${l}`);
try {
  if (cmd === 'up') {
    const accel = process.env.PASSBENCH_LAB_ACCEL as 'auto' | 'kvm' | 'tcg' | undefined;
    const { paths, state } = await labUp(host, { name, log, accel });
    console.log(JSON.stringify({ config: paths.config, port: state.port, pid: state.pid, accel: state.accel, sshReadyMs: state.sshReadyMs }));
  } else if (cmd === 'status') {
    const s = await labStatus(host, { name });
    console.log(JSON.stringify(s.running ? { running: true, pid: s.pid, sshOk: s.sshOk, config: s.config, accel: s.state?.accel } : s));
    process.exitCode = s.running && s.sshOk ? 0 : 1;
  } else if (cmd === 'down') {
    console.log(JSON.stringify({ stopped: await labDown(host, { name }) }));
  } else {
    console.error('usage: lab-cli.ts up|status|down [name]');
    process.exitCode = 2;
  }
} catch (e) {
  console.error(e instanceof Error ? `${e.message}${'remedy' in e && e.remedy ? `\nremedy: ${String(e.remedy)}` : ''}` : e);
  process.exitCode = 1;
}
