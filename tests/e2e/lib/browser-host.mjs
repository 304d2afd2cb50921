// A REAL browser host in headless Chromium, as the AFK PWA publishes: a canvas animation (moving
// shapes + a frame counter) and a WebAudio oscillator recorded by MediaRecorder (VP8 + Opus,
// 2.5 Mbps, start(1000)), every `dataavailable` chunk sent with socket.io-client's browser bundle:
//   io(url, { transports: ['websocket'], query: { streamKey } })
//   emit('start-stream', { userId, streamKey }); emit('stream-data', { streamKey, chunk: ArrayBuffer })
// See shared/docs/testing.md ("A browser host (MediaRecorder) in the same Chromium").
import fs from 'node:fs';
import path from 'node:path';
import { E2E_DIR, waitFor } from './util.mjs';
import { startStaticServer } from './static-server.mjs';

// The page's API (window.host*), driven with page.evaluate().
const HOST_SCRIPT = String.raw`
const H = window.__host = {
  events: [], errors: [], chunks: [], kept: [], connects: 0, disconnects: 0, sent: 0, queued: 0,
  recorders: 0, frames: 0, socket: null, recorder: null, stream: null, opts: null, chain: Promise.resolve(),
  queue: [], audioState: null,
};
const hex4 = (u8) => Array.from(u8.subarray(0, 4)).map((b) => b.toString(16).padStart(2, '0')).join('');

function startAnimation(width, height, fps) {
  const canvas = document.getElementById('c');
  canvas.width = width; canvas.height = height;
  const g = canvas.getContext('2d');
  const draw = () => {
    const n = H.frames++;
    const t = n / fps;
    g.fillStyle = 'hsl(' + ((n * 2) % 360) + ',40%,25%)';
    g.fillRect(0, 0, width, height);
    for (let i = 0; i < 8; i++) {
      g.fillStyle = 'hsl(' + ((i * 45 + n * 3) % 360) + ',80%,55%)';
      const x = (width / 2) + Math.cos(t * (0.7 + i * 0.13) + i) * width * 0.4;
      const y = (height / 2) + Math.sin(t * (1.1 + i * 0.07) + i * 2) * height * 0.4;
      g.beginPath(); g.arc(x, y, 30 + 20 * Math.sin(t + i), 0, Math.PI * 2); g.fill();
      g.fillRect((n * (4 + i) + i * 97) % width, (i * height) / 8, 60, height / 16);
    }
    g.fillStyle = '#fff'; g.font = 'bold ' + Math.round(height / 8) + 'px monospace';
    g.fillText('frame ' + n, width * 0.05, height * 0.2);
    g.font = Math.round(height / 20) + 'px monospace';
    g.fillText(new Date().toISOString(), width * 0.05, height * 0.9);
  };
  draw();
  H.timer = setInterval(draw, 1000 / fps);
  return canvas;
}

async function makeStream(width, height, fps) {
  const canvas = startAnimation(width, height, fps);
  const ctx = new AudioContext({ sampleRate: 48000 });
  const osc = ctx.createOscillator();
  osc.type = 'sine'; osc.frequency.value = 440;
  const gain = ctx.createGain(); gain.gain.value = 0.3;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  try { await ctx.resume(); } catch (e) { H.errors.push('AudioContext.resume: ' + e); }
  H.audioState = ctx.state;
  H.audio = ctx;
  return new MediaStream([...canvas.captureStream(fps).getVideoTracks(), ...dest.stream.getAudioTracks()]);
}

function send(buf) {
  const o = H.opts;
  if (H.socket && H.socket.connected && !H.holding) {
    H.socket.emit('stream-data', { streamKey: o.streamKey, chunk: buf });
    H.sent++;
  } else {
    H.queue.push(buf);
    H.queued++;
  }
}

function flushQueue() {
  while (H.queue.length && H.socket.connected && !H.holding) {
    H.socket.emit('stream-data', { streamKey: H.opts.streamKey, chunk: H.queue.shift() });
    H.sent++;
  }
}

function newRecorder() {
  const o = H.opts;
  const rec = new MediaRecorder(H.stream, { mimeType: o.mimeType, videoBitsPerSecond: o.videoBitsPerSecond });
  const recIndex = H.recorders++;
  rec.ondataavailable = (e) => {
    if (!e.data || !e.data.size) return;
    const blob = e.data;
    // Keep the chunks in order even though arrayBuffer() is asynchronous.
    H.chain = H.chain.then(async () => {
      const buf = await blob.arrayBuffer();
      const u8 = new Uint8Array(buf);
      H.chunks.push({ index: H.chunks.length, recorder: recIndex, bytes: buf.byteLength, head: hex4(u8),
        ebml: u8[0] === 0x1a && u8[1] === 0x45 && u8[2] === 0xdf && u8[3] === 0xa3, at: Date.now(),
        connected: !!(H.socket && H.socket.connected) });
      if (o.keepChunks) H.kept.push(buf.slice(0));
      if (o.send !== false) send(buf);
    }).catch((err) => H.errors.push('chunk: ' + err));
  };
  rec.onerror = (e) => H.errors.push('MediaRecorder error: ' + (e.error || e));
  rec.start(o.timeslice);
  H.recorder = rec;
  return recIndex;
}

function connectSocket() {
  const o = H.opts;
  const socket = io(o.url, { transports: ['websocket'], query: { streamKey: o.streamKey }, reconnection: true,
    reconnectionDelay: 500, reconnectionDelayMax: 2000 });
  H.socket = socket;
  socket.onAny((name, payload) => H.events.push({ name, payload, at: Date.now(), sid: socket.id }));
  socket.on('connect', () => {
    H.connects++;
    H.events.push({ name: '(connect)', payload: socket.id, at: Date.now() });
    // (Re)announce the stream on every connection, then send what was recorded meanwhile: with
    // --open-ingest the server knows a reconnecting publisher by its start-stream's userId.
    if (H.connects > 1 && o.restartOnReconnect === false) { flushQueue(); return; }
    socket.emit('start-stream', { userId: o.userId, streamKey: o.streamKey });
    flushQueue();
  });
  socket.on('disconnect', (reason) => { H.disconnects++; H.events.push({ name: '(disconnect)', payload: reason, at: Date.now() }); });
  socket.on('connect_error', (e) => H.events.push({ name: '(connect_error)', payload: String(e && e.message), at: Date.now() }));
  return socket;
}

window.hostStart = async (opts) => {
  const o = H.opts = Object.assign({ width: 1280, height: 720, fps: 30, mimeType: 'video/webm;codecs=vp8,opus',
    videoBitsPerSecond: 2500000, timeslice: 1000, keepChunks: false, send: true, restartOnReconnect: true }, opts);
  if (!MediaRecorder.isTypeSupported(o.mimeType)) throw new Error('MediaRecorder does not support ' + o.mimeType);
  H.stream = await makeStream(o.width, o.height, o.fps);
  if (o.send !== false) connectSocket();
  newRecorder();
  return { audioState: H.audioState, tracks: H.stream.getTracks().map((t) => t.kind + ':' + t.readyState) };
};

/** Stop the current recorder; resolves once its last chunk went out (or was queued). */
window.hostStopRecorder = () => new Promise((resolve) => {
  const rec = H.recorder;
  if (!rec || rec.state === 'inactive') return resolve(false);
  rec.addEventListener('stop', () => { H.chain.then(() => resolve(true)); }, { once: true });
  rec.stop();
});

/** Stop the recorder and start a NEW MediaRecorder on the same tracks (a new EBML header). */
window.hostRestartRecorder = async () => { await window.hostStopRecorder(); return newRecorder(); };

/** Drop the connection: 'disconnect' = socket.disconnect(), later socket.connect();
 *  'engine' = socket.io.engine.close() (socket.io-client reconnects by itself). */
window.hostDrop = (how, reconnectAfterMs) => {
  const s = H.socket;
  if (how === 'engine') { s.io.engine.close(); return; }
  s.disconnect();
  setTimeout(() => s.connect(), reconnectAfterMs);
};

window.hostEnd = () => { H.socket.emit('end-stream', { streamKey: H.opts.streamKey, userId: H.opts.userId }); };

window.hostStopAll = async () => {
  try { await window.hostStopRecorder(); } catch (e) { H.errors.push(String(e)); }
  clearInterval(H.timer);
  if (H.stream) H.stream.getTracks().forEach((t) => t.stop());
  if (H.audio) await H.audio.close().catch(() => {});
  if (H.socket) H.socket.close();
};

window.hostState = () => ({
  events: H.events.map((e) => ({ name: e.name, payload: e.payload, at: e.at })),
  chunks: H.chunks, errors: H.errors, connects: H.connects, disconnects: H.disconnects, sent: H.sent,
  queued: H.queued, queueLength: H.queue.length, recorders: H.recorders, frames: H.frames,
  connected: !!(H.socket && H.socket.connected), recorderState: H.recorder ? H.recorder.state : null,
  audioState: H.audio ? H.audio.state : null,
});

/** The kept chunks (keepChunks: true), base64, for standalone checks. */
window.hostTakeChunks = () => H.kept.splice(0).map((b) => {
  const u8 = new Uint8Array(b); let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
});
`;

