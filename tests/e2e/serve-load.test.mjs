// Serving under load (issue 12): 500 concurrent HLS clients, each on its own keep-alive
// connection, fetch the live playlists and the newest segments of a stream while it encodes.
// Every answer must be complete and correct, the encoder must keep the pace it had just before
// the load (the machine is shared: an absolute real-time check would measure the neighbours), and
// the studio's memory must stay bounded (segments are shared buffers, not copied per connection).
//   node --test tests/e2e/serve-load.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import { tempDir, sleep, waitFor } from './lib/util.mjs';
import { startStudio, segmentUris, waitForSegments } from './lib/studio.mjs';

const log = (m) => console.log(`# ${m}`);
const CLIENTS = 500;
const LOAD_SECONDS = 20;
const SEGMENT_SECONDS = 2;

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// GET over the client's own keep-alive agent: { status, headers, body }.
function get(agent, url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
  });
}

// One player-like client: playlist, then its newest segment, then a pause; repeated (about
// twice as often as a player, which fetches both once per segment).
async function client(id, base, until, stats) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const playlist = id % 2 === 0 ? `${base}/stream.m3u8` : `${base}/240p/index.m3u8`;
  const segmentBase = id % 2 === 0 ? base : `${base}/240p`;
  try {
    while (Date.now() < until) {
      try {
        const list = await get(agent, playlist);
        stats.requests++;
        if (list.status !== 200 || !list.body.toString().startsWith('#EXTM3U')) {
          stats.errors.push(`playlist: ${list.status}`);
          continue;
        }
        const uris = segmentUris(list.body.toString()).filter((u) => u.endsWith('.ts'));
        const newest = uris[uris.length - 1];
        const seg = await get(agent, `${segmentBase}/${newest}`);
        stats.requests++;
        stats.bytes += seg.body.length;
        if (seg.status !== 200) stats.errors.push(`segment ${newest}: ${seg.status}`);
        else if (seg.body.length !== Number(seg.headers['content-length']) || seg.body[0] !== 0x47 ||
                 seg.body.length % 188 !== 0)
          stats.errors.push(`segment ${newest}: ${seg.body.length} bytes, not whole TS packets`);
      } catch (e) {
        stats.errors.push(e.message);
      }
      await sleep(1000);
    }
  } finally {
    agent.destroy();
  }
}

describe(`${CLIENTS} concurrent HLS clients of a live stream`, () => {
  test('every answer is right, the encoder keeps its pace, RSS stays bounded', async () => {
    const tmp = tempDir();
    const studio = await startStudio({ dataDir: tmp.dir, ladder: '360p,240p', segmentSeconds: SEGMENT_SECONDS });
    try {
      await waitForSegments(studio.streamUrl, 3, { handle: studio, timeoutMs: 90000 });
      const sequenceOf = async () => {
        const r = await fetch(`${studio.base}/240p/index.m3u8`);
        const uris = segmentUris(await r.text());
        return Number(/segment_(\d+)\.ts/.exec(uris[uris.length - 1])[1]);
      };
      // The pace without the load, over as long a window, just before it.
      const calmSequence = await sequenceOf();
      const calmStarted = Date.now();
      await sleep(LOAD_SECONDS * 1000);
      const calmSeconds = (Date.now() - calmStarted) / 1000;
      const calmProduced = (await sequenceOf()) - calmSequence;

      const rssBefore = rssMb(studio.child.pid);
      const firstSequence = await sequenceOf();
      const started = Date.now();
      const stats = { requests: 0, bytes: 0, errors: [] };
      let rssPeak = rssBefore;
      const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssMb(studio.child.pid)); }, 500);
      const until = started + LOAD_SECONDS * 1000;
      await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, studio.base, until, stats)));
      clearInterval(sampler);
      const elapsed = (Date.now() - started) / 1000;
      const produced = (await sequenceOf()) - firstSequence;
      const rssAfter = rssMb(studio.child.pid);
      log(`${stats.requests} requests (${Math.round(stats.requests / elapsed)}/s, ` +
          `${Math.round(stats.bytes / elapsed / 1e6)} MB/s) in ${elapsed.toFixed(1)} s; ` +
          `${produced} segments produced (${calmProduced} in ${calmSeconds.toFixed(1)} s before it); RSS ${rssBefore.toFixed(0)} → peak ${rssPeak.toFixed(0)} → ` +
          `${rssAfter.toFixed(0)} MB`);
      const distinct = [...new Set(stats.errors)];
      assert.equal(stats.errors.length, 0, `${stats.errors.length} failed requests: ${distinct.slice(0, 5).join('; ')}`);
      assert.ok(stats.requests >= CLIENTS * 4, `only ${stats.requests} requests were answered`);
      // The encoder's pace: as before the load, with slack for the cut points at both ends.
      const expected = (calmProduced / calmSeconds) * elapsed;
      assert.ok(produced >= expected - 2,
        `the encoder fell behind under the load: ${produced} segments in ${elapsed.toFixed(1)} s, ` +
        `${calmProduced} in ${calmSeconds.toFixed(1)} s before it`);
      // Bounded: no body copy per connection (500 × a segment would be ~100 MB more).
      assert.ok(rssPeak - rssBefore <= 64, `RSS grew ${Math.round(rssPeak - rssBefore)} MB under the load`);
      const health = await fetch(`${studio.origin}/health`);
      assert.equal(health.status, 200);
    } finally {
      const stopped = await studio.stop();
      assert.equal(stopped.code, 0, studio.describe());
      tmp.cleanup();
    }
  });
});
