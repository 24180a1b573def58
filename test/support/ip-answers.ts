import type { RunResult } from '../../harness/host/host.ts';

/**
 * What a host's `ip -j` and $SSH_CONNECTION say, as a SimKernel `run` answer: harness/pci's
 * findActiveInterfaces then runs for real over the simulated host. Objects are `ip -j`'s own fields.
 */
export interface NetShape {
  v4Default?: object[];
  v6Default?: object[];
  addrs?: object[];
  links?: object[];
  /** `client-ip client-port server-ip server-port`, as sshd sets it. */
  sshConnection?: string;
  /** `ip -j route get ADDRESS` answers, by address. */
  routeGet?: Record<string, object[]>;
}

export function ipRunner(shape: NetShape): (argv: readonly string[]) => RunResult {
  const answers: Record<string, string> = {
    'ip -j route show default': JSON.stringify(shape.v4Default ?? []),
    'ip -j -6 route show default': JSON.stringify(shape.v6Default ?? []),
    'ip -j addr show': JSON.stringify(shape.addrs ?? []),
    'ip -j -d link show': JSON.stringify(shape.links ?? []),
    'sh -c printf %s "$SSH_CONNECTION"': shape.sshConnection ?? '',
  };
  for (const [address, routes] of Object.entries(shape.routeGet ?? {})) answers[`ip -j route get ${address}`] = JSON.stringify(routes);
  return (argv) => {
    const stdout = answers[argv.join(' ')];
    if (stdout === undefined) return { argv, exitCode: 2, stdout: '', stderr: `not simulated: ${argv.join(' ')}`, durationMs: 0 };
    return { argv, exitCode: 0, stdout, stderr: '', durationMs: 0 };
  };
}
