import { checkKernelArg, checkPath } from './qemu-values.ts';

/**
 * How the guest boots: an ISO image, its first disk (the image's own boot loader, as a cloud image
 * has it), or a kernel with its initrd and command line. A kernel boot may
 * use qboot instead of SeaBIOS (`-bios qboot.rom`, shipped with QEMU): a minimal firmware that loads
 * the kernel and hands over, about 4 s faster than SeaBIOS in a nested TCG guest. An ISO needs
 * SeaBIOS (qboot cannot boot a CD).
 */
export type BootSpec =
  | { kind: 'iso'; iso: string }
  | { kind: 'disk' }
  | { kind: 'kernel'; kernel: string; initrd: string; append?: readonly string[]; firmware?: 'seabios' | 'qboot' };

export function bootArgs(boot: BootSpec): string[] {
  if (boot.kind === 'iso') return ['-cdrom', checkPath('boot.iso', boot.iso), '-boot', 'd'];
  if (boot.kind === 'disk') return ['-boot', 'c'];
  const append = (boot.append ?? []).map((a, i) => checkKernelArg(`boot.append[${i}]`, a));
  const args = boot.firmware === 'qboot' ? ['-bios', 'qboot.rom'] : [];
  args.push('-kernel', checkPath('boot.kernel', boot.kernel), '-initrd', checkPath('boot.initrd', boot.initrd));
  if (append.length > 0) args.push('-append', append.join(' '));
  return args;
}
