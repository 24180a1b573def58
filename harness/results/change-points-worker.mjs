// A worker thread of parallel-change-points.ts: asks for series by index and answers each with its
// change points (stats/change-points.ts findChangePoints, the very function the main thread runs).
// Plain JavaScript because it starts before any TypeScript can load: it registers tsx first.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { findChangePoints } = await import('../stats/change-points.ts');
parentPort.on('message', (index) => {
  if (index === null) return parentPort.close();
  parentPort.postMessage({ index, points: findChangePoints(workerData.series[index], workerData.options) });
});
parentPort.postMessage({ ready: true });
