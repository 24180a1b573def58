// The baseline: a guest with an emulated e1000 (no passthrough), measured the same way.
// Every passthrough figure is compared with this one.
import { bootGuests, defineScenario, measure, prove, sshIn } from '../harness/scenario/index.ts';

export default defineScenario({
  name: 'e1000-baseline',
  description: 'an emulated e1000 guest, measured against the same peer as the passthrough modes',
  modes: ['e1000'],
  steps: [
    bootGuests(), // nothing on the host changes: no binding, no VFs
    sshIn(),
    prove(), //      8086:100e on e1000
    measure(),
  ],
});
