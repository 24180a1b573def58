import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import type { Host, RunOptions } from '../../../harness/host/host.ts';
import { describeStaged, stageGuestImage } from '../../../harness/guest/stage-image.ts';
import { Pace } from '../../../harness/wait/index.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('guest/stage-image: the guest image reaches the lab host, checksummed (issue 13, point 6)', () => {
  let dir: string;
  let from: string;
  let to: string;
  const lines: string[] = [];
  const o = { pace: Pace.neutral(), log: (l: string) => lines.push(l) };
  const guest = () => ({ files: [`${to}/guest.vmlinux`, `${to}/guest.initrd`], copyFrom: from });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-stage-'));
    from = path.join(dir, 'controller');
    to = path.join(dir, 'host/var/lib/passbench');
    await fs.mkdir(from);
    await fs.writeFile(path.join(from, 'guest.vmlinux'), Buffer.alloc(3 << 20, 7));
    await fs.writeFile(path.join(from, 'guest.initrd'), 'initrd v1');
    lines.length = 0;
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('copies what the host lacks, then finds it there; a changed file is copied again', async () => {
    const host = new LocalHost();
    const first = await stageGuestImage(host, 'lab1', guest(), o);
    assert.deepEqual(first.map((f) => [path.basename(f.path), f.copied, f.bytes]), [['guest.vmlinux', true, 3 << 20], ['guest.initrd', true, 9]]);
    assert.equal(sha(await fs.readFile(`${to}/guest.vmlinux`)), first[0]!.sha256);
    assert.deepEqual((await fs.readdir(to)).sort(), ['guest.initrd', 'guest.vmlinux'], 'no part file left');
    assert.match(lines[0]!, /copying the guest image file .*guest\.vmlinux \(3\.0 MiB\) to lab1:.*guest\.vmlinux/);

    const again = await stageGuestImage(host, 'lab1', guest(), o);
    assert.deepEqual(again.map((f) => f.copied), [false, false]);
    assert.match(describeStaged(again), /guest\.initrd sha256 [0-9a-f]{16} 0\.0 MiB \(already there\)/);

    await fs.writeFile(path.join(from, 'guest.initrd'), 'initrd v2');
    const third = await stageGuestImage(host, 'lab1', guest(), o);
    assert.deepEqual(third.map((f) => f.copied), [false, true]);
    assert.equal(await fs.readFile(`${to}/guest.initrd`, 'utf8'), 'initrd v2');
  });

  it('sends a file in pieces (never whole in memory), byte for byte, and an empty file too', async () => {
    const big = Buffer.alloc((3 << 20) + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 20)) & 0xff;
    await fs.writeFile(path.join(from, 'guest.vmlinux'), big);
    await fs.writeFile(path.join(from, 'guest.initrd'), '');
    const local = new LocalHost();
    const dds: string[][] = [];
    const counting: Host = Object.assign(Object.create(local) as Host, {
      run: (argv: readonly string[], opts?: RunOptions) => {
        if (argv[0] === 'dd') dds.push([argv.find((a) => a.startsWith('seek='))!, String((opts?.input as Uint8Array).length)]);
        return local.run(argv, opts);
      },
    });
    const staged = await stageGuestImage(counting, 'lab1', guest(), { ...o, chunkBytes: 1 << 20 });
    assert.deepEqual(staged.map((f) => f.copied), [true, true]);
    assert.deepEqual(dds, [['seek=0', String(1 << 20)], ['seek=1', String(1 << 20)], ['seek=2', String(1 << 20)], ['seek=3', '5'], ['seek=0', '0']]);
    assert.equal(sha(await fs.readFile(`${to}/guest.vmlinux`)), sha(big));
    assert.equal((await fs.stat(`${to}/guest.initrd`)).size, 0);
  });

  it('a copy that arrives different is removed and the host keeps its old file', async () => {
    await fs.mkdir(to, { recursive: true });
    await fs.writeFile(`${to}/guest.vmlinux`, 'old kernel');
    const local = new LocalHost();
    // A link that flips a byte on the way.
    const lossy: Host = Object.assign(Object.create(local) as Host, {
      run: (argv: readonly string[], opts?: RunOptions) => local.run(argv, argv[0] === 'dd' && opts?.input instanceof Uint8Array
        ? { ...opts, input: Buffer.concat([Buffer.from([1]), Buffer.from(opts.input).subarray(1)]) } : opts),
    });
    await assert.rejects(stageGuestImage(lossy, 'lab1', guest(), o), (e: unknown) => e instanceof UsageError
      && /copying .*guest\.vmlinux to lab1:.*guest\.vmlinux failed: the copy's SHA-256 is [0-9a-f]{64}, the controller's [0-9a-f]{64}/.test(e.message));
    assert.equal(await fs.readFile(`${to}/guest.vmlinux`, 'utf8'), 'old kernel');
    assert.deepEqual(await fs.readdir(to), ['guest.vmlinux']);
  });

  it('a file missing from copyFrom is a usage error naming both paths', async () => {
    await fs.rm(path.join(from, 'guest.initrd'));
    await assert.rejects(stageGuestImage(new LocalHost(), 'lab1', guest(), o), (e: unknown) => e instanceof UsageError
      && e.message.includes(`run.guest.copyFrom: cannot read ${from}/guest.initrd (for ${to}/guest.initrd on lab1)`));
  });
});
