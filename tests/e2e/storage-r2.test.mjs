// Uploads to an S3 API (R2's): a live test-pattern stream into s3rver (signatures checked)
// through a counting proxy that injects faults — 5xx/SlowDown, the store down for 15 s, wrong
// credentials, the studio SIGKILLed mid-upload — then everything read back with the AWS SDK.
//   node --test tests/e2e/storage-r2.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, httpGet, randomKey, sleep, waitFor } from './lib/util.mjs';
import { startStudio, waitForSegments } from './lib/studio.mjs';
import { localObjects } from './lib/stream-files.mjs';
import {
  ACCESS_KEY_ID, SECRET_ACCESS_KEY, startStore, startProxy, reader, listKeys, headObject, getObject,
  uploadArgs, uploadEnv,
} from './lib/s3.mjs';
import { startRelay, query, tagValues, waitForLine, studioIdentity } from './lib/nostr.mjs';

const LADDER = '360p,240p';
const PUBLIC_URL = 'https://media.example';
const WRONG_SECRET = 'afk-wrong-secret-5e1d0c9a8b7f6e42';
const logs = []; // every studio's output and every /status body, for the secrets check

const md5 = (buf) => crypto.createHash('md5').update(buf).digest('hex');

async function status(studio) {
  const r = await httpGet(`${studio.base}/status`);
  logs.push(r.text);
  return JSON.parse(r.text);
}

/** Every local object is in the store with the same bytes; returns the keys compared. */
async function assertAllStored(client, studio) {
  const prefix = `livestream/${studio.key}/`;
  const local = localObjects(studio.streamDir);
  const remote = new Set(await listKeys(client, prefix));
  const missing = [...local.keys()].filter((p) => !remote.has(prefix + p));
  assert.deepEqual(missing, [], `objects missing from the store: ${missing.join(', ')}`);
  for (const [p, file] of local) {
    const head = await headObject(client, prefix + p);
    const bytes = fs.readFileSync(file);
    if (p.endsWith('.m3u8')) {
      assert.equal(head.ContentType, 'application/vnd.apple.mpegurl', p);
      assert.equal(head.CacheControl, 'no-cache', p);
      assert.equal((await getObject(client, prefix + p)).toString('utf8'), bytes.toString('utf8'), `${p}: the newest version`);
    } else {
      assert.equal(head.ContentType, 'video/mp2t', p);
      assert.match(head.CacheControl, /immutable/, p);
      assert.equal(head.ETag.replaceAll('"', ''), md5(bytes), `${p}: same bytes`);
    }
  }
  return local;
}

