// Passthrough: the whole NIC in one guest, measured against the peer.
import { bindGroup, bootGuests, checkIommu, defineScenario, measure, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'passthrough',
  description: 'the whole NIC (and its IOMMU group) assigned to one guest: proven, then measured',
  modes: ['nic'],
  steps: [
    checkIommu(),
    bindGroup(), //  every member of the NIC's IOMMU group goes to vfio-pci, or nothing does
    bootGuests(),
    sshIn(),
    prove(),
    measure(), //    tests, repetitions and durations from the config's run: section
  ],
});
