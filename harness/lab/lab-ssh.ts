import { SshHost } from '../host/ssh-host.ts';
import type { LabPaths, LabState } from './lab-up.ts';

/** The running lab host as an SshHost (pinned host key from this boot's known_hosts). */
export function connectLab(paths: LabPaths, state: LabState): Promise<SshHost> {
  return SshHost.connect({
    address: '127.0.0.1', port: state.port, user: 'root',
    identityFile: paths.clientKey, knownHostsFile: paths.knownHosts,
  });
}
