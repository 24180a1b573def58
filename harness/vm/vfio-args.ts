import type { Bdf } from '../pci/bdf.ts';
import { checkPath } from './qemu-values.ts';

/** A host PCI function handed to the guest. */
export interface VfioDeviceSpec {
  /** Parsed with parseBdf: the type guarantees `DDDD:BB:DD.F`. */
  host: Bdf;
  /** Option ROM: '' for none (VFs and NICs whose ROM is not wanted), a path for a file, unset for the device's own. */
  romfile?: string;
}

/** `-device vfio-pci,host=…,id=hostdevN` for each device, in order. */
export function vfioArgs(devices: readonly VfioDeviceSpec[]): string[] {
  return devices.flatMap((d, i) => {
    const parts = ['vfio-pci', `host=${d.host}`, `id=hostdev${i}`];
    if (d.romfile !== undefined) parts.push(`romfile=${d.romfile === '' ? '' : checkPath(`vfio[${i}].romfile`, d.romfile)}`);
    return ['-device', parts.join(',')];
  });
}
