// A REAL browser host: headless Chromium records a canvas animation + a WebAudio tone with
// MediaRecorder (VP8 + Opus, 2.5 Mbps, start(1000)) and publishes every chunk over Socket.IO with
// socket.io-client's browser bundle, exactly like the AFK PWA, to afk-studio --source none
// --open-ingest. Then: the HLS ladder (every segment through ffprobe), hls.js playback from a
// second origin, a dropped and resumed connection, a recorder restart (#EXT-X-DISCONTINUITY,
// hls.js plays across it), end-stream.
//   node --test tests/e2e/browser-host.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { tempDir, httpGet, randomKey, sleep, waitFor } from './lib/util.mjs';
import { startStudio } from './lib/studio.mjs';
import { launchChromium, startPlayerOrigin, openPlayer } from './lib/browser.mjs';
import { playUntilAdvanced } from './lib/playback.mjs';
import { masterProblems, checkRendition, parseMaster, parseMedia } from './lib/hls-checks.mjs';
import { startHostOrigin, openHost, nodeClient, trackFragments } from './lib/browser-host.mjs';

const log = (m) => console.log(`# ${m}`);
const LADDER = '720p,480p,360p';
const HEIGHTS = [720, 480, 360];
const WIDTHS = { 720: 1280, 480: 854, 360: 640 };

async function startNoSource(tmp) {
  const handle = await startStudio({
    dataDir: path.join(tmp.dir, 'data'), source: 'none', ladder: LADDER, waitReady: false, extraArgs: ['--open-ingest'],
  });
  try {
    await waitFor(async () => {
      if (handle.exitInfo) throw Object.assign(new Error(`afk-studio exited (code ${handle.exitInfo.code})`), { fatal: true });
      return (await httpGet(`${handle.origin}/health`, { timeoutMs: 2000 })).status === 200;
    }, { timeoutMs: 30000, what: 'GET /health = 200' });
  } catch (e) {
    await handle.stop({ killAfterMs: 3000 });
    throw new Error(`${e.message}\n${handle.describe()}`);
  }
  return handle;
}

const get = async (url) => {
  const r = await httpGet(url, { timeoutMs: 10000 });
  assert.equal(r.status, 200, `GET ${url} → ${r.status} ${r.text.slice(0, 200)}`);
  return r.text;
};
const countTag = (text, tag) => text.split(/\r?\n/).filter((l) => l.trim() === tag).length;

