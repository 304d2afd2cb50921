// Viewer scale on one studio (issue 15), against the real binary with raw Engine.IO viewers
// (lib/viewers.mjs): a burst of 3,000 Socket.IO connections all succeed while /health keeps
// answering; 2,000 viewers in the test pattern's room each receive every stream-segments-updated
// and answer pings without one being dropped; out of descriptors (`ulimit -n 256`) the studio
// keeps serving the open connections, rests instead of spinning, and accepts again once they close.
// Needs many descriptors in this process too: ctest runs it under `ulimit -n <hard limit>`.
//   node --test tests/e2e/scale.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, httpGet, sleep, waitFor } from './lib/util.mjs';
import { startStudio } from './lib/studio.mjs';
import { waitHealthy } from './lib/socketio.mjs';
import { burst, closeAll, cpuSeconds, openViewer } from './lib/viewers.mjs';

const log = (m) => console.log(`# ${m}`);
const manyClients = ['--max-clients-per-ip', '20000', '--max-clients', '20000', '--max-viewers', '20000'];

async function health(origin, timeoutMs = 30000) {
  const r = await httpGet(`${origin}/health`, { timeoutMs });
  return { status: r.status, json: r.status === 200 ? JSON.parse(r.text) : null };
}

describe('a burst of 3,000 Socket.IO connections', () => {
  test('all connect, and /health answers while they do', async () => {
    const tmp = tempDir();
    const studio = await startStudio({ dataDir: tmp.dir, source: 'none', extraArgs: manyClients, waitReady: false });
    await waitHealthy(studio);
    let viewers = [];
    try {
      const before = await health(studio.origin);
      assert.equal(before.status, 200);
      assert.ok(before.json.fileDescriptorLimit >= 3000 + 256,
        `the soft descriptor limit was raised: ${JSON.stringify(before.json)}`);
      assert.ok(before.json.listenBacklog >= 128, `listen backlog: ${before.json.listenBacklog}`);

      // /health polled back to back during the burst: every answer must be a 200.
      const answers = [];
      let isBursting = true;
      const poller = (async () => {
        while (isBursting) {
          const startedDuringBurst = isBursting;
          try {
            answers.push({ ...(await health(studio.origin)), startedDuringBurst });
          } catch (e) {
            answers.push({ status: `error: ${e.message}`, startedDuringBurst });
          }
          await sleep(100);
        }
      })();
      const result = await burst(studio.port, 3000, { timeoutMs: 90000 });
      isBursting = false;
      await poller;
      viewers = result.viewers;
      log(`3000 connections in ${Math.round(result.ms)} ms; /health answered ${answers.length} times meanwhile`);
      assert.equal(result.failures.length, 0,
        `failed connections: ${[...new Set(result.failures.map((e) => e.message))].join('; ')}`);
      assert.ok(answers.some((a) => a.startedDuringBurst), 'no /health request during the burst');
      assert.deepEqual(answers.filter((a) => a.status !== 200), [], '/health failed during the burst');
      const after = await health(studio.origin);
      assert.equal(after.status, 200);
    } finally {
      await closeAll(viewers);
      await studio.stop();
      tmp.cleanup();
    }
  });
});

