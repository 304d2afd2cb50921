// Headless Debian Chromium through playwright-core, and the hls.js player page (PWA settings).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { E2E_DIR, waitFor } from './util.mjs';
import { startStaticServer } from './static-server.mjs';

export const CHROMIUM_PATH = process.env.AFK_CHROMIUM || '/usr/bin/chromium';
// Flags from shared/docs/testing.md (no network beyond loopback here).
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

// The player page: hls.js inlined, a muted <video crossorigin=anonymous>, and a small API on
// window that the tests drive with page.evaluate().
const PLAYER_SCRIPT = `
window.__afk = { events: [], errors: [], switched: [], levels: null, hls: null, fatal: null, fragsLoaded: 0 };
window.afkPlay = function (src, config) {
  const st = window.__afk;
  const video = document.getElementById('v');
  if (!Hls.isSupported()) { st.fatal = { type: 'setup', details: 'Hls.isSupported() is false' }; return; }
  config = Object.assign({ enableWorker: true, lowLatencyMode: true, backBufferLength: 90 }, config || {});
  // debug: true → hls.js's log on the console, each line with performance.now() (the errors' clock).
  if (config.debug === true) {
    const at = (f) => (...a) => f(performance.now().toFixed(0), ...a);
    config.debug = { log: at(console.log), debug: at(console.debug), info: at(console.info), warn: at(console.warn), error: at(console.error) };
  }
  const hls = new Hls(config);
  st.hls = hls;
  const ev = (name, data) => st.events.push({ t: performance.now(), name, data });
  hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
    st.levels = d.levels.map((l) => ({ width: l.width, height: l.height, bitrate: l.bitrate, codecs: l.codecSet || (l.videoCodec + ',' + l.audioCodec), url: Array.isArray(l.url) ? l.url[0] : l.url }));
    ev('MANIFEST_PARSED', { levels: st.levels.length });
    video.play().catch((e) => ev('play-rejected', String(e)));
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => { st.switched.push({ level: d.level, t: performance.now(), currentTime: video.currentTime }); ev('LEVEL_SWITCHED', d.level); });
  hls.on(Hls.Events.FRAG_LOADED, () => { st.fragsLoaded++; });
  hls.on(Hls.Events.ERROR, (_e, d) => {
    const e = { t: performance.now(), currentTime: video.currentTime, type: d.type, details: d.details, fatal: d.fatal, reason: d.reason || (d.error && String(d.error)) || '', url: d.url || (d.frag && d.frag.url) || (d.context && d.context.url) || '', code: d.response && d.response.code };
    st.errors.push(e);
    if (d.fatal && !st.fatal) st.fatal = e;
  });
  video.addEventListener('error', () => { st.errors.push({ type: 'video', details: String(video.error && video.error.message), fatal: true }); st.fatal = st.fatal || { type: 'video', details: String(video.error && (video.error.code + ' ' + video.error.message)) }; });
  video.addEventListener('playing', () => { if (st.firstPlayingAt == null) st.firstPlayingAt = performance.now(); });
  hls.loadSource(src);
  hls.attachMedia(video);
};
window.afkState = function () {
  const st = window.__afk, v = document.getElementById('v'), hls = st.hls;
  let playingDate = null;
  try { playingDate = hls && hls.playingDate ? hls.playingDate.getTime() : null; } catch (e) {}
  return {
    now: Date.now(), currentTime: v.currentTime, paused: v.paused, readyState: v.readyState,
    videoWidth: v.videoWidth, videoHeight: v.videoHeight,
    levels: st.levels, currentLevel: hls ? hls.currentLevel : null, loadLevel: hls ? hls.loadLevel : null,
    switched: st.switched, errors: st.errors, fatal: st.fatal, fragsLoaded: st.fragsLoaded,
    playingDate, latency: hls ? hls.latency : null, liveSyncPosition: hls ? hls.liveSyncPosition : null,
    firstPlayingAt: st.firstPlayingAt, events: st.events.slice(-20),
  };
};
window.afkDestroy = function () { if (window.__afk.hls) { window.__afk.hls.destroy(); window.__afk.hls = null; } };
`;

export function playerHtml() {
  const hlsJs = fs.readFileSync(path.join(E2E_DIR, 'node_modules', 'hls.js', 'dist', 'hls.min.js'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><title>afk e2e player</title></head>
<body><video id="v" muted playsinline autoplay crossorigin="anonymous" width="640" height="360"></video>
<script>${hlsJs}</script>
<script>${PLAYER_SCRIPT}</script></body></html>`;
}

/** A second-origin server hosting the player page at /player.html. */
export async function startPlayerOrigin() {
  const html = playerHtml();
  return startStaticServer({ routes: { '/player.html': { body: html, type: 'text/html; charset=utf-8' } } });
}

/**
 * Open the player page in `browser` from `origin` and start playing `src`.
 * Returns { page, state(), waitState(pred, opts), consoleLines }.
 */
export async function openPlayer(browser, origin, src, config) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(origin.url('/player.html'));
  await page.evaluate(([s, c]) => window.afkPlay(s, c), [src, config || null]);
  const state = () => page.evaluate(() => window.afkState());
  const waitState = (pred, { timeoutMs = 30000, what = 'player state' } = {}) =>
    waitFor(async () => {
      const s = await state();
      if (s.fatal) throw Object.assign(new Error(`fatal hls.js error: ${JSON.stringify(s.fatal)}`), { state: s, fatal: true });
      return pred(s) ? s : false;
    }, { timeoutMs, intervalMs: 250, what }).catch(async (e) => {
      let s = null;
      try { s = await state(); } catch { /* page gone */ }
      const summary = s ? { currentTime: s.currentTime, readyState: s.readyState, paused: s.paused, levels: s.levels, currentLevel: s.currentLevel, switched: s.switched, errors: s.errors.slice(-5), fatal: s.fatal, fragsLoaded: s.fragsLoaded, videoHeight: s.videoHeight, events: s.events } : null;
      throw new Error(`${e.message}\nplayer: ${JSON.stringify(summary)}\nconsole: ${consoleLines.slice(-10).join('\n')}`);
    });
  return { page, context, state, waitState, consoleLines, close: () => context.close() };
}
