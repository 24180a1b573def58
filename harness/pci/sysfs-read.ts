import { HostFileError } from '../errors.ts';
import type { Host } from '../host/host.ts';

/**
 * Tolerant reads for the inventory: an attribute that is absent (old kernel, no SR-IOV, IOMMU off)
 * is `undefined`, not an error. Anything else (EACCES, EIO) still throws, so a broken read is loud.
 */
export async function readOptional(host: Host, path: string): Promise<string | undefined> {
  try {
    return (await host.readFile(path)).trim();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** `0x8086` -> `8086`; `0x020000` -> `020000` (lspci -n style, lower case, no prefix). */
export function stripHex(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.trim().toLowerCase().replace(/^0x/, '');
}

/** The last path component of a link's target (`../../../bus/pci/drivers/ixgbe` -> `ixgbe`). */
export async function readLinkName(host: Host, path: string): Promise<string | undefined> {
  try {
    const target = await host.readLink(path);
    return target.replace(/\/+$/, '').split('/').pop() || undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export async function readDirOptional(host: Host, path: string): Promise<string[]> {
  try {
    return await host.readDir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  if (!(error instanceof HostFileError)) return false;
  // readlink on a plain file is EINVAL: "not a link" reads as "no link" here.
  return error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EINVAL';
}
