import { HOST_NAME, loadLabConfig } from '../config/lab-config.ts';
import { UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { openHost, type HostOptions } from './host-option.ts';

/**
 * How the host-changing commands (bind, sriov, restore) open their host: openHost (this machine, a
 * lab host over SSH), never a traffic peer. Tests that drive the whole CLI
 * (test/support/capture-cli.ts) swap in a simulated kernel here.
 */
type Opener = (options: HostOptions) => Promise<Host>;

let opener: Opener = (options) => openHost(options);

export async function openCommandHost(options: HostOptions): Promise<Host> {
  await refuseTrafficPeer(options);
  return opener(options);
}

/** A traffic peer (role: peer) only sends and receives a run's traffic: nothing binds, makes VFs on or restores it. */
async function refuseTrafficPeer(options: HostOptions): Promise<void> {
  if (options.host === undefined || options.lab === undefined || !HOST_NAME.test(options.host)) return;
  const config = await loadLabConfig(options.lab);
  if (config.hosts[options.host]?.role !== 'peer') return;
  throw new UsageError(`--host ${options.host} is a traffic peer (role: peer in ${options.lab}): passbench never changes it`, {
    remedy: `Name a host under test, or set hosts.${options.host}.role: test in ${options.lab} if it is one.`,
  });
}

/** Replaces the opener until the returned function is called. */
export function useHostOpener(replacement: Opener): () => void {
  const previous = opener;
  opener = replacement;
  return () => { opener = previous; };
}
