import { stringify } from 'yaml';
import { TRAFFIC_HOST_ADDRESS, type StartedTrafficHost } from './traffic-host.ts';
import type { GuestImages } from '../guest/guest.ts';

/**
 * The lab config in the shape harness/config/scenario-config.ts reads: the host and, when known,
 * run.accel and run.guest: the nested-guest image (vmlinux + initrd: PVH boot, the fast one), so a
 * selection such as scenarios/virtual-lab.yaml names no hash-named image path. The ISO of the same
 * build is written as a comment (one boot method per image; `guest: { iso: … }` boots through SeaBIOS).
 */
export function labConfigYaml(name: string, port: number, identityFile: string, hostKeyLine: string,
  run?: { accel: 'kvm' | 'tcg'; guest: GuestImages }, traffic?: Pick<StartedTrafficHost, 'port' | 'identityFile' | 'hostKey'>): string {
  const hosts: Record<string, object> = { [name]: { address: '127.0.0.1', port, user: 'root', identityFile, hostKey: hostKeyLine } };
  if (traffic) hosts[trafficHostName(name)] = { role: 'peer', address: '127.0.0.1', port: traffic.port, user: 'root', identityFile: traffic.identityFile, hostKey: traffic.hostKey };
  if (!run) return stringify({ hosts });
  const g = run.guest;
  const peer = traffic ? { peer: { host: trafficHostName(name), address: TRAFFIC_HOST_ADDRESS } } : {};
  return stringify({ hosts, run: { accel: run.accel, guest: { kernel: g.vmlinux ?? g.kernel, initrd: g.initrd }, ...peer } })
    + `# the same guest from its ISO (slower, SeaBIOS): guest: { iso: ${g.iso} }\n`
    + (traffic ? `# a peer port on the lab host itself instead of the traffic host: peer: { address: 10.0.3.10 }\n` : '');
}

/** The lab's traffic host in lab.yaml: `<lab name>-traffic`. */
export const trafficHostName = (lab: string): string => `${lab}-traffic`;
