/** A doctored copy of a run directory: a new run id, and some metrics' values scaled. */
import fs from 'node:fs/promises';
import path from 'node:path';

export async function doctoredCopy(from: string, to: string, o: { runId: string; factor: number; metrics: RegExp; startedAt?: string }): Promise<void> {
  await fs.mkdir(path.join(to, 'artifacts'), { recursive: true });
  const meta = JSON.parse(await fs.readFile(path.join(from, 'run.json'), 'utf8'));
  meta.runId = o.runId;
  if (o.startedAt) meta.startedAt = o.startedAt;
  await fs.writeFile(path.join(to, 'run.json'), JSON.stringify(meta));
  for (const file of ['samples.jsonl', 'checks.jsonl']) {
    const lines = (await fs.readFile(path.join(from, file), 'utf8')).split('\n').filter((l) => l !== '').map((l) => {
      const record = JSON.parse(l);
      record.runId = o.runId;
      if (file === 'samples.jsonl' && o.metrics.test(record.metric)) record.value *= o.factor;
      return JSON.stringify(record);
    });
    await fs.writeFile(path.join(to, file), lines.map((l) => `${l}\n`).join(''));
  }
}
