// Low-Latency HLS (CMAF) from the real afk-studio on the test pattern, default ladder: the
// ll.m3u8 master and every rendition's playlist tags, ffprobe of init + segments + parts (parts
// concatenate to their segment), blocking playlist reload and preload-hinted parts, and hls.js
// with lowLatencyMode playing ll.m3u8 at every level in headless Chromium.
//   node --test tests/e2e/llhls.test.mjs     (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, waitFor, httpGet } from './lib/util.mjs';
import { startStudio } from './lib/studio.mjs';
import { ffprobe } from './lib/ffprobe.mjs';
import { parseAttributes, parseMaster } from './lib/m3u8.mjs';
import { launchChromium, startPlayerOrigin } from './lib/browser.mjs';
import { playUntilAdvanced } from './lib/playback.mjs';

const log = (m) => console.log(`# ${m}`);

/** The LL playlist's parts, segments, hint and reports. */
function parseLowLatency(text) {
  const lines = text.split('\n');
  const parts = [];
  const segments = [];
  const reports = [];
  let hint = null;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PART:')) parts.push(parseAttributes(line.slice('#EXT-X-PART:'.length)));
    else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) hint = parseAttributes(line.slice('#EXT-X-PRELOAD-HINT:'.length));
    else if (line.startsWith('#EXT-X-RENDITION-REPORT:')) reports.push(parseAttributes(line.slice('#EXT-X-RENDITION-REPORT:'.length)));
    else if (/^seg_\d+\.m4s$/.test(line)) segments.push(line);
  }
  const tag = (name) => lines.find((l) => l.startsWith(`#${name}:`))?.slice(name.length + 2);
  return { parts, segments, reports, hint, tag, lines };
}

const partOf = (uri) => {
  const m = /^part_(\d+)_(\d+)\.m4s$/.exec(uri);
  return m ? { msn: Number(m[1]), part: Number(m[2]) } : null;
};

