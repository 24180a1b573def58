// Nightly: the whole matrix on every lab host: whole NIC, VFs and the emulated baselines (e1000,
// virtio-net), each proven and measured, then judged against the last good nights (the report shows
// the baselines beside each mode).
// `passbench run nightly --lab lab.yaml` runs it on all hosts of the lab config at once.
import { bindGroup, bootGuests, checkIommu, createVfs, defineScenario, measure, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'nightly',
  description: 'whole NIC, SR-IOV VFs and the e1000 and virtio-net baselines on every host, measured and compared',
  // One case per configured device, in this order of the host's devices list; cases on a host run
  // one after another (the NIC and its VFs cannot be in guests at the same time), hosts in parallel.
  modes: ['nic', 'vf', 'e1000', 'virtio'],
  steps: [
    checkIommu(), //  1. the IOMMU is on and the device has a group       (nic, vf)
    createVfs(), //   2. sriov_numvfs = count, journalled                   (vf)
    bindGroup(), //   3. the group to vfio-pci, journalled                  (nic, vf)
    bootGuests(), //  4. boot from the ISO with the device (or the emulated NIC)
    sshIn(), //       5. SSH in, host key pinned
    prove(), //       6. vendor:device, driver, link, address in the guest
    measure(), //     7. TCP/UDP throughput, latency, HTTP; each sample stored at once
  ],
  // 8. after all hosts: reports, and a regression of the night (a gating metric against its
  //    baseline nights, run.baseline / run.gate in the config) fails the run (exit 1).
  compare: { against: ['previous'] },
});
