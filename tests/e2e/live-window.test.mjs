// Sliding live playlists (--live-window), the whole stream as recording.m3u8, and a stream key
// used again: the real afk-studio on its test pattern with 1 s segments and a 4 s window, run
// twice on the same data dir and key.
//   node --test tests/e2e/live-window.test.mjs     (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, httpGet, randomKey } from './lib/util.mjs';
import { startStudio, waitForSegments } from './lib/studio.mjs';
import { parseMaster, parseMedia, mediaPlaylistProblems } from './lib/m3u8.mjs';
import { probeSegment } from './lib/ffprobe.mjs';
import { launchChromium, startPlayerOrigin } from './lib/browser.mjs';
import { playUntilAdvanced } from './lib/playback.mjs';

const SEG = 1;
const WINDOW = 4;
const RUNGS = ['360p', '240p'];
const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const log = (m) => console.log(`# ${m}`);
const noProblems = (problems, what) => assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);
const segmentNumber = (uri) => Number(/^segment_(\d+)\.ts$/.exec(uri)?.[1] ?? NaN);
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const range = (from, to) => Array.from({ length: to - from }, (_, i) => `segment_${from + i}.ts`);

/**
 * Every segment URL path the stream's playlists name: each rung's, and the top rung's at the
 * root. Paths, not whole URLs: the runs listen on different ports, a CDN sees one public origin.
 */
function segmentPaths(key, rung, uris, isTop) {
  const base = `/livestream/${key}`;
  return uris.flatMap((u) => [`${base}/${rung}/${u}`, ...(isTop ? [`${base}/${u}`] : [])]);
}

