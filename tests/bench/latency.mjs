#!/usr/bin/env node
// Benchmark helper (not a test): live numbers of afk-studio vs the ffmpeg program's live HLS.
//   node tests/bench/latency.mjs first-segment studio|ffmpeg
//       ms from process start to the first servable segment (stream.m3u8 lists a .ts)
//   node tests/bench/latency.mjs latency studio|ffmpeg [--play-seconds 15]
//       hls.js (PWA settings) in headless Chromium plays master.m3u8; after ~play-seconds of
//       playback, latency = Date.now() - hls.playingDate (PROGRAM-DATE-TIME based), median of samples
// Prints one JSON line on stdout. afk-studio is $AFK_STUDIO_BIN or build/app/afk-studio.
import path from 'node:path';
import { tempDir, httpGet, sleep, waitFor } from '../e2e/lib/util.mjs';
import { startStudio, segmentUris } from '../e2e/lib/studio.mjs';
import { startReferenceLive } from '../e2e/lib/media.mjs';
import { launchChromium, startPlayerOrigin, openPlayer } from '../e2e/lib/browser.mjs';

const [mode, target] = process.argv.slice(2);
const playSeconds = Number(process.argv[process.argv.indexOf('--play-seconds') + 1]) || 15;
if (!['first-segment', 'latency'].includes(mode) || !['studio', 'ffmpeg'].includes(target)) {
  console.error('usage: latency.mjs first-segment|latency studio|ffmpeg [--play-seconds N]');
  process.exit(2);
}

const { dir, cleanup } = tempDir('afk-bench-');
const t0 = Date.now();
let live;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
try {
  if (target === 'studio') {
    live = await startStudio({ dataDir: path.join(dir, 'data'), ladder: '720p,480p,360p', waitReady: false });
    live.stopIt = () => live.stop({ killAfterMs: 10000 });
  } else {
    live = await startReferenceLive({ root: path.join(dir, 'www'), seconds: 300 });
    live.stopIt = () => live.stop();
  }
  const firstSegmentMs = await waitFor(async () => {
    if (live.exitInfo) throw Object.assign(new Error(`exited (code ${live.exitInfo.code})`), { fatal: true });
    const r = await httpGet(live.streamUrl, { timeoutMs: 2000 });
    return r.status === 200 && segmentUris(r.text).some((u) => /\.ts(\?|$)/.test(u)) ? Date.now() - t0 : false;
  }, { timeoutMs: 60000, intervalMs: 50, what: 'a .ts line in stream.m3u8' });

  if (mode === 'first-segment') {
    console.log(JSON.stringify({ target, firstSegmentMs }));
  } else {
    // Same start condition for both: 3 segments listed, as hls.js starts 3 target durations back.
    await waitFor(async () => segmentUris((await httpGet(live.streamUrl)).text).length >= 3, { timeoutMs: 60000, what: '3 segments' });
    const browser = await launchChromium();
    const origin = await startPlayerOrigin();
    try {
      const player = await openPlayer(browser, origin, live.masterUrl);
      const start = await player.waitState((s) => s.currentTime > 0 && !s.paused, { timeoutMs: 60000, what: 'playback start' });
      const tPlay = Date.now();
      const startupMs = tPlay - t0;
      await sleep(Math.max(0, playSeconds - 3) * 1000);
      const samples = [];
      const hlsLatency = [];
      while (Date.now() - tPlay < playSeconds * 1000 + 3000) {
        const s = await player.state();
        if (s.fatal) throw new Error(`fatal: ${JSON.stringify(s.fatal)}`);
        if (s.playingDate) samples.push(s.now - s.playingDate);
        if (Number.isFinite(s.latency)) hlsLatency.push(s.latency * 1000);
        await sleep(250);
      }
      const end = await player.state();
      console.log(JSON.stringify({
        target, firstSegmentMs, playbackStartMs: startupMs,
        latencyMs: Math.round(median(samples)), latencyMinMs: Math.round(Math.min(...samples)), latencyMaxMs: Math.round(Math.max(...samples)),
        hlsLatencyMs: Math.round(median(hlsLatency)), samples: samples.length,
        played: +(end.currentTime - start.currentTime).toFixed(2), level: end.currentLevel, stalls: end.errors.filter((e) => e.details === 'bufferStalledError').length,
      }));
      await player.close();
    } finally {
      await browser.close();
      await origin.close();
    }
  }
} catch (e) {
  console.error(`latency.mjs ${mode} ${target}: ${e.message}`);
  if (live?.describe) console.error(live.describe());
  process.exitCode = 1;
} finally {
  if (live) await live.stopIt().catch(() => {});
  cleanup();
}
