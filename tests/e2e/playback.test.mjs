// hls.js (the PWA's player, PWA settings) in headless Chromium, from a second origin, playing the
// real afk-studio on the test pattern: master.m3u8 with every level, and stream.m3u8 directly.
//   node --test tests/e2e/playback.test.mjs     (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from './lib/util.mjs';
import { startStudio, waitForSegments } from './lib/studio.mjs';
import { launchChromium, startPlayerOrigin } from './lib/browser.mjs';
import { playUntilAdvanced, switchEveryLevel } from './lib/playback.mjs';

const log = (m) => console.log(`# ${m}`);

describe('hls.js playback of afk-studio (test pattern, 720p,480p,360p)', () => {
  let tmp, studio, browser, origin;

  before(async () => {
    tmp = tempDir();
    studio = await startStudio({ dataDir: path.join(tmp.dir, 'data'), ladder: '720p,480p,360p' });
    // hls.js starts a live playlist ~3 target durations from the end: give it 3 segments.
    await waitForSegments(studio.streamUrl, 3, { timeoutMs: 90000, handle: studio });
    browser = await launchChromium();
    origin = await startPlayerOrigin();
    assert.notEqual(origin.origin, studio.origin, 'the player page must be cross-origin');
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

  test('master.m3u8: 3 levels, plays ≥ 5 s, then every level switches and keeps playing', { timeout: 240000 }, async () => {
    const { player, levels } = await playUntilAdvanced(browser, origin, studio.masterUrl, { advanceSeconds: 5, log });
    try {
      assert.equal(levels.length, 3, `MANIFEST_PARSED with ${levels.length} levels: ${JSON.stringify(levels)}`);
      assert.deepEqual(levels.map((l) => l.height).sort((a, b) => a - b), [360, 480, 720], `level heights ${JSON.stringify(levels)}`);
      const report = await switchEveryLevel(player, levels, { advanceSeconds: 2, timeoutMs: 30000, log });
      assert.equal(report.length, 3);
      const s = await player.state();
      assert.equal(s.fatal, null, `fatal error: ${JSON.stringify(s.fatal)}`);
      if (s.errors.length) log(`non-fatal hls.js errors: ${JSON.stringify(s.errors)}`);
    } finally {
      await player.close();
    }
  });

  test("stream.m3u8 (the PWA's path) plays ≥ 5 s", { timeout: 120000 }, async () => {
    const { player, levels } = await playUntilAdvanced(browser, origin, studio.streamUrl, { advanceSeconds: 5, log });
    try {
      assert.equal(levels.length, 1, `stream.m3u8 is a media playlist: expected 1 level, got ${levels.length}`);
      const s = await player.state();
      assert.equal(s.fatal, null);
      assert.equal(s.videoHeight, 720, `stream.m3u8 shows ${s.videoWidth}x${s.videoHeight}, expected the 720p top rendition`);
      if (s.errors.length) log(`non-fatal hls.js errors: ${JSON.stringify(s.errors)}`);
    } finally {
      await player.close();
    }
  });
});
