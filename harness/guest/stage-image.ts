/**
 * The guest image on the lab host: passbench's image is built on the controller
 * (vm-images/build-guest.sh), and a run boots it from a path on the lab host. With
 * `run.guest.copyFrom`, each of its files that is missing there or differs (SHA-256) is copied from
 * that folder of the controller: to a part file beside it, checked by the host's own sha256sum, then
 * renamed over the old one (a QEMU that has the old file open keeps it). Without copyFrom a missing
 * file is the config's problem (validate-host.ts), said before anything changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Pace } from '../wait/index.ts';

export interface StagedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** false: the host had it already, with this checksum. */
  copied: boolean;
}

/**
 * Per file (and per piece sent): a base for hashing it and, when copied, 10 s per MiB through SSH (a
 * floor of 0.1 MiB/s, far below any lab's link); both times the pace.
 */
const BASE_MS = 30_000;
const MS_PER_MIB = 10_000;

/** Sent in pieces of this size (a whole number of MiB): a 700 MB disk image is never held in memory whole. */
const CHUNK_BYTES = 32 << 20;

/** `files`: the image's paths on the host; `copyFrom`: the controller's folder with the same names. */
export async function stageGuestImage(host: Host, hostName: string, image: { files: readonly string[]; copyFrom: string },
  o: { pace: Pace; log: (line: string) => void; chunkBytes?: number }): Promise<StagedFile[]> {
  const from = image.copyFrom;
  const staged: StagedFile[] = [];
  for (const file of image.files) {
    const local = path.join(from, path.basename(file));
    const { sha256, bytes } = await localSha256(local).catch((error: unknown) => {
      throw new UsageError(`run.guest.copyFrom: cannot read ${local} (for ${file} on ${hostName}): ${errorMessage(error)}`, {
        remedy: `Build the guest image (vm-images/build-guest.sh), or point copyFrom at the folder that holds ${path.basename(file)}.`,
      });
    });
    const timeoutMs = (n: number) => o.pace.scaled(BASE_MS + (n / 2 ** 20) * MS_PER_MIB).ms;
    if ((await hostSha256(host, file, timeoutMs(bytes))) === sha256) {
      staged.push({ path: file, sha256, bytes, copied: false });
      continue;
    }
    o.log(`copying the guest image file ${local} (${mib(bytes)}) to ${hostName}:${file}`);
    const part = `${file}.passbench-part`;
    await host.mkdir(path.posix.dirname(file));
    try {
      await host.remove(part);
      await sendInChunks(host, local, part, o.chunkBytes ?? CHUNK_BYTES, timeoutMs);
      const got = await hostSha256(host, part, timeoutMs(bytes));
      if (got !== sha256) throw new Error(`the copy's SHA-256 is ${got ?? 'unreadable'}, the controller's ${sha256}`);
      await host.rename(part, file);
    } catch (error) {
      await host.remove(part).catch(() => undefined);
      throw new UsageError(`copying ${local} to ${hostName}:${file} failed: ${errorMessage(error)}`, {
        cause: error, remedy: `Check the space and permissions of ${path.posix.dirname(file)} on ${hostName}; nothing else was changed.`,
      });
    }
    staged.push({ path: file, sha256, bytes, copied: true });
  }
  return staged;
}

/** The controller's file, hashed as it is read. */
async function localSha256(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Writes `local` to `remote` piece by piece (dd at each piece's offset); an empty file too. */
async function sendInChunks(host: Host, local: string, remote: string, chunkBytes: number, timeoutMs: (bytes: number) => number): Promise<void> {
  if (chunkBytes <= 0 || chunkBytes % 2 ** 20 !== 0) throw new Error(`chunkBytes ${chunkBytes}: expected a whole number of MiB (dd seeks in 1M blocks)`);
  const file = await fs.open(local, 'r');
  try {
    const buffer = Buffer.alloc(chunkBytes);
    for (let offset = 0; ; offset += chunkBytes) {
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, offset);
      if (bytesRead === 0 && offset > 0) return;
      await host.run(['dd', `of=${remote}`, 'bs=1M', `seek=${offset / 2 ** 20}`, 'conv=notrunc', 'status=none'],
        { input: buffer.subarray(0, bytesRead), timeoutMs: timeoutMs(bytesRead) });
      if (bytesRead < chunkBytes) return;
    }
  } finally {
    await file.close();
  }
}

/** What the run records: "/var/lib/passbench/images/guest.initrd sha256 3f2a9c01d4e5b6a7 6.6 MiB (copied from the controller); …". */
export function describeStaged(files: readonly StagedFile[]): string {
  return files.map((f) => `${f.path} sha256 ${f.sha256.slice(0, 16)} ${mib(f.bytes)}${f.copied ? ' (copied from the controller)' : ' (already there)'}`).join('; ');
}

/** The file's SHA-256 by the host's own sha256sum; undefined when it is not there. */
async function hostSha256(host: Host, file: string, timeoutMs: number): Promise<string | undefined> {
  const result = await host.run(['sha256sum', '--', file], { allowFailure: true, timeoutMs });
  return result.exitCode === 0 ? /^([0-9a-f]{64})\s/.exec(result.stdout)?.[1] : undefined;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
