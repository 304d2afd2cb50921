// Benchmark helper (not a test): a worker thread of tests/bench/viewer-bench.mjs holding a share
// of the viewers of the room-broadcast measurement, so that parsing 10,000 messages per event is
// spread over the cores instead of being the single client thread's queue (which bounded the
// measured spread). Arrival times come from process.hrtime.bigint(), one monotonic clock for all
// worker threads of the process (performance.now() has a different origin in each worker).
// Messages from the parent: {join}, {report}, {close}; workerData: {port, count, streamKey}.
import { parentPort, workerData } from 'node:worker_threads';
import { burst, closeAll } from '../e2e/lib/viewers.mjs';

const { port, count, streamKey } = workerData;
const clock = () => Number(process.hrtime.bigint()) / 1e6;
const arrivals = new Map(); // segmentCount -> [ms]
const r = await burst(port, count, { timeoutMs: 120000, clock });
for (const v of r.viewers) {
  v.keepEvents = false;
  v.onEvent = (name, payload, at) => {
    if (name !== 'stream-segments-updated') return;
    if (!arrivals.has(payload.segmentCount)) arrivals.set(payload.segmentCount, []);
    arrivals.get(payload.segmentCount).push(at);
  };
}
parentPort.postMessage({ type: 'connected', viewers: r.viewers.length, failures: r.failures.length, ms: r.ms });
parentPort.on('message', async (message) => {
  if (message === 'join') {
    for (const v of r.viewers) v.join(streamKey);
  } else if (message === 'report') {
    parentPort.postMessage({ type: 'report', arrivals: [...arrivals.entries()] });
  } else if (message === 'close') {
    await closeAll(r.viewers);
    parentPort.close();
  }
});
