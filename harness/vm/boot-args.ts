import { checkKernelArg, checkPath } from './qemu-values.ts';

/** How the guest boots: an ISO image, or a kernel with its initrd and command line. */
export type BootSpec =
  | { kind: 'iso'; iso: string }
  | { kind: 'kernel'; kernel: string; initrd: string; append?: readonly string[] };

export function bootArgs(boot: BootSpec): string[] {
  if (boot.kind === 'iso') return ['-cdrom', checkPath('boot.iso', boot.iso), '-boot', 'd'];
  const append = (boot.append ?? []).map((a, i) => checkKernelArg(`boot.append[${i}]`, a));
  const args = ['-kernel', checkPath('boot.kernel', boot.kernel), '-initrd', checkPath('boot.initrd', boot.initrd)];
  if (append.length > 0) args.push('-append', append.join(' '));
  return args;
}