describe('2,000 viewers in one live room', () => {
  test('each receives every segment update and none is dropped by ping timeouts', async () => {
    const tmp = tempDir();
    const studio = await startStudio({ dataDir: tmp.dir, ladder: '360p', extraArgs: manyClients });
    let viewers = [];
    try {
      const result = await burst(studio.port, 2000, { timeoutMs: 90000 });
      viewers = result.viewers;
      assert.equal(result.failures.length, 0, [...new Set(result.failures.map((e) => e.message))].join('; '));
      for (const v of viewers) v.join(studio.key);
      await waitFor(() => viewers.every((v) => v.count('stream-joined') === 1),
        { timeoutMs: 60000, what: 'every viewer to get stream-joined' });
      // Updates from here on must reach everybody: the first one after all had joined.
      const first = await waitFor(() => {
        const counts = viewers.map((v) => v.events.filter((e) => e.name === 'stream-segments-updated').at(-1)?.payload.segmentCount ?? 0);
        return Math.max(...counts) > 0 && Math.max(...counts);
      }, { timeoutMs: 60000, what: 'a segment update' });
      // The studio pings every 25 s: wait through one ping round (each viewer answers it), with
      // at least five more segments (2 s each) arriving meanwhile.
      await waitFor(() => viewers.every((v) => v.pings >= 1),
        { timeoutMs: 90000, what: 'every viewer to be pinged' });
      const last = await waitFor(() => {
        const seen = Math.max(...viewers.map((v) => v.events.filter((e) => e.name === 'stream-segments-updated').at(-1)?.payload.segmentCount ?? 0));
        return seen >= first + 5 && seen;
      }, { timeoutMs: 90000, intervalMs: 500, what: 'five more segments' });
      // Let the last update reach everyone (no fixed sleep: poll).
      await waitFor(() => viewers.every((v) => v.events.some((e) => e.name === 'stream-segments-updated' && e.payload.segmentCount === last)),
        { timeoutMs: 30000, what: `every viewer to get segment ${last}` });

      const missing = [];
      for (const [i, v] of viewers.entries()) {
        const got = new Set(v.events.filter((e) => e.name === 'stream-segments-updated').map((e) => e.payload.segmentCount));
        for (let n = first + 1; n <= last; n++) if (!got.has(n)) missing.push(`viewer ${i}: segment ${n}`);
      }
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} updates missed`);
      const closed = viewers.filter((v) => v.closeInfo);
      assert.equal(closed.length, 0, `closed: ${JSON.stringify(closed.slice(0, 5).map((v) => v.closeInfo))}`);
      assert.doesNotMatch(studio.out.stderr, /ping timeout/);
      assert.equal((await health(studio.origin)).status, 200);
      log(`2000 viewers got segments ${first + 1}..${last}`);
    } finally {
      await closeAll(viewers);
      await studio.stop();
      tmp.cleanup();
    }
  });
});

describe('out of file descriptors (ulimit -n 256)', () => {
  test('serves the open connections, rests while full, accepts again after they close', async () => {
    const tmp = tempDir();
    const studio = await startStudio({ dataDir: tmp.dir, source: 'none', openFilesLimit: 256, extraArgs: manyClients, waitReady: false });
    await waitHealthy(studio);
    const viewers = [];
    const attempts = [];
    try {
      assert.equal((await health(studio.origin)).json.fileDescriptorLimit, 256);
      // More connections than descriptors: the first ~200 connect, the rest wait in the kernel's
      // accept queue (their WebSocket handshake is not answered while the studio is full).
      for (let i = 0; i < 300; i++) {
        attempts.push(openViewer(studio.port, { timeoutMs: 120000 }).then((v) => { viewers.push(v); return v; }, (e) => e));
      }
      await waitFor(() => /cannot accept connections/.test(studio.out.stderr),
        { timeoutMs: 60000, what: 'the studio to run out of descriptors' });
      await waitFor(() => viewers.length >= 150, { timeoutMs: 60000, what: '150 viewers connected' });
      const connectedWhileFull = viewers.length;
      assert.ok(connectedWhileFull < 300, 'all 300 connected: the limit did not bite');

      // Full: its CPU stays low (a loop retrying accept() would use all it can get), and the
      // open connections are served.
      const logLinesBefore = stderrCount(studio, /cannot accept connections/);
      const cpu0 = cpuSeconds(studio.child.pid);
      const t0 = Date.now();
      await sleep(5000);
      const cpuShare = (cpuSeconds(studio.child.pid) - cpu0) / ((Date.now() - t0) / 1000);
      log(`while full: ${connectedWhileFull} connected, CPU ${(cpuShare * 100).toFixed(1)} % of a core`);
      assert.ok(cpuShare < 0.15, `the studio used ${(cpuShare * 100).toFixed(1)} % of a core while full`);
      const probe = viewers[0];
      probe.join('full-room');
      await waitFor(() => probe.count('stream-joined') === 1, { timeoutMs: 30000, what: 'an open connection to be served' });
      // Logged when it ran out (again, if a connection closed meanwhile), not on every retry.
      assert.equal(stderrCount(studio, /cannot accept connections/), logLinesBefore,
        `logged while full:\n${studio.out.stderr.slice(-2000)}`);

      // Close them: the queued ones are taken, and new connections work again.
      await closeAll(viewers.splice(0));
      await waitFor(async () => {
        try { return (await health(studio.origin, 5000)).status === 200; } catch { return false; }
      }, { timeoutMs: 60000, what: '/health to answer again' });
      await Promise.all(attempts);
      await closeAll(viewers.splice(0));
      const fresh = await openViewer(studio.port, { timeoutMs: 30000 });
      fresh.close();
      assert.match(studio.out.stderr, /accepting connections again after [0-9.]+ s \(\d+ retries\)/);
    } finally {
      await closeAll(viewers);
      await studio.stop();
      tmp.cleanup();
    }
  });
});

function stderrCount(studio, pattern) {
  return studio.out.stderr.split('\n').filter((line) => pattern.test(line)).length;
}