describe(`--live-window ${WINDOW} --segment-seconds ${SEG}, then the same stream key again`, () => {
  let tmp, dataDir, browser, origin;
  const key = randomKey();
  const start = () => startStudio({ dataDir, key, ladder: RUNGS.join(','), segmentSeconds: SEG, extraArgs: ['--live-window', String(WINDOW)] });
  // What the first run left: its segment count per rung, its files' hashes, the URLs it served.
  let firstRun = null;

  before(async () => {
    tmp = tempDir();
    dataDir = path.join(tmp.dir, 'data');
    browser = await launchChromium();
    origin = await startPlayerOrigin();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await origin?.close();
    tmp?.cleanup();
  });

  test('first run: live playlists slide, hls.js plays them, the recording keeps every segment', { timeout: 300000 }, async () => {
    const studio = await start();
    const served = new Set();
    try {
      // 16 s of media: the recording lists at least 16 segments.
      await waitForSegments(`${studio.base}/${RUNGS[0]}/recording.m3u8`, 16, { timeoutMs: 150000, handle: studio });
      const problems = [];
      const live = [studio.streamUrl, ...RUNGS.map((r) => `${studio.base}/${r}/index.m3u8`)];
      for (const url of live) {
        const r = await httpGet(url);
        assert.equal(r.status, 200, `GET ${url} → ${r.status}`);
        problems.push(...mediaPlaylistProblems(r.text, { expectEnded: false, segmentSeconds: SEG, name: url, uriPattern: /^segment_\d+\.ts$/ }));
        const p = parseMedia(r.text);
        if (p.segments.length < 3 || p.segments.length > 6) problems.push(`${url} lists ${p.segments.length} segments, expected 3-6`);
        if (!(p.mediaSequence > 0)) problems.push(`${url}: #EXT-X-MEDIA-SEQUENCE is ${p.mediaSequence} after 16 s`);
        if (segmentNumber(p.segments[0]?.uri) !== p.mediaSequence) problems.push(`${url}: the first segment ${p.segments[0]?.uri} is not number ${p.mediaSequence}`);
        if (p.discontinuitySequence !== 0) problems.push(`${url}: #EXT-X-DISCONTINUITY-SEQUENCE is ${p.discontinuitySequence}`);
      }
      noProblems(problems, 'live playlists after 16 s');

      const master = await httpGet(`${studio.base}/recording.m3u8`);
      assert.equal(master.status, 200, `GET recording.m3u8 → ${master.status}`);
      assert.equal(master.headers.get('content-type'), PLAYLIST_TYPE);
      assert.equal(master.headers.get('cache-control'), 'no-cache');
      assert.deepEqual(parseMaster(master.text).variants.map((v) => v.uri), RUNGS.map((r) => `${r}/recording.m3u8`));
      const rung = await httpGet(`${studio.base}/${RUNGS[1]}/recording.m3u8`);
      assert.equal(rung.status, 200);
      assert.equal(rung.headers.get('content-type'), PLAYLIST_TYPE);
      assert.equal(rung.headers.get('cache-control'), 'no-cache');

      const { player } = await playUntilAdvanced(browser, origin, studio.masterUrl, { advanceSeconds: 4, log });
      try {
        const s = await player.state();
        assert.equal(s.fatal, null, `fatal hls.js error: ${JSON.stringify(s.fatal)}`);
        if (s.errors.length) log(`non-fatal hls.js errors: ${JSON.stringify(s.errors)}`);
      } finally {
        await player.close();
      }
    } finally {
      const r = await studio.stop({ killAfterMs: 15000 });
      assert.equal(r.code, 0, `exit code ${r.code} after SIGTERM\n${studio.describe()}`);
    }

    // After SIGTERM: each rung's recording lists segment_0.ts … in order, once, and is ended.
    const problems = [];
    const counts = {};
    const hashes = new Map();
    RUNGS.forEach((rung, index) => {
      const dir = path.join(studio.streamDir, rung);
      const text = fs.readFileSync(path.join(dir, 'recording.m3u8'), 'utf8');
      problems.push(...mediaPlaylistProblems(text, { expectEnded: true, segmentSeconds: SEG, name: `${rung}/recording.m3u8`, playlistType: 'EVENT' }));
      const uris = parseMedia(text).segments.map((s) => s.uri);
      if (uris.join() !== range(0, uris.length).join()) problems.push(`${rung}/recording.m3u8 lists ${uris.join(' ')}`);
      if (uris.length < 16) problems.push(`${rung}/recording.m3u8 lists only ${uris.length} segments`);
      const liveText = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
      const liveUris = parseMedia(liveText).segments.map((s) => s.uri);
      if (!liveText.endsWith('#EXT-X-ENDLIST\n')) problems.push(`${rung}/index.m3u8 is not ended`);
      if (uris.slice(-liveUris.length).join() !== liveUris.join()) problems.push(`${rung}/index.m3u8 (${liveUris.join(' ')}) is not the recording's tail`);
      counts[rung] = uris.length;
      for (const u of uris) {
        const file = path.join(dir, u);
        if (!fs.existsSync(file)) problems.push(`${rung}/${u} listed but not on disk`);
        else hashes.set(file, sha256(file));
      }
      segmentPaths(key, rung, uris, index === 0).forEach((u) => served.add(u));
    });
    noProblems(problems, 'the first run after SIGTERM');
    firstRun = { counts, hashes, served, next: Math.max(...Object.values(counts)) };
    log(`first run: ${JSON.stringify(counts)} segments`);
  });

  test('second run: segment numbers go on, the first run stays, the recording holds both runs', { timeout: 300000 }, async () => {
    assert.ok(firstRun, 'the first run failed');
    const { next } = firstRun;
    const studio = await start();
    const secondUrls = new Set();
    try {
      await waitForSegments(`${studio.base}/${RUNGS[0]}/recording.m3u8`, next + 3, { timeoutMs: 150000, handle: studio });
      for (const [index, rung] of RUNGS.entries()) {
        const url = `${studio.base}/${rung}/index.m3u8`;
        const r = await httpGet(url);
        assert.equal(r.status, 200);
        const p = parseMedia(r.text);
        assert.ok(p.mediaSequence >= next, `${url}: #EXT-X-MEDIA-SEQUENCE ${p.mediaSequence}, the first run went up to ${next - 1}`);
        for (const s of p.segments) assert.ok(segmentNumber(s.uri) >= next, `${url} lists ${s.uri} of the first run's numbers`);
        segmentPaths(key, rung, p.segments.map((s) => s.uri), index === 0).forEach((u) => secondUrls.add(u));
        // The second run's first segments are real: H.264 starting on a keyframe, and AAC.
        const dlDir = path.join(tmp.dir, 'dl', rung);
        fs.mkdirSync(dlDir, { recursive: true });
        for (const s of p.segments.slice(0, 2)) {
          const sr = await httpGet(new URL(s.uri, url).toString(), { timeoutMs: 20000 });
          assert.equal(sr.status, 200, `GET ${rung}/${s.uri} → ${sr.status}`);
          const file = path.join(dlDir, s.uri);
          fs.writeFileSync(file, sr.buf);
          const probe = await probeSegment(file);
          assert.equal(probe.video?.codec, 'h264', `${rung}/${s.uri}: video ${probe.video?.codec}`);
          assert.equal(probe.video.height, Number(rung.replace('p', '')), `${rung}/${s.uri}: ${probe.video.width}x${probe.video.height}`);
          assert.ok(probe.video.firstPacketIsKey, `${rung}/${s.uri} does not start with a keyframe`);
          assert.equal(probe.audio?.codec, 'aac', `${rung}/${s.uri}: audio ${probe.audio?.codec}`);
          assert.ok(Math.abs(probe.video.duration - SEG) < 0.1, `${rung}/${s.uri}: ${probe.video.duration} s of video`);
        }
      }
      const top = parseMedia((await httpGet(studio.streamUrl)).text);
      assert.ok(top.mediaSequence >= next, `stream.m3u8: #EXT-X-MEDIA-SEQUENCE ${top.mediaSequence}`);
    } finally {
      const r = await studio.stop({ killAfterMs: 15000 });
      assert.equal(r.code, 0, `exit code ${r.code} after SIGTERM\n${studio.describe()}`);
    }

    const problems = [];
    for (const [file, hash] of firstRun.hashes) {
      if (!fs.existsSync(file)) problems.push(`${file} of the first run is gone`);
      else if (sha256(file) !== hash) problems.push(`${file} of the first run changed`);
    }
    RUNGS.forEach((rung, index) => {
      const text = fs.readFileSync(path.join(studio.streamDir, rung, 'recording.m3u8'), 'utf8');
      problems.push(...mediaPlaylistProblems(text, { expectEnded: true, segmentSeconds: SEG, name: `${rung}/recording.m3u8`, playlistType: 'EVENT' }));
      const p = parseMedia(text);
      const uris = p.segments.map((s) => s.uri);
      const count = firstRun.counts[rung];
      // The first run's segments, then the second run's from `next` on after one discontinuity.
      const expected = [...range(0, count), ...range(next, next + uris.length - count)];
      if (uris.join() !== expected.join()) problems.push(`${rung}/recording.m3u8 lists ${uris.join(' ')}`);
      const marked = p.segments.filter((s) => s.discontinuity).map((s) => s.uri);
      if (marked.join() !== `segment_${next}.ts`) problems.push(`${rung}/recording.m3u8 has discontinuities before ${marked.join(', ') || 'no segment'}, expected before segment_${next}.ts`);
      if ((p.tags['EXT-X-ENDLIST']?.length ?? 0) !== 1 || !p.lastLineIsEndlist) problems.push(`${rung}/recording.m3u8 does not end with exactly one #EXT-X-ENDLIST`);
      segmentPaths(key, rung, uris.slice(count), index === 0).forEach((u) => secondUrls.add(u));
    });
    const reused = [...secondUrls].filter((u) => firstRun.served.has(u));
    if (reused.length) problems.push(`the second run reuses the first run's URLs: ${reused.slice(0, 5).join(' ')}`);
    if (secondUrls.size === 0) problems.push('the second run named no segment');
    noProblems(problems, 'after the second run');
  });
});