describe('a browser host (MediaRecorder + socket.io-client in Chromium) publishing to afk-studio', () => {
  let tmp, studio, browser, hostOrigin, playerOrigin, host, viewer;
  const key = randomKey();
  const userId = 'c0ffee'.repeat(10) + 'c0ff';
  const urls = {};
  let variants = [];

  before(async () => {
    tmp = tempDir();
    studio = await startNoSource(tmp);
    browser = await launchChromium();
    hostOrigin = await startHostOrigin();
    playerOrigin = await startPlayerOrigin();
    // (studio.masterUrl is the --stream-key's, not the key published over Socket.IO here.)
    urls.master = `${studio.origin}/livestream/${key}/master.m3u8`;
    urls.stream = `${studio.origin}/livestream/${key}/stream.m3u8`;
  });
  after(async () => {
    await host?.close().catch(() => {});
    viewer?.close();
    await browser?.close().catch(() => {});
    await hostOrigin?.close();
    await playerOrigin?.close();
    if (studio && !studio.exitInfo) {
      const r = await studio.stop({ killAfterMs: 15000 });
      if (r.code !== 0) log(`afk-studio exit code ${r.code} signal ${r.signal} after SIGTERM\n${studio.describe()}`);
      else log('afk-studio exited 0');
    } else if (studio) {
      log(`afk-studio had already exited: ${JSON.stringify(studio.exitInfo)}\n${studio.describe()}`);
    }
    tmp?.cleanup();
  });

  test('the page records 1280x720 VP8+Opus and publishes: stream-started', { timeout: 60000 }, async () => {
    host = await openHost(browser, hostOrigin, { url: studio.origin, streamKey: key, userId });
    log(`host page: ${JSON.stringify(host.started)}`);
    const started = await host.waitEvent('stream-started', { timeoutMs: 20000 });
    assert.equal(started.payload.streamKey, key);
    assert.equal(started.payload.status, 'broadcasting');
    const s = await host.waitChunks(2, { timeoutMs: 20000 });
    assert.ok(s.chunks[0].ebml, `the first chunk starts with the EBML header (got ${s.chunks[0].head})`);
    assert.ok(s.chunks.slice(1).every((c) => !c.ebml), 'only the first chunk has an EBML header');
    assert.ok(!s.events.some((e) => e.name === 'stream-error'), `stream-error: ${JSON.stringify(s.events)}`);
  });

  test('a viewer joins; stream-segments-updated arrive (host and viewer) with growing counts', { timeout: 90000 }, async () => {
    viewer = await nodeClient(studio.origin, { query: { streamKey: key } });
    viewer.socket.emit('join-stream', { userId: `viewer-${Date.now()}`, streamKey: key });
    const joined = await viewer.next('stream-joined');
    assert.equal(joined.streamKey, key);
    assert.equal(joined.viewerCount, 1);
    await host.waitEvent('viewer-joined', { where: (p) => p.viewerCount === 1 });
    const a = await host.waitEvent('stream-segments-updated', { timeoutMs: 60000 });
    const b = await host.waitEvent('stream-segments-updated', { where: (p) => p.segmentCount > a.payload.segmentCount, timeoutMs: 30000 });
    assert.equal(b.payload.streamKey, key);
    const v = await viewer.next('stream-segments-updated', { timeoutMs: 30000 });
    assert.equal(v.streamKey, key);
    assert.ok(Number.isInteger(v.segmentCount) && v.segmentCount > 0, JSON.stringify(v));
    log(`segments updated: host saw ${a.payload.segmentCount} then ${b.payload.segmentCount}`);
  });

  test('after ~12 s: master lists 720p/480p/360p; every segment of every rendition is h264+aac, keyframe first, at the master RESOLUTION', { timeout: 180000 }, async () => {
    await waitFor(async () => {
      const r = await httpGet(urls.stream, { timeoutMs: 5000 });
      return r.status === 200 && parseMedia(r.text).segments.length >= 6;
    }, { timeoutMs: 90000, intervalMs: 500, what: `6 segments (12 s) in ${urls.stream}` }).catch(async (e) => {
      throw new Error(`${e.message}\n${await host.describe()}\n${studio.describe()}`);
    });
    const masterText = await get(urls.master);
    log(`master:\n${masterText}`);
    const m = masterProblems(masterText, { expectHeights: HEIGHTS });
    variants = parseMaster(masterText).variants;
    assert.deepEqual(variants.map((x) => x.height).sort((x, y) => y - x), HEIGHTS, `variant heights: ${masterText}`);
    for (const v of variants) assert.equal(v.width, WIDTHS[v.height], `RESOLUTION ${v.attrs.RESOLUTION}`);
    const core = [];
    const strict = [...m.problems];
    for (const v of variants) {
      const url = new URL(v.uri, urls.master).toString();
      const r = await checkRendition(url, { dlDir: path.join(tmp.dir, 'dl1', `${v.height}p`), variant: v, name: `${v.height}p`, expectEnded: false });
      assert.ok(r.segments.length >= 5, `${v.height}p: ${r.segments.length} segments probed`);
      for (const seg of r.segments) {
        const { video, audio } = seg.summary;
        const id = `${v.height}p ${seg.uri}`;
        if (!video) { core.push(`${id}: no video`); continue; }
        if (video.codec !== 'h264') core.push(`${id}: video codec ${video.codec}`);
        if (!audio || audio.codec !== 'aac') core.push(`${id}: audio ${audio ? audio.codec : 'missing'}`);
        else if (audio.packets === 0) core.push(`${id}: no audio packets`);
        if (!video.firstPacketIsKey) core.push(`${id}: first video packet not a keyframe (${video.firstPacketFlags})`);
        if (video.width !== v.width || video.height !== v.height) core.push(`${id}: ${video.width}x${video.height}, master says ${v.attrs.RESOLUTION}`);
      }
      strict.push(...r.problems);
      log(`${v.height}p: ${r.segments.length} segments, ${r.segments.map((s) => s.summary.video?.duration.toFixed(2)).join(' ')}`);
    }
    assert.deepEqual(core, [], core.join('\n'));
    // The full conformance list (tags, EXTINF = media duration 2 ± 0.1 s, PDT, pts continuity,
    // alignment of CODECS): reported separately below.
    urls.strict = strict;
  });

  test('the playlists and segments conform in full (tags, 2 s segments, PDT, continuous pts, CODECS)', () => {
    assert.deepEqual(urls.strict ?? ['not checked (previous test failed)'], [], (urls.strict || []).join('\n'));
  });

  test('hls.js (PWA settings, second origin) plays master.m3u8 ≥ 5 s without a fatal error', { timeout: 120000 }, async () => {
    assert.notEqual(playerOrigin.origin, studio.origin);
    const { player, levels, endState } = await playUntilAdvanced(browser, playerOrigin, urls.master, { advanceSeconds: 5, timeoutMs: 60000, log });
    try {
      assert.equal(levels.length, 3, JSON.stringify(levels));
      assert.equal(endState.fatal, null, JSON.stringify(endState.fatal));
      if (endState.errors.length) log(`non-fatal hls.js errors: ${JSON.stringify(endState.errors)}`);
    } finally {
      await player.close();
    }
  });

  for (const how of ['disconnect', 'engine']) {
    test(`reconnect (${how === 'disconnect' ? 'socket.disconnect() + socket.connect()' : 'io.engine.close(), automatic reconnection'}): the same recorder goes on, no stream-ended, segments keep coming, no DISCONTINUITY`, { timeout: 120000 }, async () => {
      const s0 = await host.state();
      const evFrom = s0.events.length;
      const connects0 = s0.connects;
      const chunksFrom = s0.chunks.length;
      const lastSeg = [...s0.events].reverse().find((e) => e.name === 'stream-segments-updated')?.payload.segmentCount ?? 0;
      await host.drop(how, 3000);
      const back = await waitFor(async () => {
        const s = await host.state();
        return s.connects > connects0 && s.connected ? s : false;
      }, { timeoutMs: 30000, what: 'the host to reconnect' });
      log(`reconnected after ${how}: connects ${back.connects}, chunks recorded while away ${back.chunks.filter((c) => !c.connected).length}`);
      const resumed = await host.waitEvent('stream-started', { from: evFrom, timeoutMs: 15000 });
      log(`start-stream on the new connection → ${JSON.stringify(resumed.payload)}`);
      // Segments keep coming after the reconnect: at least 3 more than before.
      await host.waitEvent('stream-segments-updated', { from: evFrom, where: (p) => p.segmentCount >= lastSeg + 3, timeoutMs: 60000 });
      const s1 = await host.state();
      const after = s1.events.slice(evFrom);
      assert.ok(!after.some((e) => e.name === 'stream-ended'), `stream-ended at the host: ${JSON.stringify(after.map((e) => e.name))}`);
      const errs = after.filter((e) => e.name === 'stream-error');
      assert.deepEqual(errs, [], `stream-error at the host after reconnecting: ${JSON.stringify(errs)}`);
      assert.ok(!viewer.names().includes('stream-ended'), `stream-ended at the viewer: ${JSON.stringify(viewer.names())}`);
      assert.ok(s1.chunks.slice(chunksFrom).every((c) => !c.ebml), 'the same recorder: no new EBML header');
      assert.equal(s1.queueLength, 0, 'every recorded chunk was sent');
      for (const u of [urls.stream, ...variants.map((v) => new URL(v.uri, urls.master).toString())]) {
        const text = await get(u);
        assert.equal(countTag(text, '#EXT-X-DISCONTINUITY'), 0, `${u} has #EXT-X-DISCONTINUITY after a mere reconnect:\n${text}`);
        assert.ok(!parseMedia(text).ended, `${u} has #EXT-X-ENDLIST`);
      }
    });
  }

  test('recorder restart (a NEW MediaRecorder, new EBML header): exactly one #EXT-X-DISCONTINUITY, hls.js plays across it, no stream-ended', { timeout: 180000 }, async () => {
    // The player runs from before the restart.
    const { player } = await playUntilAdvanced(browser, playerOrigin, urls.master, { advanceSeconds: 2, timeoutMs: 60000, log });
    const frags = await trackFragments(player);
    try {
      const s0 = await host.state();
      const evFrom = s0.events.length;
      const chunksFrom = s0.chunks.length;
      const recIndex = await host.restartRecorder();
      log(`recorder #${recIndex} started`);
      // Three chunks of the new recorder (the old one may still flush a chunk or two after
      // chunksFrom).
      const s1 = await waitFor(async () => {
        const s = await host.state();
        return s.chunks.slice(chunksFrom).filter((c) => c.recorder === recIndex).length >= 3 ? s : false;
      }, { timeoutMs: 30000, what: `3 chunks of recorder #${recIndex}` });
      // The new recording starts with an EBML header; Chromium may split even those four bytes
      // over its first chunks (a 1-byte first chunk was seen), so read across them.
      const newChunks = s1.chunks.filter((c) => c.recorder === recIndex);
      const firstBytes = newChunks.map((c) => c.head).join('').slice(0, 8);
      assert.equal(firstBytes, '1a45dfa3', `the new recording starts with its EBML header (${JSON.stringify(newChunks.slice(0, 3))})`);
      log(`the new recorder's chunks: ${JSON.stringify(s1.chunks.filter((c) => c.recorder === recIndex).map((c) => c.bytes))} bytes`);

      // The discontinuity shows up in every media playlist, exactly once.
      const playlists = [urls.stream, ...variants.map((v) => new URL(v.uri, urls.master).toString())];
      const texts = {};
      for (const u of playlists) {
        texts[u] = await waitFor(async () => {
          const r = await httpGet(u, { timeoutMs: 5000 });
          if (r.status !== 200) return false;
          const p = parseMedia(r.text);
          const i = p.segments.findIndex((x) => x.discontinuity);
          return i >= 0 && p.segments.length >= i + 2 ? r.text : false; // and 2 segments after it
        }, { timeoutMs: 60000, intervalMs: 500, what: `#EXT-X-DISCONTINUITY (+2 segments) in ${u}` }).catch(async (e) => {
          throw new Error(`${e.message}\n${(await httpGet(u)).text}\n${await host.describe()}`);
        });
        assert.equal(countTag(texts[u], '#EXT-X-DISCONTINUITY'), 1, `${u}: expected exactly one #EXT-X-DISCONTINUITY:\n${texts[u]}`);
      }
      const p = parseMedia(texts[urls.stream]);
      const di = p.segments.findIndex((x) => x.discontinuity);
      // The player's timeline starts at segment 0: the 2 s segments that slid out of the live
      // window before the discontinuity count too.
      const discAt = p.mediaSequence * 2 + p.segments.slice(0, di).reduce((t, x) => t + x.duration, 0);
      log(`discontinuity before ${p.segments[di].uri} (segment #${di}), at ${discAt.toFixed(2)} s of the playlist`);

      // hls.js plays across it: a fragment of the next discontinuity sequence (cc ≥ 1) becomes
      // current and the time advances ≥ 3 s past the discontinuity's position.
      const st = await player.waitState((s) => s.currentTime >= discAt + 3, { timeoutMs: 90000, what: `currentTime past ${discAt.toFixed(2)} + 3 s (the discontinuity)` });
      const fr = await frags();
      log(`player at ${st.currentTime.toFixed(2)} s; fragments shown: ${JSON.stringify(fr.map((f) => `${f.sn}/cc${f.cc}@${f.start.toFixed(1)}`))}`);
      assert.ok(fr.some((f) => f.cc >= 1), `no fragment after the discontinuity (cc ≥ 1) was shown: ${JSON.stringify(fr)}`);
      const t1 = st.currentTime;
      const st2 = await player.waitState((s) => s.currentTime >= t1 + 2, { timeoutMs: 30000, what: 'playback to go on after the discontinuity' });
      assert.equal(st2.fatal, null);
      if (st2.errors.length) log(`non-fatal hls.js errors: ${JSON.stringify(st2.errors)}`);

      const s2 = await host.state();
      const after = s2.events.slice(evFrom);
      assert.ok(!after.some((e) => e.name === 'stream-ended'), 'stream-ended at the host');
      assert.deepEqual(after.filter((e) => e.name === 'stream-error'), [], 'stream-error at the host');
      assert.ok(!viewer.names().includes('stream-ended'), 'stream-ended at the viewer');

      // Timestamps continue across the restart (informative: every segment around it probed).
      const v720 = variants.find((v) => v.height === 720);
      const r = await checkRendition(new URL(v720.uri, urls.master).toString(), { dlDir: path.join(tmp.dir, 'dl2'), variant: v720, name: '720p', expectEnded: false });
      const around = r.problems.filter((x) => /gap|pts|keyframe|codec|is \d+x\d+/.test(x));
      assert.deepEqual(around, [], `720p after the restart:\n${around.join('\n')}`);
    } finally {
      await player.close();
    }
  });

  test('end-stream → stream-ended (host and viewer); every playlist ends with #EXT-X-ENDLIST', { timeout: 120000 }, async () => {
    // Like the PWA: stop recording (its last chunk goes out), then end-stream.
    await host.stopRecorder();
    await sleep(500);
    const evFrom = (await host.state()).events.length;
    await host.end();
    const ended = await host.waitEvent('stream-ended', { from: evFrom, timeoutMs: 60000 });
    assert.equal(ended.payload.streamKey, key);
    const ve = await viewer.next('stream-ended', { timeoutMs: 30000 });
    assert.equal(ve.streamKey, key);
    for (const u of [urls.stream, ...variants.map((v) => new URL(v.uri, urls.master).toString())]) {
      const text = await waitFor(async () => {
        const r = await httpGet(u, { timeoutMs: 5000 });
        return r.status === 200 && parseMedia(r.text).lastLineIsEndlist ? r.text : false;
      }, { timeoutMs: 30000, what: `#EXT-X-ENDLIST at the end of ${u}` });
      assert.equal(countTag(text, '#EXT-X-ENDLIST'), 1);
    }
    await sleep(500);
    assert.ok(!(await host.state()).events.slice(evFrom).some((e) => e.name === 'stream-error'), 'stream-error after end-stream');
  });
});

