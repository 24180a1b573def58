// Smoke: does each configured device show up, working, inside a guest? No measurements.
// Quick enough for every commit; copy it to make your own check.
import { bindGroup, bootGuests, checkIommu, createVfs, defineScenario, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'smoke',
  description: 'each device (whole NIC, VFs, e1000, virtio-net) shows up in a guest with its driver and link',
  // Every kind of device the lab config lists for the host; each becomes one case.
  modes: ['nic', 'vf', 'e1000', 'virtio'],
  steps: [
    checkIommu(), // the device (or the VFs' PF) has an IOMMU group
    createVfs(), //  VF case only: sriov_numvfs from the config (journalled)
    bindGroup(), //  the device and its IOMMU group to vfio-pci (journalled)
    bootGuests(), // from the ISO, the device passed with -device vfio-pci,host=…
    sshIn(), //      pinned host key, with a deadline
    prove(), //      vendor:device, driver, link and address inside the guest
  ],
  // Then the host is restored from the journal, guests stopped first: always, also after a failure.
});
