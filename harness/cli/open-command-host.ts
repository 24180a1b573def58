import type { Host } from '../host/host.ts';
import { openHost, type HostOptions } from './host-option.ts';

/**
 * How host commands open their host: openHost (this machine, a lab host over SSH). Tests that
 * drive the whole CLI (test/support/capture-cli.ts) swap in a simulated kernel here.
 */
type Opener = (options: HostOptions) => Promise<Host>;

let opener: Opener = (options) => openHost(options);

export function openCommandHost(options: HostOptions): Promise<Host> {
  return opener(options);
}

/** Replaces the opener until the returned function is called. */
export function useHostOpener(replacement: Opener): () => void {
  const previous = opener;
  opener = replacement;
  return () => { opener = previous; };
}