describe('LL-HLS (CMAF parts) of afk-studio (test pattern, 720p,480p,360p)', () => {
  let tmp, studio, browser, origin, llUrl, master;

  before(async () => {
    tmp = tempDir('afk-llhls-');
    // ultrafast: LL playback stalls whenever the encoders fall behind real time (a player sits
    // 1 s behind the newest part), which the default preset does on a loaded 2-core machine.
    // Packaging and serving are the same for every preset.
    studio = await startStudio({ dataDir: path.join(tmp.dir, 'data'), ladder: '720p,480p,360p', extraArgs: ['--x264-preset', 'ultrafast'] });
    llUrl = `${studio.base}/ll.m3u8`;
    assert.match(studio.out.stdout, new RegExp(`low-latency HLS\\):\\s+${llUrl.replace(/[.]/g, '\\.')}\\n`));
    master = await waitFor(async () => {
      const r = await httpGet(llUrl);
      return r.status === 200 ? parseMaster(r.text) : false;
    }, { timeoutMs: 60000, what: 'll.m3u8 = 200' });
    // Two complete segments in every rendition (the first with its parts, at least).
    for (const variant of master.variants) {
      await waitFor(async () => {
        const r = await httpGet(`${studio.base}/${variant.uri}`);
        return r.status === 200 && parseLowLatency(r.text).segments.length >= 2;
      }, { timeoutMs: 90000, what: `two segments in ${variant.uri}` });
    }
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await origin?.close();
    if (studio && !studio.exitInfo) {
      const r = await studio.stop({ killAfterMs: 10000 });
      if (r.code !== 0) log(`afk-studio exit code ${r.code} signal ${r.signal} after SIGTERM`);
    }
    tmp?.cleanup();
  });

  test('ll.m3u8, playlists, and ffprobe of init + segment + parts of every rendition', { timeout: 180000 }, async () => {
    assert.equal(master.variants.length, 3);
    const status = JSON.parse((await httpGet(`${studio.base}/status`)).text);
    assert.equal(status.overall.lowLatencyPlaylist, 'll.m3u8');
    const heights = [];
    for (const variant of master.variants) {
      const attrs = variant.attrs;
      assert.match(attrs.CODECS, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/, `CODECS of ${variant.uri}`);
      const [width, height] = attrs.RESOLUTION.split('x').map(Number);
      heights.push(height);
      const base = `${studio.base}/${path.posix.dirname(variant.uri)}`;
      const playlistResponse = await httpGet(`${studio.base}/${variant.uri}`);
      assert.equal(playlistResponse.headers.get('content-type'), 'application/vnd.apple.mpegurl');
      const playlist = parseLowLatency(playlistResponse.text);
      const partTarget = Number(parseAttributes(playlist.tag('EXT-X-PART-INF'))['PART-TARGET']);
      const control = parseAttributes(playlist.tag('EXT-X-SERVER-CONTROL'));
      assert.equal(control['CAN-BLOCK-RELOAD'], 'YES');
      assert.ok(Number(control['PART-HOLD-BACK']) >= 2 * partTarget - 1e-6, `PART-HOLD-BACK ${control['PART-HOLD-BACK']} ≥ 2 × ${partTarget} (the spec's minimum)`);
      assert.ok(partTarget > 0.25 && partTarget < 0.4, `PART-TARGET ${partTarget} (default about 0.33 s)`);
      assert.ok(playlist.lines.some((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')));
      // A new stream starts at segment 1: hls.js takes a part of segment 0 for none and stalls there.
      assert.equal(playlist.tag('EXT-X-MEDIA-SEQUENCE'), '1', 'the window has not slid yet: the first segment is 1');
      assert.ok(playlist.segments[0] === 'seg_1.m4s', `first segment ${playlist.segments[0]}`);
      assert.ok(playlist.hint && partOf(playlist.hint.URI), `preload hint: ${JSON.stringify(playlist.hint)}`);
      assert.equal(playlist.reports.length, 2, 'a rendition report for each sibling');
      for (const part of playlist.parts) assert.ok(Number(part.DURATION) <= partTarget + 1e-4, `part ${part.URI} of ${part.DURATION} s ≤ PART-TARGET`);

      // The newest complete segment whose parts are all listed.
      const complete = [...playlist.segments].reverse().find((s) => {
        const msn = Number(/\d+/.exec(s)[0]);
        return playlist.parts.some((p) => partOf(p.URI).msn === msn && partOf(p.URI).part === 0);
      });
      assert.ok(complete, `a complete segment with its parts in ${variant.uri}`);
      const msn = Number(/\d+/.exec(complete)[0]);
      const partUris = playlist.parts.map((p) => p.URI).filter((u) => partOf(u).msn === msn);
      assert.ok(partUris.length >= 5, `segment ${msn} has ${partUris.length} parts`);
      const init = (await httpGet(`${base}/init.mp4`)).buf;
      const segmentResponse = await httpGet(`${base}/${complete}`);
      assert.equal(segmentResponse.status, 200);
      assert.equal(segmentResponse.headers.get('content-type'), 'video/mp4');
      const parts = [];
      for (const uri of partUris) parts.push((await httpGet(`${base}/${uri}`)).buf);
      assert.ok(Buffer.concat(parts).equals(segmentResponse.buf), `the parts of ${complete} concatenate to it`);

      const file = path.join(tmp.dir, `${height}-${complete}.mp4`);
      fs.writeFileSync(file, Buffer.concat([init, segmentResponse.buf]));
      const probe = await ffprobe(file);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const audio = probe.streams.find((s) => s.codec_type === 'audio');
      assert.equal(video?.codec_name, 'h264');
      assert.equal(audio?.codec_name, 'aac');
      assert.equal(video.width, width, `width as the master says (${variant.uri})`);
      assert.equal(video.height, height, `height as the master says (${variant.uri})`);
      const videoPackets = probe.packets.filter((p) => p.stream_index === video.index);
      assert.ok(videoPackets[0].flags.startsWith('K'), 'the segment starts with a keyframe');
      assert.ok(videoPackets.length >= 55 && videoPackets.length <= 65, `${videoPackets.length} frames in a 2 s segment`);
      assert.ok(probe.packets.some((p) => p.stream_index === audio.index), 'audio packets in the segment');

      // The first part plays on its own after the init segment.
      const partFile = path.join(tmp.dir, `${height}-part.mp4`);
      fs.writeFileSync(partFile, Buffer.concat([init, parts[0]]));
      const partProbe = await ffprobe(partFile);
      const partVideo = partProbe.packets.filter((p) => p.stream_index === video.index);
      assert.ok(partVideo.length >= 9 && partVideo.length <= 11, `${partVideo.length} frames in a part`);
      assert.ok(partVideo[0].flags.startsWith('K'));
      log(`${variant.uri}: ${width}x${height}, ${complete} = ${parts.length} parts, ${segmentResponse.buf.length} bytes`);
    }
    assert.deepEqual(heights.sort((a, b) => a - b), [360, 480, 720]);
  });

  test('blocking reload answers once the next part exists; hinted parts are held until written', { timeout: 120000 }, async () => {
    const playlistUrl = `${studio.base}/${master.variants[0].uri}`;
    const base = path.posix.dirname(playlistUrl);
    const before = parseLowLatency((await httpGet(playlistUrl)).text);
    const next = partOf(before.hint.URI);
    assert.ok(!before.parts.some((p) => p.URI === before.hint.URI), 'the hinted part is not listed yet');
    const blocked = await httpGet(`${playlistUrl}?_HLS_msn=${next.msn}&_HLS_part=${next.part}`, { timeoutMs: 20000 });
    assert.equal(blocked.status, 200);
    const after = parseLowLatency(blocked.text);
    assert.ok(after.parts.some((p) => p.URI === before.hint.URI), `the answer lists ${before.hint.URI}`);
    // Answered when that part appeared, not parts later (the packager makes one every 1/3 s).
    const hinted = partOf(after.hint.URI);
    const partsLater = (hinted.msn - next.msn) * 6 + hinted.part - next.part;
    assert.ok(partsLater >= 1 && partsLater <= 3, `answered ${partsLater} parts after the wanted one`);

    // The new hint's part: held, then served with its bytes.
    const hintedPart = await httpGet(`${base}/${after.hint.URI}`, { timeoutMs: 20000 });
    assert.equal(hintedPart.status, 200);
    assert.equal(hintedPart.headers.get('content-type'), 'video/mp4');
    assert.ok(hintedPart.buf.length > 100 && hintedPart.buf.subarray(4, 8).toString('latin1') === 'moof', 'a CMAF fragment');

    // Too far ahead, or a part without its segment number: 400 at once.
    const tooFar = await httpGet(`${playlistUrl}?_HLS_msn=${next.msn + 10}`);
    assert.equal(tooFar.status, 400);
    assert.equal((await httpGet(`${playlistUrl}?_HLS_part=1`)).status, 400);
    assert.equal((await httpGet(`${playlistUrl}?_HLS_msn=x`)).status, 400);
    assert.equal((await httpGet(`${base}/part_0_99999.m4s`)).status, 404, 'an old part is 404 at once');
    assert.equal((await httpGet(`${studio.base}/ll/1080p/index.m3u8`)).status, 404);
  });

  test('hls.js lowLatencyMode plays ll.m3u8 at every level, 10 s each without a stall (a second window after one late part)', { timeout: 300000 }, async () => {
    browser = await launchChromium();
    origin = await startPlayerOrigin();
    const { player, levels } = await playUntilAdvanced(browser, origin, llUrl, { advanceSeconds: 2, log });
    try {
      assert.equal(levels.length, 3);
      for (let level = 0; level < levels.length; level++) {
        await player.page.evaluate((l) => { window.__afk.hls.currentLevel = l; }, level);
        const height = levels[level].height;
        let from = await player.waitState((s) => s.videoHeight === height, { timeoutMs: 30000, what: `${height}p on screen` });
        // A player 1 s behind the newest part stalls when a part comes late, which a loaded
        // 2-core machine can cause once; a second window of 10 s must then be clean.
        let stalls = [];
        let end;
        for (let window = 0; window < 2; window++) {
          const errorsBefore = from.errors.length;
          end = await player.waitState((s) => s.currentTime >= from.currentTime + 10, { timeoutMs: 40000, what: `10 s played at ${height}p` });
          stalls = end.errors.slice(errorsBefore).filter((e) => e.details === 'bufferStalledError');
          if (!stalls.length) break;
          log(`${height}p: ${stalls.length} stall(s) in window ${window + 1}: ${stalls.map((e) => e.reason).join('; ')}`);
          from = end;
        }
        assert.deepEqual(stalls, [], `10 s without a stall at ${height}p`);
        log(`${height}p: ${from.currentTime.toFixed(2)} → ${end.currentTime.toFixed(2)} s, latency ${end.playingDate ? ((end.now - end.playingDate) / 1000).toFixed(2) : '?'} s`);
      }
      const s = await player.state();
      assert.equal(s.fatal, null);
    } finally {
      await player.close();
    }
  });
});
