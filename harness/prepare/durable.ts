import type { Host } from '../host/host.ts';

/**
 * fsync(2) of files and folders through the host, so a journal entry is on disk before the sysfs
 * write it announces (a host that crashes right after the write must not come back with the
 * journal missing the step). A host without the primitive (a test double holding no real files)
 * has nothing to flush.
 */
export async function syncToDisk(host: Host, paths: readonly string[]): Promise<void> {
  if (host.sync) await host.sync(paths);
}
