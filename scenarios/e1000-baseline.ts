// The baselines: a guest with an emulated e1000, and one with virtio-net (no passthrough), each
// measured the same way. Every passthrough figure is compared with them.
import { bootGuests, defineScenario, measure, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'e1000-baseline',
  description: 'the emulated e1000 and virtio-net guests, measured against the same peer as the passthrough modes',
  modes: ['e1000', 'virtio'],
  steps: [
    bootGuests(), // nothing on the host changes: no binding, no VFs
    sshIn(),
    prove(), //      8086:100e on e1000; virtio device 1af4:0001 on virtio_net
    measure(),
  ],
});
