import assert from 'node:assert/strict';
import { bootEndedWithoutCloudInit, diagnoseNoSsh } from '../../../harness/guest/disk-guest.ts';

const login = { user: 'debian', identityFile: '/k', hostKey: 'ssh-ed25519 AAAA' };
const boot = '[    0.000000] Kernel command line: root=/dev/vda rw console=ttyS0 net.ifnames=0 cloud-init=disabled\n';
const sshFailed = '[\x1b[0;1;31mFAILED\x1b[0m] Failed to start \x1b[0;1;39mssh.servic…\x1b[0m - OpenBSD Secure Shell server.\n';
const cloudInit = '[   36.8] cloud-init[488]: Cloud-init v. 22.4.2 finished at Fri, 04 Dec 2026. Datasource DataSourceNoCloud [seed=/dev/vdb]\n';

describe('guest/disk-guest: why a disk image never let passbench in, named from its console (issue 14)', () => {
  it('an image without cloud-init under login: cloud-init: it lacks cloud-init, even with cloud-init=disabled on its command line', () => {
    const d = diagnoseNoSsh(boot + sshFailed, 'cloud-init');
    assert.match(d.problem, /^the image lacks cloud-init: it never ran/);
    assert.match(d.remedy, /run\.guest\.login: \{ user, identityFile, hostKey \}/);
  });

  it('cloud-init that found no seed, sshd that failed, no sshd at all, an empty console, a panic', () => {
    assert.match(diagnoseNoSsh('[ 20.1] cloud-init[300]: Cloud-init v. 22.4.2 ... Datasource DataSourceNone.\n', 'cloud-init').problem, /did not find the seed/);
    assert.match(diagnoseNoSsh(boot + sshFailed, login).problem, /its SSH server failed to start/);
    assert.match(diagnoseNoSsh(boot + 'debian login: ', login).problem, /lacks an SSH server/);
    assert.match(diagnoseNoSsh('', 'cloud-init').remedy, /console=ttyS0/);
    assert.match(diagnoseNoSsh('[ 1.2] VFS: Unable to mount root fs on unknown-block(0,0)\n', 'cloud-init').problem, /panicked/);
  });

  it('a cloud-init stage that failed: its error line', () => {
    const console = `${cloudInit}[  642.3] cloud-init[338]: failed run of stage init-local
[  642.6] cloud-init[338]: Traceback (most recent call last):
[  643.3] cloud-init[338]:     raise RuntimeError(msg)
[  643.4] cloud-init[338]: RuntimeError: Not all expected physical devices present: {41135050829}
`;
    assert.equal(diagnoseNoSsh(console, 'cloud-init').problem, 'cloud-init failed: RuntimeError: Not all expected physical devices present: {41135050829}');
  });

  it('an image that did everything right but refused the key: says to check the login', () => {
    const d = diagnoseNoSsh(cloudInit + '[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\n', login);
    assert.match(d.problem, /SSH never accepted passbench's key/);
    assert.match(d.remedy, /hostKey is the image's own host key/);
  });

  it('gives up early only on a boot that reached its login prompt with no cloud-init run', () => {
    assert.equal(bootEndedWithoutCloudInit(boot + sshFailed + '\r\nnocloud login: '), true);
    assert.equal(bootEndedWithoutCloudInit(boot + sshFailed), false, 'still booting');
    assert.equal(bootEndedWithoutCloudInit(boot + cloudInit + 'debian login: '), false, 'cloud-init ran: its seed may still let passbench in');
  });
});
