import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../../harness/errors.ts';
import { readIdentity } from '../../../harness/host/ssh-credentials.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

describe('host/ssh-credentials: the identity file', () => {
  async function keyWithMode(mode: number): Promise<string> {
    const file = path.join(await tempDir('passbench-identity-'), 'id_ed25519');
    await fs.writeFile(file, KEY);
    await fs.chmod(file, mode);
    return file;
  }

  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o620, 0o601]) {
    it(`refuses a key of our own with mode ${mode.toString(8)} (group or others may use it), as OpenSSH does, with chmod 600`, async () => {
      const file = await keyWithMode(mode);
      await assert.rejects(readIdentity(file, 'lab1'), (e: unknown) =>
        e instanceof UsageError && e.message.includes(file) && e.message.includes(`0${mode.toString(8)}`)
        && e.remedy !== undefined && e.remedy.includes(`chmod 600 ${file}`));
    });
  }

  for (const mode of [0o600, 0o400]) {
    it(`reads a key with mode ${mode.toString(8)}`, async () => {
      assert.equal((await readIdentity(await keyWithMode(mode), 'lab1')).toString(), KEY);
    });
  }
});
