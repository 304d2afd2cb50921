#!/usr/bin/env node
// Benchmark (not a test): Low-Latency HLS against the TS presentation, same studio, same run.
//   node tests/bench/ll-latency.mjs [--play-seconds 20] [--ladder RUNGS] [--extra "--flag …"]
// One afk-studio on the test pattern (default ladder 720p,480p,360p); hls.js (lowLatencyMode, the e2e player
// page) in headless Chromium plays ll.m3u8 and master.m3u8 side by side. Reports, per playlist,
// the median of now − hls.playingDate (PROGRAM-DATE-TIME = capture time of a segment's first
// frame), hls.js's own latency and target; and the time from the studio's start to the first
// part listed in ll.m3u8's top rendition and to each player's first frame.
// Options: --ladder RUNGS, --catch-up RATE (hls.js maxLiveSyncPlaybackRate, default 1), --only ll|ts
// (one player: two in one Chromium on 2 cores disturb each other's start), --hls-log FILE (hls.js's
// debug log of each player, the page's console, written there: where a stall came from).
// Prints one JSON line. afk-studio is $AFK_STUDIO_BIN or build/app/afk-studio.
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, httpGet, sleep, waitFor } from '../e2e/lib/util.mjs';
import { startStudio } from '../e2e/lib/studio.mjs';
import { launchChromium, startPlayerOrigin, openPlayer } from '../e2e/lib/browser.mjs';

const argument = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const playSeconds = Number(argument('--play-seconds', '20'));
const ladder = argument('--ladder', '720p,480p,360p');
// hls.js's maxLiveSyncPlaybackRate for both players: 1 (its default) never catches up after a
// stall; above 1 it plays faster until it is back at its target latency.
const catchUpRate = Number(argument('--catch-up', '1'));
const extraArgs = argument('--extra', '').split(' ').filter(Boolean);
const only = argument('--only', '');
const hlsLogFile = argument('--hls-log', '');
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

const { dir, cleanup } = tempDir('afk-ll-bench-');
let studio;
let browser;
let origin;
try {
  studio = await startStudio({ dataDir: path.join(dir, 'data'), ladder, waitReady: false, extraArgs: ['--stats-interval', '5', ...extraArgs] });
  const t0 = studio.t0;
  const llUrl = `${studio.base}/ll.m3u8`;
  const top = ladder.split(',')[0];
  let serverUpMs = null;
  let firstPlaylist = '';
  const firstPartMs = await waitFor(async () => {
    if (studio.exitInfo) throw Object.assign(new Error(`exited (code ${studio.exitInfo.code})`), { fatal: true });
    const r = await httpGet(`${studio.base}/ll/${top}/index.m3u8`, { timeoutMs: 2000 }).catch(() => null);
    if (r && serverUpMs === null) serverUpMs = Date.now() - t0;
    if (r?.status !== 200 || !r.text.includes('#EXT-X-PART:')) return false;
    firstPlaylist = r.text;
    return Date.now() - t0;
  }, { timeoutMs: 60000, intervalMs: 20, what: 'the first part in the top rendition\'s LL playlist' });
  // Where the time to the first part went: the first frame's capture time is the first
  // PROGRAM-DATE-TIME; the packager's files on disk carry when init.mp4 and the first part were
  // written (the same moment they were published to the index).
  const llDir = path.join(studio.streamDir, 'll', top);
  const firstPart = /URI="(part_\d+_0\.m4s)"/.exec(firstPlaylist)?.[1];
  const startup = {
    serverUpMs,
    firstFrameCapturedMs: Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(firstPlaylist)?.[1]) - t0,
    initWrittenMs: Math.round(fs.statSync(path.join(llDir, 'init.mp4')).mtimeMs - t0),
    firstPartWrittenMs: firstPart ? Math.round(fs.statSync(path.join(llDir, firstPart)).mtimeMs - t0) : null,
    firstPartSeenMs: firstPartMs,
  };
  await waitFor(async () => (await httpGet(llUrl)).status === 200, { timeoutMs: 60000, intervalMs: 20, what: 'll.m3u8 = 200' });
  startup.llMasterMs = Date.now() - t0;
  browser = await launchChromium();
  origin = await startPlayerOrigin();
  const players = {};
  const results = { ladder, catchUpRate, firstPartMs, startup };
  for (const [name, url] of [['ll', llUrl], ['ts', studio.masterUrl]].filter(([n]) => !only || n === only)) {
    // The TS master lists segments only once complete: start each player when its playlist can.
    await waitFor(async () => (await httpGet(url)).status === 200, { timeoutMs: 60000, what: `${url} = 200` });
    players[name] = await openPlayer(browser, origin, url, { lowLatencyMode: true, maxLiveSyncPlaybackRate: catchUpRate, debug: !!hlsLogFile });
  }
  for (const [name, player] of Object.entries(players)) {
    const start = await player.waitState((s) => s.currentTime > 0 && !s.paused, { timeoutMs: 60000, what: `${name} playback` });
    results[`${name}FirstFrameMs`] = start.now - t0;
  }
  await sleep(5000); // let both settle at their live position
  const samples = { ll: [], ts: [] };
  const hlsLatency = { ll: [], ts: [] };
  const stopAt = Date.now() + playSeconds * 1000;
  while (Date.now() < stopAt) {
    for (const [name, player] of Object.entries(players)) {
      const s = await player.state();
      if (s.fatal) throw new Error(`${name}: fatal ${JSON.stringify(s.fatal)}`);
      if (s.playingDate) samples[name].push(s.now - s.playingDate);
      if (Number.isFinite(s.latency)) hlsLatency[name].push(s.latency * 1000);
    }
    await sleep(250);
  }
  for (const [name, player] of Object.entries(players)) {
    const s = await player.state();
    const target = await player.page.evaluate(() => window.__afk.hls.targetLatency);
    results[name] = {
      latencyMs: Math.round(median(samples[name])),
      latencyMinMs: Math.round(Math.min(...samples[name])),
      latencyMaxMs: Math.round(Math.max(...samples[name])),
      hlsLatencyMs: Math.round(median(hlsLatency[name])),
      hlsTargetLatencyMs: Math.round(target * 1000),
      stalls: s.errors.filter((e) => e.details === 'bufferStalledError').length,
      // Where each stall happened: the media time, and ms after the player's first frame.
      stallsAt: s.errors.filter((e) => e.details === 'bufferStalledError')
        .map((e) => ({ currentTime: +e.currentTime.toFixed(2), afterFirstFrameMs: Math.round(e.t - (s.firstPlayingAt ?? 0)) })),
      level: s.currentLevel,
    };
    if (hlsLogFile) fs.appendFileSync(hlsLogFile, `== ${name} (t0 = first frame at ${s.firstPlayingAt})\n${player.consoleLines.join('\n')}\n`);
    await player.close();
  }
  if (results.ll && results.ts) results.ratio = +(results.ll.latencyMs / results.ts.latencyMs).toFixed(2);
  // The encoder's speed over the run: below 1x the input queue, not the delivery, adds latency.
  results.speeds = [...studio.out.stderr.matchAll(/speed ([0-9.]+)x/g)].map((m) => Number(m[1]));
  console.log(JSON.stringify(results));
} catch (e) {
  console.error(`ll-latency.mjs: ${e.message}`);
  if (studio?.describe) console.error(studio.describe());
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await origin?.close();
  if (studio) await studio.stop({ killAfterMs: 10000 }).catch(() => {});
  cleanup();
}
