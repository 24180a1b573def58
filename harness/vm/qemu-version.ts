/**
 * The version from `qemu-system-x86_64 --version`'s first line, without its "QEMU emulator version"
 * prefix: "10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)". History filters match it by prefix
 * (`qemu=10.0`), so it must start with the number.
 */
export function qemuVersion(versionOutput: string): string {
  const first = versionOutput.split('\n')[0]?.trim() ?? '';
  return first.replace(/^QEMU emulator version\s+/i, '');
}
