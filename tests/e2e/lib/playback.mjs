// hls.js playback scenarios (shared by playback.test.mjs, the reference self-check and the bench).
import { openPlayer } from './browser.mjs';

/**
 * Play `url`; wait for MANIFEST_PARSED and currentTime advancing ≥ advanceSeconds from the first
 * frame shown. Returns { player, levels, startState, endState }.
 */
export async function playUntilAdvanced(browser, origin, url, { advanceSeconds = 5, timeoutMs = 60000, log = () => {} } = {}) {
  const player = await openPlayer(browser, origin, url);
  const parsed = await player.waitState((s) => s.levels, { timeoutMs: 20000, what: `MANIFEST_PARSED for ${url}` });
  log(`manifest parsed: ${JSON.stringify(parsed.levels.map((l) => `${l.width}x${l.height}@${l.bitrate}`))}`);
  const startState = await player.waitState((s) => s.currentTime > 0 && !s.paused, { timeoutMs, what: 'playback to start (currentTime > 0)' });
  const t0 = startState.currentTime;
  const endState = await player.waitState((s) => s.currentTime >= t0 + advanceSeconds, {
    timeoutMs: advanceSeconds * 1000 + timeoutMs, what: `currentTime to advance ${advanceSeconds} s past ${t0.toFixed(2)}`,
  });
  log(`played ${t0.toFixed(2)} → ${endState.currentTime.toFixed(2)} s`);
  return { player, levels: parsed.levels, startState, endState };
}

/**
 * For each level i: hls.currentLevel = i → LEVEL_SWITCHED(i), the picture takes that level's
 * height, and currentTime advances ≥ advanceSeconds afterwards. Returns a per-level report.
 */
export async function switchEveryLevel(player, levels, { advanceSeconds = 2, timeoutMs = 30000, log = () => {} } = {}) {
  const report = [];
  for (let i = 0; i < levels.length; i++) {
    const before = await player.state();
    const nSwitched = before.switched.length;
    await player.page.evaluate((lvl) => { window.__afk.hls.currentLevel = lvl; }, i);
    const sw = await player.waitState((s) => s.switched.slice(nSwitched).some((e) => e.level === i) || (s.currentLevel === i && s.switched.at(-1)?.level === i), {
      timeoutMs, what: `LEVEL_SWITCHED to level ${i} (${levels[i].height}p)`,
    });
    const h = levels[i].height;
    const shown = await player.waitState((s) => s.videoHeight === h, { timeoutMs, what: `the video to show ${h} lines after switching to level ${i}` });
    const t = shown.currentTime;
    const adv = await player.waitState((s) => s.currentTime >= t + advanceSeconds, { timeoutMs, what: `currentTime to advance ${advanceSeconds} s on level ${i}` });
    log(`level ${i} (${h}p): switched, video ${shown.videoWidth}x${shown.videoHeight}, ${t.toFixed(2)} → ${adv.currentTime.toFixed(2)} s`);
    report.push({ level: i, height: h, switchedAt: sw.currentTime, videoHeight: shown.videoHeight, advancedTo: adv.currentTime });
  }
  return report;
}
