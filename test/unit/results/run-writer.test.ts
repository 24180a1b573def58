import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openRunWriter, readRunDir } from '../../../harness/results/run-writer.ts';
import { fakeMeta, fakeSamples, writeFakeRun } from '../../support/fake-run.ts';

describe('run writer and reader', () => {
  let root: string;
  beforeEach(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-run-')); });
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('writes run.json at once, appends samples and checks as they come, and reads them back', async () => {
    const meta = fakeMeta({ runId: 'r1' });
    const writer = await openRunWriter(root, meta);
    const running = JSON.parse(await fs.readFile(path.join(root, 'run.json'), 'utf8'));
    assert.equal(running.status, 'running');
    const [first, second] = fakeSamples({ runId: 'r1' });
    await writer.appendSample(first!);
    // On disk before the run ends: a crash now keeps it.
    assert.equal((await fs.readFile(path.join(root, 'samples.jsonl'), 'utf8')).trim().split('\n').length, 1);
    await writer.appendSample(second!);
    await writer.appendCheck({ schema: 1, runId: 'r1', host: 'lab1', name: 'host-restored', status: 'pass', message: 'ok', at: meta.startedAt });
    assert.equal(writer.artifactPath('serial-vf0.log'), path.join(root, 'artifacts', 'serial-vf0.log'));
    assert.throws(() => writer.artifactPath('../run.json'), /plain file name/);
    const done = await writer.finish('failed', 'guest vf0 did not boot\nmore');
    assert.equal(done.error, 'guest vf0 did not boot');
    const back = await readRunDir(root);
    assert.equal(back.meta.status, 'failed');
    assert.ok(back.meta.endedAt);
    assert.deepEqual(back.samples, [first, second]);
    assert.equal(back.checks.length, 1);
    assert.deepEqual((await fs.readdir(root)).sort(), ['artifacts', 'checks.jsonl', 'run.json', 'samples.jsonl']);
  });

  it('serializes concurrent appends into whole lines', async () => {
    const writer = await openRunWriter(root, fakeMeta({ runId: 'r2' }));
    const samples = fakeSamples({ runId: 'r2', modes: ['nic'] });
    await Promise.all(samples.map((s) => writer.appendSample(s)));
    await writer.finish('passed');
    assert.equal((await readRunDir(root)).samples.length, samples.length);
  });

  it('refuses a sample that breaks the schema or belongs to another run, naming it', async () => {
    const writer = await openRunWriter(root, fakeMeta({ runId: 'r3' }));
    const [s] = fakeSamples({ runId: 'r3' });
    await assert.rejects(writer.appendSample({ ...s!, value: Number.NaN }), /sample tcp\.tx\.throughput#0 .*value/);
    await assert.rejects(writer.appendSample({ ...s!, runId: 'other' }), /belongs to run other, this writer writes run r3/);
    await writer.finish('passed');
    await assert.rejects(writer.appendSample(s!), /after finish/);
  });

  it('refuses to open a run directory twice', async () => {
    await (await openRunWriter(root, fakeMeta({ runId: 'r4' }))).finish('passed');
    await assert.rejects(openRunWriter(root, fakeMeta({ runId: 'r4' })), /run\.json: already exists/);
  });

  it('refuses an unknown schema version with the file and line', async () => {
    await writeFakeRun(root, { runId: 'r5', modes: ['nic'] });
    const file = path.join(root, 'samples.jsonl');
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"schema":1', '"schema":2');
    await fs.writeFile(file, lines.join('\n'));
    await assert.rejects(readRunDir(root), (e: Error) => e.message.includes(`${file}:3: schema version 2 is not known (this passbench reads version 1)`));
  });

  it('names the file, line and field of an invalid record', async () => {
    await writeFakeRun(root, { runId: 'r6', modes: ['nic'] });
    await fs.appendFile(path.join(root, 'checks.jsonl'), '{"schema":1,"runId":"r6","host":"lab1","name":"x","status":"maybe","message":"","at":"2026-01-01T00:00:00Z"}\n');
    await assert.rejects(readRunDir(root), /checks\.jsonl:3: does not match the result schema: status/);
    await fs.writeFile(path.join(root, 'checks.jsonl'), '{"schema":1,"runId":"r6"}\n');
    // A record missing everything: the first fields, how many more, and what to do.
    await assert.rejects(readRunDir(root), (e: Error & { remedy?: string }) =>
      /checks\.jsonl:1: does not match the result schema: host: [^;]+; name: [^;]+; status: [^;]+; and \d+ more$/.test(e.message)
      && /restore the file from the run that wrote it/.test(e.remedy ?? ''));
    await fs.appendFile(path.join(root, 'samples.jsonl'), '{"schema":1,"runId"\n');
    await assert.rejects(readRunDir(root), /samples\.jsonl:\d+: not valid JSON/);
  });

  it('keeps every whole line of a run cut short by a crash, and says the last one was dropped', async () => {
    await writeFakeRun(root, { runId: 'r7', modes: ['nic'], repetitions: 2, warmups: 0 });
    const file = path.join(root, 'samples.jsonl');
    await fs.appendFile(file, '{"schema":1,"runId":"r7","host":"la');
    const back = await readRunDir(root);
    assert.equal(back.samples.length, 10 * 2);
    assert.deepEqual(back.warnings, [`${file}:21: last line cut short (35 bytes without a newline), dropped`]);
    // A bad line in the middle is not a torn write: refused.
    await fs.appendFile(file, '\n{"schema":1}\n');
    await assert.rejects(readRunDir(root), /samples\.jsonl:21: not valid JSON/);
  });

  it('says what a directory without run.json is', async () => {
    await assert.rejects(readRunDir(root), /run\.json: cannot be read: there is no such file or folder/);
  });
});
