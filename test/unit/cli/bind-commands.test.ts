import { runCli } from '../../support/capture-cli.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { formatBindResult } from '../../../harness/cli/commands/bind.ts';
import { formatRestoreResult } from '../../../harness/cli/commands/restore.ts';
import { formatSriovResult } from '../../../harness/cli/commands/sriov.ts';
import { assignGroups } from '../../../harness/prepare/assign-group.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import { LAB, makeLab } from '../../support/sim-kernel.ts';


describe('cli bind / restore / sriov', () => {
  const roots: string[] = [];
  after(async () => { for (const r of roots) await fs.rm(r, { recursive: true, force: true }); });

  for (const [args, pattern] of [
    [['bind', '03:00.0'], /did you mean 0000:03:00\.0/],
    [['bind', '0000:03:00.0', '../../etc'], /"..\/..\/etc" is not a PCI address/],
    [['bind', '0000:03:00.0', '--journal', 'rel/j.json'], /absolute file path/],
    [['restore', '--journal', '/var/lib/../../etc/passwd'], /"\.\." part/],
    [['sriov', '0000:00:02.0', '--vfs', 'two'], /--vfs "two" is not a whole number/],
    [['sriov', '0000:00:02.0', '--vfs', '-1'], /not a whole number|unknown option/],
    [['sriov', '0000:0G:00.0', '--vfs', '1'], /not a PCI address/],
    [['bind', '0000:00:1f.3', '--with', '1f.2'], /--with "1f\.2" is not a PCI address/],
    [['doctor', '--with', '0000:00:1f.2'], /--with only means something with --device/],
  ] as const) {
    it(`${args.join(' ')}: usage error (exit 2) before touching any host`, async () => {
      const { code, stderr } = await runCli(...args);
      assert.equal(code, 2, stderr);
      if (!/unknown option/.test(stderr)) assert.match(stderr, pattern);
    });
  }

  it('formats bind, sriov and restore results for people', async () => {
    const { sim, root } = await makeLab();
    roots.push(root);
    const bound = formatBindResult(await assignGroups(sim, [LAB.behindBridge as Bdf], { probeActive: async () => [] }));
    assert.match(bound, /0000:01:00\.0 {2}e1000e -> vfio-pci {2}\(requested; driver_override\)/);
    assert.match(bound, /0000:00:01\.0 {2}left as is: PCI bridge/);
    assert.match(bound, /Undo with: passbench restore/);
    const sriov = formatSriovResult(await configureVfs(sim, LAB.pf as Bdf, 2));
    assert.match(sriov, /0000:00:12\.2 +igbvf/);
    const restored = formatRestoreResult(await restoreFromJournal(sim));
    assert.match(restored, /restored {2}0000:00:02\.0 {2}sriov_numvfs 2 -> 0/);
    assert.match(restored, /restored {2}0000:01:00\.0 {2}vfio-pci -> e1000e/);
    assert.match(formatRestoreResult(await restoreFromJournal(sim)), /nothing to restore/);
  });
});