describe('uploads to an S3 API (s3rver)', () => {
  let tmp, store, proxy, client;
  before(async () => {
    tmp = tempDir('afk-s3-');
    store = await startStore(path.join(tmp.dir, 'store'));
    proxy = await startProxy(store.port);
    client = reader(store.port);
  });
  after(async () => {
    await proxy?.close();
    await store?.stop();
    tmp?.cleanup();
  });

  test('a live stream arrives whole and in order through 5xx/SlowDown and a 15 s outage', { timeout: 150000 }, async () => {
    const studio = await startStudio({
      dataDir: path.join(tmp.dir, 'live'), ladder: LADDER, segmentSeconds: 1,
      extraArgs: [...uploadArgs(proxy.port, { publicUrl: PUBLIC_URL }), '--stats-interval', '0'], env: uploadEnv(),
    });
    const publicUrl = `${PUBLIC_URL}/livestream/${studio.key}/master.m3u8`;
    try {
      assert.ok(studio.out.stdout.includes(publicUrl), `the public playback URL is printed:\n${studio.describe()}`);
      await waitFor(() => proxy.stored.has(`livestream/${studio.key}/master.m3u8`), { timeoutMs: 40000, what: 'the master playlist in the store' });
      const first = await status(studio);
      assert.equal(first.publicPlaybackUrl, publicUrl);
      assert.equal(first.storage[0].target, 'r2');
      assert.equal(first.storage[0].publicUrl, publicUrl);

      // The store answers 500 / 503 SlowDown for a while.
      proxy.mode = 'error';
      await waitFor(() => proxy.injected >= 3, { timeoutMs: 30000, what: 'injected 5xx answers' });
      await sleep(3000);
      proxy.mode = 'pass';

      // The store goes away for 15 s; the local stream goes on.
      await store.stop();
      const segmentsBefore = (await status(studio)).stats?.segmentsProduced ?? 0;
      await sleep(15000);
      const during = await status(studio);
      assert.ok(during.storage[0].lastError, `the outage shows in /status: ${JSON.stringify(during.storage)}`);
      assert.ok(during.storage[0].backlog > 0, 'objects wait while the store is down');
      if (during.stats?.segmentsProduced !== undefined) assert.ok(during.stats.segmentsProduced > segmentsBefore, 'the stream went on');
      store = await startStore(path.join(tmp.dir, 'store'), store.port);

      // Caught up, then ended: the final playlists go up before the studio exits.
      await waitFor(async () => { const s = await status(studio); return s.storage[0].backlog <= 12 && !s.storage[0].isBackingOff; },
        { timeoutMs: 60000, intervalMs: 500, what: 'the backlog to drain after the outage' });
      const stopped = await studio.stop({ signal: 'SIGINT', killAfterMs: 20000 });
      logs.push(stopped.stdout, stopped.stderr);
      assert.equal(stopped.code, 0, studio.describe());
      assert.match(stopped.stderr, /\[upload\] r2: .*(no answer|HTTP 50[03])/, 'the errors were logged');

      const local = await assertAllStored(client, studio);
      const prefix = `livestream/${studio.key}/`;
      for (const p of ['stream.m3u8', '360p/index.m3u8', '360p/recording.m3u8', '240p/recording.m3u8']) {
        assert.match((await getObject(client, prefix + p)).toString('utf8'), /#EXT-X-ENDLIST\s*$/, `${p} is ended`);
      }
      assert.ok(local.size > 30, `a real stream's worth of objects (${local.size})`);
      assert.deepEqual(proxy.violations, [], 'no stored playlist ever named an object the store did not have');
      const twice = [...proxy.stored].filter(([k, times]) => k.endsWith('.ts') && times.length > 1).map(([k]) => k);
      assert.deepEqual(twice, [], 'no segment stored twice');
      assert.ok((proxy.statuses.get(200) ?? 0) > 0);
    } finally {
      await studio.stop().catch(() => {});
    }
  });

  test('wrong credentials: a clear error, backoff (no hot loop), the stream unaffected', { timeout: 90000 }, async () => {
    const requestsBefore = proxy.requests;
    const studio = await startStudio({
      dataDir: path.join(tmp.dir, 'denied'), ladder: '240p', segmentSeconds: 1,
      extraArgs: [...uploadArgs(proxy.port), '--stats-interval', '0'], env: uploadEnv(WRONG_SECRET),
    });
    let stopped;
    try {
      await waitFor(async () => (await status(studio)).storage[0].lastError, { timeoutMs: 30000, what: 'the error in /status' });
      const t0 = Date.now();
      await waitForSegments(studio.streamUrl, 12, { handle: studio, timeoutMs: 60000 });
      const s = await status(studio);
      assert.match(s.storage[0].lastError, /HTTP 403 SignatureDoesNotMatch .*AFK_R2_SECRET_ACCESS_KEY/);
      assert.ok(s.storage[0].backlog > 0);
      const seconds = (Date.now() - t0) / 1000 + 2;
      const requests = proxy.requests - requestsBefore;
      // Backoff doubles from 0.5 s and one object probes at a time: a hot loop would be hundreds.
      assert.ok(requests <= 4 + seconds, `${requests} requests in ~${seconds.toFixed(0)} s`);
    } finally {
      stopped = await studio.stop({ signal: 'SIGINT', killAfterMs: 20000 });
      logs.push(stopped.stdout, stopped.stderr);
    }
    assert.match(stopped.stderr, /\[upload\] r2: PUT livestream\/\S+: HTTP 403/, studio.describe());
  });

  test('SIGKILL mid-upload: a serve-only restart finishes the journal, nothing stored twice', { timeout: 120000 }, async () => {
    const dataDir = path.join(tmp.dir, 'killed');
    const key = randomKey();
    proxy.mode = 'slow';
    const first = await startStudio({
      dataDir, key, ladder: LADDER, segmentSeconds: 1,
      extraArgs: [...uploadArgs(proxy.port), '--stats-interval', '0'], env: uploadEnv(),
    });
    let killedAt;
    try {
      await waitForSegments(first.streamUrl, 6, { handle: first, timeoutMs: 60000 });
      await waitFor(() => [...proxy.stored.keys()].some((k) => k.startsWith(`livestream/${key}/`) && k.endsWith('.ts')), { timeoutMs: 30000, what: 'first uploads' });
      killedAt = Date.now();
      const killed = await first.stop({ signal: 'SIGKILL' });
      logs.push(killed.stdout, killed.stderr);
    } finally {
      await first.stop().catch(() => {});
    }
    proxy.mode = 'pass';
    const storedBefore = new Set([...proxy.stored.keys()].filter((k) => k.startsWith(`livestream/${key}/`)));
    const second = await startStudio({
      dataDir, key, source: 'none', waitReady: false,
      extraArgs: [...uploadArgs(proxy.port), '--stats-interval', '0'], env: uploadEnv(),
    });
    try {
      const journal = path.join(dataDir, '.uploads', 'r2', `${key}.journal`);
      await waitFor(() => fs.existsSync(journal) && /\nF\n$/.test(fs.readFileSync(journal, 'utf8')), { timeoutMs: 60000, intervalMs: 500, what: 'the journal to finish' });
      await assertAllStored(client, { key, streamDir: path.join(dataDir, key) });
      assert.ok(proxy.stored.size > storedBefore.size, 'the restart sent what was left');
      // Only an object whose 200 the killed studio may not have recorded yet can go twice.
      const twice = [...proxy.stored].filter(([k, times]) => k.startsWith(`livestream/${key}/`) && k.endsWith('.ts') && times.length > 1);
      for (const [k, times] of twice) assert.ok(times[0] >= killedAt - 1500, `${k} was stored at ${killedAt - times[0]} ms before the kill, and again`);
      assert.ok(twice.length <= 4, `at most the objects in flight at the kill went twice: ${twice.map(([k]) => k).join(', ')}`);
      assert.deepEqual(proxy.violations, []);
    } finally {
      const stopped = await second.stop({ signal: 'SIGINT', killAfterMs: 20000 });
      logs.push(stopped.stdout, stopped.stderr);
    }
  });

  test('the live event (NIP-53) names the store: streaming and recording URLs', { timeout: 90000 }, async () => {
    const relay = await startRelay();
    const identity = studioIdentity();
    const studio = await startStudio({
      dataDir: path.join(tmp.dir, 'nostr'), ladder: '240p', segmentSeconds: 1,
      extraArgs: [...uploadArgs(proxy.port, { publicUrl: PUBLIC_URL }), '--relay', relay.url, '--announce-playlist', 'master', '--stats-interval', '0'],
      env: uploadEnv(),
    });
    try {
      await waitForLine(studio, /live on Nostr: \S+ nostr:naddr1/);
      const filter = { kinds: [30311], '#d': [studio.key] };
      const live = await waitFor(async () => (await query(relay.url, filter))[0], { timeoutMs: 20000, what: 'the live event' });
      assert.deepEqual(tagValues(live, 'streaming'), [`${PUBLIC_URL}/livestream/${studio.key}/master.m3u8`]);
      const stopped = await studio.stop({ signal: 'SIGINT', killAfterMs: 20000 });
      logs.push(stopped.stdout, stopped.stderr);
      const ended = await waitFor(async () => {
        const [e] = await query(relay.url, filter);
        return tagValues(e, 'status')[0] === 'ended' && e;
      }, { timeoutMs: 20000, what: 'the ended event' });
      assert.deepEqual(tagValues(ended, 'recording'), [`${PUBLIC_URL}/livestream/${studio.key}/recording.m3u8`]);
      // What the event names is in the store.
      await waitFor(() => proxy.stored.has(`livestream/${studio.key}/recording.m3u8`), { timeoutMs: 20000, what: 'recording.m3u8 stored' });
    } finally {
      await studio.stop().catch(() => {});
      relay.child.kill('SIGTERM');
      identity.restore();
    }
  });

  test('no log line and no /status answer carries a credential', () => {
    assert.ok(logs.length >= 6);
    for (const secret of [ACCESS_KEY_ID, SECRET_ACCESS_KEY, WRONG_SECRET]) {
      const leaks = logs.filter((text) => text.includes(secret));
      assert.equal(leaks.length, 0, `a credential leaked into: ${leaks.map((t) => t.slice(0, 200)).join(' | ')}`);
    }
  });
});
