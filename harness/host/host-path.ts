import { randomBytes } from 'node:crypto';

/**
 * Paths on a lab host that come from config or the command line (a journal folder, a guest
 * image) reach sysfs-adjacent files and QEMU's argv, so they are plain: absolute, a small set of
 * characters, no ".." part. One check, one wording, wherever such a path is given.
 */
const PLAIN = /^[A-Za-z0-9._+/-]+$/;

/** What is wrong with `value` as an absolute path on a lab host, or undefined when nothing is. */
export function hostPathProblem(value: string, kind: 'file' | 'folder'): string | undefined {
  if (!value.startsWith('/')) return 'it is not absolute (it must start with "/")';
  if (!PLAIN.test(value)) return 'it has characters other than letters, digits and . _ + - /';
  if (value.split('/').includes('..')) return 'it has a ".." part (give the path it means)';
  if (value.split('/').includes('.') || value.includes('//')) return 'it has a "." or empty part (write it without "/./" or "//")';
  if (kind === 'file' && value.endsWith('/')) return 'it ends with "/", so it names a folder, not a file';
  if (value === '/') return 'it is the root folder itself';
  return undefined;
}

/**
 * The temp file that replaces `file` (Host.replaceFile): beside it, so the rename stays on one
 * filesystem, and a name of this writer's own (with one fixed name, two writers renamed each
 * other's halves).
 */
export function replacementTemp(file: string): string {
  return `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}
