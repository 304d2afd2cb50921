// Stream lifecycle, admission control and caps against the real afk-studio binary (issue 8):
// ended browser streams give their memory back and leave a record that is evicted after
// --record-retention (with its owner, announcer and chat); a viewer may wait for a host; a host
// that drops gets --reconnect-grace; POST start/stop need the owner's NIP-98 proof; caps refuse
// with their name while running streams go on.
//   node --test tests/e2e/lifecycle.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir, httpGet, randomKey, sleep, waitFor } from './lib/util.mjs';
import { startStudio, waitForSegments, segmentUris } from './lib/studio.mjs';
import { connectClient, nostrIdentity, startNoSource } from './lib/socketio.mjs';
import { makeWebm } from './lib/media.mjs';
import { startRelay, query, tagValues, studioIdentity } from './lib/nostr.mjs';

const log = (m) => console.log(`# ${m}`);
const RETENTION_S = 8;

function residentMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]) / 1024;
}

/** The recording cut into `count` chunks, the first one holding the EBML header. */
function chunksOf(file, count) {
  const bytes = fs.readFileSync(file);
  const size = Math.ceil(bytes.length / count);
  const chunks = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

async function json(url) {
  const r = await httpGet(url);
  assert.equal(r.status, 200, `${url}: ${r.status} ${r.text}`);
  return JSON.parse(r.text);
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

describe('browser streams one after another (open ingest, a relay)', () => {
  let tmp;
  let relay;
  let identity;
  let studio;
  let webm;
  const clients = [];
  const client = async (options) => {
    const c = connectClient(studio.origin, options);
    clients.push(c);
    return c.connected();
  };

  before(async () => {
    tmp = tempDir();
    webm = await makeWebm(`${tmp.dir}/host.webm`, { seconds: 4, size: '640x360' });
    relay = await startRelay();
    identity = studioIdentity();
    studio = await startNoSource(`${tmp.dir}/data`, ['--open-ingest', '--relay', relay.url,
      '--record-retention', String(RETENTION_S), '--reconnect-grace', '3', '--stats-interval', '0']);
  });
  after(async () => {
    for (const c of clients) c.close();
    const r = studio ? await studio.stop() : null;
    relay?.child.kill();
    identity?.restore();
    tmp.cleanup();
    if (r) assert.equal(r.code, 0, `afk-studio exit code ${r.code}\n${studio.describe()}`);
  });

  const keys = [];

  test('a viewer who comes before the host waits, then hears stream-started, the segments and the end', { timeout: 120000 }, async () => {
    const key = randomKey();
    const viewer = await client({ query: { streamKey: key } });
    viewer.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    assert.deepEqual(await viewer.next('stream-joined'), { streamKey: key, viewerCount: 1, status: 'waiting' });

    const host = await client({ query: { streamKey: key } });
    host.socket.emit('start-stream', { userId: 'early-host', streamKey: key, announce: true });
    await host.next('stream-started');
    for (const chunk of chunksOf(webm, 8)) {
      await host.socket.timeout(10000).emitWithAck('stream-data', { streamKey: key, chunk });
    }
    assert.equal((await viewer.next('stream-started', { timeoutMs: 30000 })).streamKey, key);
    assert.ok((await viewer.next('stream-segments-updated', { timeoutMs: 30000 })).segmentCount >= 1);

    // The announced streaming URL passes the PWA's pre-check: a line ending ".ts".
    const event = await waitFor(async () => (await query(relay.url, { kinds: [30311], '#d': [key] }))[0],
      { timeoutMs: 30000, what: 'the live event' });
    const [streaming] = tagValues(event, 'streaming');
    assert.match(streaming, /\/stream\.m3u8$/);
    const playlist = await httpGet(streaming);
    assert.ok(playlist.text.split('\n').some((line) => line.trim().endsWith('.ts')), playlist.text);

    host.socket.emit('end-stream', { streamKey: key });
    assert.equal((await viewer.next('stream-ended', { timeoutMs: 60000 })).streamKey, key);
    host.close();
    keys.push(key);
  });

  test('ten streams in a row: each ends and is released; RSS after the tenth within 1.25x of after the first', { timeout: 400000 }, async () => {
    const rss = [];
    for (let index = 0; index < 10; index++) {
      const key = randomKey();
      const host = await client({ query: { streamKey: key } });
      host.socket.emit('start-stream', { userId: `host-${index}`, streamKey: key, announce: true });
      await host.next('stream-started');
      for (const chunk of chunksOf(webm, 8)) {
        await host.socket.timeout(10000).emitWithAck('stream-data', { streamKey: key, chunk });
      }
      await host.next('stream-segments-updated', { timeoutMs: 60000 });
      host.socket.emit('end-stream', { streamKey: key });
      await host.next('stream-ended', { timeoutMs: 60000 });
      host.close();
      keys.push(key);
      const status = await json(`${studio.origin}/livestream/${key}/status`);
      assert.equal(status.overall.isActive, false);
      assert.equal(status.overall.isEnded, true);
      // The record (with its chat) stays after the end.
      assert.equal((await httpGet(`${studio.origin}/livestream/${key}/chat`)).status, 200);
      await sleep(1500); // the pipeline is deleted and freed memory handed back off the event loop
      rss.push(residentMiB(studio.child.pid));
    }
    log(`RSS after each stream (MiB): ${rss.map((v) => v.toFixed(0)).join(' ')}`);
    assert.ok(rss[9] <= rss[0] * 1.25 + 32, `RSS grew from ${rss[0].toFixed(0)} to ${rss[9].toFixed(0)} MiB`);
  });

  test('an ended stream keeps its record, owner and chat until the retention, then they go', { timeout: 60000 }, async () => {
    const [first] = keys.slice(-1);
    // Still owned: another publisher cannot take the key.
    const intruder = await client({ query: { streamKey: first } });
    intruder.socket.emit('start-stream', { userId: 'someone-else', streamKey: first });
    assert.match((await intruder.next('stream-error')).error, /belongs to another publisher/);
    assert.equal((await httpGet(`${studio.origin}/livestream/${first}/chat`)).status, 200);

    await waitFor(async () => metric((await httpGet(`${studio.origin}/metrics`)).text, 'afk_stream_records') === 0,
      { timeoutMs: (RETENTION_S + 20) * 1000, what: 'every record to be evicted' });
    for (const key of keys) {
      const status = await json(`${studio.origin}/livestream/${key}/status`);
      assert.equal(status.overall.isActive, false);
      assert.equal((await httpGet(`${studio.origin}/livestream/${key}/chat`)).status, 404, 'chat still there');
    }
    // The owner entry went with the record: the key is free again.
    intruder.socket.emit('start-stream', { userId: 'someone-else', streamKey: first });
    assert.equal((await intruder.next('stream-started')).streamKey, first);
    intruder.socket.emit('end-stream', { streamKey: first });
    await intruder.next('stream-ended', { timeoutMs: 30000 });
  });

  test('a host that drops is "reconnecting" for the grace, then its stream ends', { timeout: 60000 }, async () => {
    const key = randomKey();
    const host = await client({ query: { streamKey: key } });
    const viewer = await client({ query: { streamKey: key } });
    host.socket.emit('start-stream', { userId: 'dropping-host', streamKey: key });
    await host.next('stream-started');
    viewer.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    await viewer.next('stream-joined');
    host.socket.io.engine.close(); // the tab goes away
    await waitFor(async () => (await json(`${studio.origin}/livestream/${key}/status`)).local.streamData?.state === 'reconnecting',
      { timeoutMs: 3000, intervalMs: 100, what: 'state "reconnecting"' });
    const t0 = Date.now();
    assert.equal((await viewer.next('stream-ended', { timeoutMs: 15000 })).streamKey, key);
    log(`stream-ended ${Date.now() - t0} ms after "reconnecting" was seen (grace 3 s)`);
  });
});

describe('admission control and caps (NIP-98, no open ingest)', () => {
  let tmp;
  let studio;
  const owner = nostrIdentity();
  const stranger = nostrIdentity();
  const post = async (path, identity, body = {}) => {
    const url = `${studio.origin}${path}`;
    const headers = { 'Content-Type': 'application/json' };
    if (identity) headers.Authorization = await identity.token(url, 'POST');
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    tmp = tempDir();
    studio = await startStudio({ dataDir: `${tmp.dir}/data`, ladder: '240p',
      extraArgs: ['--max-streams', '2', '--max-clients-per-ip', '3', '--stats-interval', '0'] });
  });
  after(async () => {
    const r = await studio.stop();
    tmp.cleanup();
    assert.equal(r.code, 0, `afk-studio exit code ${r.code}\n${studio.describe()}`);
  });

  test('unauthenticated and foreign-signed start/stop → 401 and nothing changes; the owner may', async () => {
    const key = randomKey();
    const anonymous = await post(`/livestream/${key}/start`, null, { action: 'start' });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.body.error, /NIP-98/);
    let status = await json(`${studio.origin}/livestream/${key}/status`);
    assert.equal(status.overall.isActive, false);
    assert.equal(status.local.streamDirExists, false);

    assert.equal((await post(`/livestream/${key}/start`, owner, { action: 'start' })).status, 200);
    const foreignStart = await post(`/livestream/${key}/start`, stranger, { action: 'start' });
    assert.equal(foreignStart.status, 401);
    const foreignStop = await post(`/livestream/${key}/stop`, stranger, { action: 'stop' });
    assert.equal(foreignStop.status, 401);
    assert.match(foreignStop.body.error, /another publisher/);
    assert.equal((await post(`/livestream/${key}/stop`, null, { action: 'stop' })).status, 401);
    status = await json(`${studio.origin}/livestream/${key}/status`);
    assert.equal(status.overall.isActive, true, 'a refused stop stopped the stream');

    const stopped = await post(`/livestream/${key}/stop`, owner, { action: 'stop' });
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.status, 'stopped');
    await waitFor(async () => !(await json(`${studio.origin}/livestream/${key}/status`)).overall.isActive,
      { timeoutMs: 10000, what: 'the stream to end' });
  });

  test('--max-streams refuses with its name while the running stream goes on', { timeout: 90000 }, async () => {
    const before = segmentUris(await waitForSegments(studio.streamUrl, 1, { handle: studio })).length;
    const second = randomKey();
    assert.equal((await post(`/livestream/${second}/start`, owner, { action: 'start' })).status, 200);
    const third = await post(`/livestream/${randomKey()}/start`, owner, { action: 'start' });
    assert.equal(third.status, 503);
    assert.match(third.body.error, /--max-streams/);
    await waitForSegments(studio.streamUrl, before + 1, { handle: studio });
    assert.equal((await post(`/livestream/${second}/stop`, owner, { action: 'stop' })).status, 200);
  });

  test('--max-clients-per-ip refuses the next Socket.IO connection with its name', async () => {
    const kept = [];
    try {
      for (let i = 0; i < 3; i++) kept.push(await connectClient(studio.origin).connected());
      const refused = connectClient(studio.origin);
      kept.push(refused);
      await assert.rejects(refused.connected(), /too many connections from your address: at most 3/);
      assert.ok(kept[0].socket.connected, 'an earlier connection was dropped');
    } finally {
      for (const c of kept) c.close();
    }
  });
});
