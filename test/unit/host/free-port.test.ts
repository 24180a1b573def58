import assert from 'node:assert/strict';
import { listeningPorts } from '../../../harness/host/free-port.ts';

describe('listening ports from /proc/net/tcp', () => {
  it('keeps only LISTEN (0A) sockets, ports in hex', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '   1: 0F02000A:0016 0202000A:C35A 01 00000000:00000000 02:000A0000 00000000     0        0 2 1',
      '   0: 00000000000000000000000000000000:1451 00000000000000000000000000000000:0000 0A 0 0 0 0 0 3 1',
    ].join('\n');
    assert.deepEqual([...listeningPorts(text)].sort(), [22, 5201]);
  });
});
