// SR-IOV: N virtual functions, one guest per VF, all guests running at the same time.
// N is `count` of the host's `{ mode: vf, pf: …, count: N }` device in the lab config.
import { bindGroup, bootGuests, checkIommu, createVfs, defineScenario, measure, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'sriov',
  description: 'N VFs of the PF, one guest per VF, all at once: each proven, each measured',
  modes: ['vf'],
  steps: [
    checkIommu(), // the PF's group (each VF gets its own once created)
    createVfs(),
    bindGroup(), //  every VF to vfio-pci
    bootGuests(), // all VF guests boot together and stay up until the case ends
    sshIn(),
    prove(), //      8086:10ed on ixgbevf for an 82599 (8086:10ca on igbvf in the virtual lab)
    measure(), //    one guest after the other, while all of them run
  ],
});