export function hostHtml() {
  const sio = fs.readFileSync(path.join(E2E_DIR, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><title>afk e2e browser host</title></head>
<body><canvas id="c" width="1280" height="720"></canvas>
<script>${sio}</script>
<script>${HOST_SCRIPT}</script></body></html>`;
}

/** An origin (static server) hosting the host page at /host.html. */
export async function startHostOrigin() {
  const html = hostHtml();
  return startStaticServer({ routes: { '/host.html': { body: html, type: 'text/html; charset=utf-8' } } });
}

/**
 * Open the host page in its own browser context and start recording (and, unless send: false,
 * publishing to opts.url with opts.streamKey / opts.userId). Returns a handle.
 */
export async function openHost(browser, origin, opts) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(origin.url('/host.html'));
  const started = await page.evaluate((o) => window.hostStart(o), opts);
  const state = () => page.evaluate(() => window.hostState());
  const handle = {
    page, context, consoleLines, started, state,
    describe: async () => {
      let s = null;
      try { s = await state(); } catch { /* page gone */ }
      if (!s) return `host page gone; console: ${consoleLines.slice(-10).join('\n')}`;
      return `host: events ${JSON.stringify(s.events.map((e) => e.name === 'stream-segments-updated' ? `seg${e.payload?.segmentCount}` : e.name))}, chunks ${s.chunks.length} (sent ${s.sent}, queued now ${s.queueLength}), recorders ${s.recorders}, frames ${s.frames}, connected ${s.connected}, errors ${JSON.stringify(s.errors)}; console: ${consoleLines.slice(-10).join(' | ')}`;
    },
    /** Wait for an event (by name) whose payload passes `where`, counting from event index `from`. */
    async waitEvent(name, { where = () => true, from = 0, timeoutMs = 30000 } = {}) {
      try {
        return await waitFor(async () => {
          const s = await state();
          return s.events.slice(from).find((e) => e.name === name && where(e.payload)) || false;
        }, { timeoutMs, intervalMs: 250, what: `'${name}' at the browser host` });
      } catch (e) {
        throw new Error(`${e.message}\n${await handle.describe()}`);
      }
    },
    async waitChunks(n, { timeoutMs = 60000 } = {}) {
      return waitFor(async () => ((await state()).chunks.length >= n ? state() : false), { timeoutMs, intervalMs: 250, what: `${n} MediaRecorder chunks` });
    },
    stopRecorder: () => page.evaluate(() => window.hostStopRecorder()),
    restartRecorder: () => page.evaluate(() => window.hostRestartRecorder()),
    drop: (how = 'disconnect', reconnectAfterMs = 2000) => page.evaluate(([h, ms]) => window.hostDrop(h, ms), [how, reconnectAfterMs]),
    end: () => page.evaluate(() => window.hostEnd()),
    takeChunks: async () => (await page.evaluate(() => window.hostTakeChunks())).map((b) => Buffer.from(b, 'base64')),
    async close() {
      await page.evaluate(() => window.hostStopAll()).catch(() => {});
      await context.close().catch(() => {});
    },
  };
  return handle;
}

/**
 * A Node socket.io-client socket (websocket transport, like the PWA) recording every event.
 * rec.next(name, { where, timeoutMs }) resolves with the first not yet taken matching payload.
 */
export async function nodeClient(origin, { query = {}, auth, reconnection = false } = {}) {
  const { io } = await import('socket.io-client');
  const socket = io(origin, { transports: ['websocket'], query, auth, reconnection, forceNew: true, timeout: 10000 });
  const events = [];
  const taken = new Set();
  socket.onAny((name, payload) => events.push({ name, payload, at: Date.now() }));
  const rec = {
    socket, events,
    names: () => events.map((e) => e.name),
    async next(name, { where = () => true, timeoutMs = 10000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = events.findIndex((e, j) => !taken.has(j) && e.name === name && where(e.payload));
        if (i >= 0) { taken.add(i); return events[i].payload; }
        if (Date.now() > deadline) throw new Error(`no '${name}' event within ${timeoutMs} ms; got ${JSON.stringify(rec.names())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    connected() {
      if (socket.connected) return Promise.resolve(rec);
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(rec));
        socket.once('connect_error', (e) => reject(new Error(`connect_error: ${e.message}`)));
      });
    },
    close: () => socket.close(),
  };
  return rec.connected();
}

/** Track hls.js FRAG_CHANGED (sn, cc = discontinuity counter, start) in a player from openPlayer(). */
export async function trackFragments(player) {
  await player.page.evaluate(() => {
    window.__frags = [];
    const v = document.getElementById('v');
    window.__afk.hls.on(Hls.Events.FRAG_CHANGED, (_e, d) => window.__frags.push({
      sn: d.frag.sn, cc: d.frag.cc, start: d.frag.start, duration: d.frag.duration, level: d.frag.level, currentTime: v.currentTime,
    }));
  });
  return () => player.page.evaluate(() => window.__frags);
}