// The same restart from a Node publisher with a WebM made by the ffmpeg program: the file is sent
// twice in ~1 s chunks (each ~125 KB, more than one 64 KiB read of the demuxer), so the second
// pass starts with a new EBML header in one big chunk.
describe('recorder restart from a Node socket.io-client publisher (a WebM made by the ffmpeg program, sent twice)', () => {
  let tmp, studio, pub;
  const key = randomKey();
  const SECONDS = 8;

  before(async () => {
    tmp = tempDir();
    studio = await startNoSource(tmp);
  });
  after(async () => {
    pub?.close();
    if (studio && !studio.exitInfo) await studio.stop({ killAfterMs: 15000 });
    tmp?.cleanup();
  });

  test('exactly one #EXT-X-DISCONTINUITY, segments after it, no stream-ended until end-stream', { timeout: 120000 }, async () => {
    const file = path.join(tmp.dir, 'in.webm');
    await new Promise((resolve, reject) => execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(SECONDS), '-c:v', 'libvpx', '-b:v', '1000k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', file],
    { timeout: 120000 }, (e, _o, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve())));
    const data = fs.readFileSync(file);
    const cb = Math.ceil(data.length / SECONDS);
    pub = await nodeClient(studio.origin, { query: { streamKey: key } });
    pub.socket.emit('start-stream', { userId: 'node-publisher', streamKey: key });
    await pub.next('stream-started');
    for (let pass = 0; pass < 2; pass++) {
      for (let off = 0; off < data.length; off += cb) {
        pub.socket.emit('stream-data', { streamKey: key, chunk: data.subarray(off, off + cb) });
        await sleep(1000);
      }
    }
    log(`sent ${SECONDS} s twice in chunks of ${cb} bytes`);
    const url = `${studio.origin}/livestream/${key}/stream.m3u8`;
    const text = await waitFor(async () => {
      const r = await httpGet(url, { timeoutMs: 5000 });
      if (r.status !== 200) return false;
      const p = parseMedia(r.text);
      const i = p.segments.findIndex((x) => x.discontinuity);
      return (i >= 0 && p.segments.length >= i + 3) || p.ended ? r.text : false;
    }, { timeoutMs: 30000, what: `a #EXT-X-DISCONTINUITY and 3 segments after it in ${url}` });
    const bad = pub.events.filter((e) => e.name === 'stream-ended' || e.name === 'stream-error');
    assert.deepEqual(bad, [], `the restart ended the stream: ${JSON.stringify(bad.slice(0, 3))}\n${text}\n${studio.describe()}`);
    const p = parseMedia(text);
    assert.equal(countTag(text, '#EXT-X-DISCONTINUITY'), 1, text);
    assert.ok(p.segments.length - p.segments.findIndex((x) => x.discontinuity) >= 3, text);
    pub.socket.emit('end-stream', { streamKey: key });
    await pub.next('stream-ended', { timeoutMs: 30000 });
  });
});
