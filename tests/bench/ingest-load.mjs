#!/usr/bin/env node
// Benchmark helper (not a test; ctest does not run it): browser-host ingest load on afk-studio.
// Splits a WebM (VP8/Opus, ~1 s clusters) into MediaRecorder-like chunks (the first holds the
// EBML header + Segment/Tracks + first cluster(s); every later one starts at a Cluster, ID
// 0x1F43B675) and publishes them over Socket.IO v4 (socket.io-client, websocket transport,
// query {streamKey}; start-stream, stream-data {streamKey, chunk}, end-stream) at 1 chunk/s
// to `afk-studio --headless --source none --open-ingest`.
//   node tests/bench/ingest-load.mjs first-segment --input in.webm [--runs 3] [--ladder L]
//       ms from sending the first chunk to the first stream-segments-updated and to the first
//       .ts line in /livestream/<key>/stream.m3u8, per run (a fresh studio per run) + medians
//   node tests/bench/ingest-load.mjs cpu --input in.webm [--seconds 40] [--ladder L] [--prefix-out F]
//       CPU seconds (utime+stime of the afk-studio process, /proc/<pid>/stat) per media second of
//       one real-time stream; --prefix-out writes the bytes that were sent (the first chunks)
//   node tests/bench/ingest-load.mjs load --input in.webm --publishers N [--seconds 30] [--ladder L]
//       N publishers at once (own keys, same input) against one studio; per stream: segments,
//       stream-error, status stats (encoderSpeed, queues, dropped/late/duplicated), lag; verdict
// Prints one JSON line on stdout; progress on stderr. afk-studio is $AFK_STUDIO_BIN or
// build/app/afk-studio.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir, httpGet, randomKey, sleep, waitFor } from '../e2e/lib/util.mjs';
import { startStudio, segmentUris } from '../e2e/lib/studio.mjs';
import { connectClient, waitHealthy } from '../e2e/lib/socketio.mjs';

const argv = process.argv.slice(2);
const mode = argv[0];
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const input = opt('input');
const ladder = opt('ladder', '720p,480p,360p');
if (!['first-segment', 'cpu', 'load'].includes(mode) || !input) {
  console.error('usage: ingest-load.mjs first-segment|cpu|load --input in.webm [--ladder L] [--runs N] [--seconds S] [--publishers N]');
  process.exit(2);
}
const log = (...a) => console.error('#', ...a);
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

// ---------------------------------------------------------------- WebM → MediaRecorder-like chunks
function readVint(buf, pos, keepMarker) {
  const first = buf[pos];
  let len = 1;
  let mask = 0x80;
  while (len <= 8 && !(first & mask)) { len++; mask >>= 1; }
  if (len > 8) throw new Error(`bad EBML vint at ${pos}`);
  let value = keepMarker ? first : first & (mask - 1);
  let allOnes = (first & (mask - 1)) === mask - 1;
  for (let i = 1; i < len; i++) {
    value = value * 256 + buf[pos + i];
    if (buf[pos + i] !== 0xff) allOnes = false;
  }
  return { value, len, unknown: !keepMarker && allOnes };
}
const ID_EBML = 0x1a45dfa3, ID_SEGMENT = 0x18538067, ID_CLUSTER = 0x1f43b675, ID_TIMECODE = 0xe7;
const CLUSTER_MAGIC = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

/** Chunks of ~1 s: [{ index (its second), buf, startMs, endMs }] (media ms). */
export function splitWebm(buf, { chunkMs = 1000, toleranceMs = 50 } = {}) {
  let pos = 0;
  const ebml = readVint(buf, 0, true);
  if (ebml.value !== ID_EBML) throw new Error('not a WebM/Matroska file (no EBML header)');
  pos = ebml.len + readVint(buf, ebml.len, false).len + readVint(buf, ebml.len, false).value;
  const seg = readVint(buf, pos, true);
  if (seg.value !== ID_SEGMENT) throw new Error('no Segment after the EBML header');
  const segSize = readVint(buf, pos + seg.len, false);
  pos += seg.len + segSize.len;
  const segEnd = segSize.unknown ? buf.length : Math.min(buf.length, pos + segSize.value);
  const clusters = []; // { start, end, tc }
  let headerEnd = -1;
  while (pos < segEnd) {
    const id = readVint(buf, pos, true);
    const size = readVint(buf, pos + id.len, false);
    const body = pos + id.len + size.len;
    let end;
    if (size.unknown) { // live-style cluster of unknown size: it ends where the next one starts
      const next = buf.indexOf(CLUSTER_MAGIC, body);
      end = next < 0 ? segEnd : next;
    } else {
      end = body + size.value;
    }
    if (id.value === ID_CLUSTER) {
      if (headerEnd < 0) headerEnd = pos;
      let tc = NaN;
      const cid = readVint(buf, body, true);
      if (cid.value === ID_TIMECODE) {
        const cs = readVint(buf, body + cid.len, false);
        tc = 0;
        for (let i = 0; i < cs.value; i++) tc = tc * 256 + buf[body + cid.len + cs.len + i];
      }
      clusters.push({ start: pos, end: Math.min(end, segEnd), tc });
    } else if (clusters.length) {
      clusters[clusters.length - 1].end = Math.min(end, segEnd); // Cues/Tags after the clusters
    }
    pos = end;
  }
  if (!clusters.length) throw new Error('no Cluster found');
  const chunks = [];
  for (const c of clusters) {
    const index = Math.max(0, Math.floor((c.tc + toleranceMs) / chunkMs));
    const last = chunks[chunks.length - 1];
    if (last && last.index >= index) last.parts.push(c);
    else chunks.push({ index, startMs: c.tc, parts: [c] });
  }
  chunks[0].parts[0] = { ...chunks[0].parts[0], start: 0 }; // EBML header + Segment/Tracks + cluster
  const lastTc = clusters[clusters.length - 1].tc;
  chunks.forEach((ch, i) => {
    ch.buf = buf.subarray(ch.parts[0].start, ch.parts[ch.parts.length - 1].end);
    ch.endMs = i + 1 < chunks.length ? chunks[i + 1].startMs : lastTc + chunkMs; // (last: approximate)
    delete ch.parts;
  });
  return { chunks };
}

// ------------------------------------------------------------------------------ studio + publisher
const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; } })();
/** Machine-wide busy CPU seconds so far (all cores; /proc/stat), to tell others' load apart. */
function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - f[3] - f[4]) / CLK_TCK; // minus idle and iowait
}
const selfCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 utime, 15 stime
}

async function launch(dir) {
  const studio = await startStudio({
    dataDir: path.join(dir, 'data'), source: 'none', ladder, waitReady: false,
    extraArgs: ['--open-ingest', '--stats-interval', '0', '--max-publishers', '64', '--retain-hours', '0'],
  });
  try {
    await waitHealthy(studio);
  } catch (e) {
    await studio.stop({ killAfterMs: 3000 });
    throw new Error(`${e.message}\n${studio.describe()}`);
  }
  return studio;
}

/** A publisher: connected, start-stream answered with stream-started. Events get timestamps. */
async function publisher(studio, key) {
  const c = connectClient(studio.origin, { query: { streamKey: key } });
  c.stamped = [];
  c.socket.onAny((name, payload) => c.stamped.push({ name, payload, at: Date.now() }));
  await c.connected();
  c.socket.emit('start-stream', { userId: `bench-${key.slice(0, 8)}`, streamKey: key });
  await c.next('stream-started', { timeoutMs: 15000 });
  c.key = key;
  c.first = (name) => c.stamped.find((e) => e.name === name);
  c.errors = () => c.stamped.filter((e) => e.name === 'stream-error').map((e) => e.payload);
  return c;
}

/**
 * Send the chunks of the first `count` seconds in real time, as a recorder delivers them: each
 * once its media has been captured, i.e. chunk c at t0 + (c.endMs - chunks[0].endMs) (the first at
 * t0). Stops early when stop() says so. Resolves { sentSeconds, mediaSeconds, lastSentAt, ... }.
 */
async function sendRealtime(pub, chunks, { t0, count, stop = () => false }) {
  let sent = 0;
  let bytes = 0;
  let maxLateMs = 0;
  let lastSentAt = t0;
  let mediaEnd = 0;
  for (const ch of chunks) {
    if (ch.index >= count || stop()) break;
    const due = t0 + (ch.endMs - chunks[0].endMs);
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    if (stop()) break;
    maxLateMs = Math.max(maxLateMs, Date.now() - due);
    pub.socket.emit('stream-data', { streamKey: pub.key, chunk: ch.buf });
    lastSentAt = Date.now();
    sent = ch.index + 1;
    mediaEnd = ch.endMs;
    bytes += ch.buf.length;
  }
  return { sentSeconds: sent, mediaSeconds: mediaEnd / 1000, chunks: chunks.filter((c) => c.index < sent).length, bytes, maxLateMs, lastSentAt };
}

async function status(studio, key) {
  try {
    const r = await httpGet(`${studio.origin}/livestream/${key}/status`, { timeoutMs: 3000 });
    return r.status === 200 ? JSON.parse(r.text) : null;
  } catch { return null; }
}
async function playlistSegments(studio, key) {
  try {
    const r = await httpGet(`${studio.origin}/livestream/${key}/stream.m3u8`, { timeoutMs: 3000 });
    return r.status === 200 ? segmentUris(r.text).filter((u) => /\.ts(\?|$)/.test(u)).length : 0;
  } catch { return 0; }
}
async function endAndWait(pub, timeoutMs) {
  const t = Date.now();
  pub.socket.emit('end-stream', { streamKey: pub.key });
  try {
    await pub.next('stream-ended', { timeoutMs });
    return Date.now() - t;
  } catch { return null; }
}

const { chunks } = splitWebm(fs.readFileSync(input));
const spans = chunks.map((c) => c.endMs - c.startMs);
log(`${path.basename(input)}: ${chunks.length} chunks of ${Math.min(...spans)}-${Math.max(...spans)} ms, first ${chunks[0].buf.length} B, largest ${Math.max(...chunks.map((c) => c.buf.length))} B`);
const { dir, cleanup } = tempDir('afk-ingest-bench-');
let studio;
try {
  if (mode === 'first-segment') {
    const runs = Number(opt('runs', 3));
    const results = [];
    for (let r = 0; r < runs; r++) {
      studio = await launch(path.join(dir, `run${r}`));
      const key = randomKey();
      const pub = await publisher(studio, key);
      await sleep(500);
      const t0 = Date.now();
      let playlistAt = null;
      let frameInAt = null;
      let frameOutAt = null;
      const done = () => playlistAt && pub.first('stream-segments-updated');
      const poller = (async () => {
        while (!playlistAt && Date.now() - t0 < 30000) {
          if (await playlistSegments(studio, key) > 0) playlistAt = Date.now();
          else await sleep(50);
        }
      })();
      const statusPoller = (async () => { // when the first decoded frame / encoded frame shows up
        while (!frameOutAt && Date.now() - t0 < 30000) {
          const st = (await status(studio, key))?.stats;
          if (st?.videoFramesIn > 0 && !frameInAt) frameInAt = Date.now();
          if (st?.renditions?.some((r) => r.framesEncoded > 0)) frameOutAt = Date.now();
          else await sleep(100);
        }
      })();
      const sending = sendRealtime(pub, chunks, { t0, count: 30, stop: done });
      await poller;
      await waitFor(() => pub.first('stream-segments-updated') || Date.now() - t0 > 30000, { timeoutMs: 35000, intervalMs: 20 });
      await sending;
      await statusPoller;
      const ev = pub.first('stream-segments-updated');
      const run = {
        eventMs: ev ? ev.at - t0 : null, playlistMs: playlistAt ? playlistAt - t0 : null,
        firstFrameDecodedMs: frameInAt ? frameInAt - t0 : null, firstFrameEncodedMs: frameOutAt ? frameOutAt - t0 : null,
        firstCount: ev ? ev.payload.segmentCount : null, errors: pub.errors(),
      };
      results.push(run);
      log(`first-segment run ${r + 1}: ${JSON.stringify(run)}`);
      await endAndWait(pub, 20000);
      pub.close();
      await studio.stop({ killAfterMs: 10000 });
      studio = null;
      await sleep(1000);
    }
    console.log(JSON.stringify({
      mode, ladder, runs: results,
      medianEventMs: median(results.map((x) => x.eventMs)), medianPlaylistMs: median(results.map((x) => x.playlistMs)),
      medianFirstFrameDecodedMs: median(results.map((x) => x.firstFrameDecodedMs)),
      medianFirstFrameEncodedMs: median(results.map((x) => x.firstFrameEncodedMs)),
    }));
  } else if (mode === 'cpu') {
    const seconds = Number(opt('seconds', 40));
    studio = await launch(dir);
    const pid = studio.child.pid;
    const key = randomKey();
    const pub = await publisher(studio, key);
    const idle0 = cpuSeconds(pid);
    await sleep(2000);
    const idleRate = (cpuSeconds(pid) - idle0) / 2; // CPU s per wall s while idle (HTTP/WS only)
    const cpu0 = cpuSeconds(pid);
    const busy0 = machineBusySeconds() - selfCpuSeconds();
    const t0 = Date.now();
    const samples = [];
    let sending = true;
    const sampler = (async () => {
      while (sending) {
        const s = await status(studio, key);
        if (s?.stats) samples.push({ t: (Date.now() - t0) / 1000, ...s.stats });
        await sleep(1000);
      }
    })();
    const sent = await sendRealtime(pub, chunks, { t0, count: seconds });
    await sleep(1000); // the PWA: recorder.stop() (its last chunk), then end-stream
    const endLagMs = await endAndWait(pub, 60000);
    sending = false;
    await sampler;
    const wallS = (Date.now() - t0) / 1000;
    const cpuS = cpuSeconds(pid) - cpu0;
    const othersPct = 100 * (machineBusySeconds() - selfCpuSeconds() - busy0 - cpuS) / wallS;
    const segments = await playlistSegments(studio, key);
    const media = sent.mediaSeconds;
    const prefixOut = opt('prefix-out');
    if (prefixOut) {
      const sentChunks = chunks.filter((c) => c.index < sent.sentSeconds).map((c) => c.buf);
      fs.writeFileSync(prefixOut, Buffer.concat(sentChunks));
    }
    const speeds = samples.filter((s) => s.t >= 4).map((s) => s.encoderSpeed);
    console.log(JSON.stringify({
      mode, ladder, mediaSeconds: round(media, 3), sentChunks: sent.sentSeconds, bytes: sent.bytes,
      cpuSeconds: round(cpuS, 2), cpuPerMediaSecond: round(cpuS / media, 3), wallSeconds: round(wallS, 1),
      idleCpuPerWallSecond: round(idleRate, 3), othersCpuPercent: round(othersPct, 0), endToStreamEndedMs: endLagMs, segments,
      medianEncoderSpeed: round(median(speeds), 3), errors: pub.errors(),
    }));
    pub.close();
  } else if (mode === 'load') {
    const n = Number(opt('publishers', 1));
    const seconds = Number(opt('seconds', 30));
    const segSeconds = 2;
    studio = await launch(dir);
    const pid = studio.child.pid;
    const pubs = [];
    for (let i = 0; i < n; i++) pubs.push(await publisher(studio, randomKey()));
    await sleep(500);
    const cpu0 = cpuSeconds(pid);
    const busy0 = machineBusySeconds() - selfCpuSeconds();
    const t0 = Date.now() + 200;
    const samples = pubs.map(() => []);
    let sampling = true;
    const samplers = pubs.map((p, i) => (async () => {
      while (sampling) {
        const s = await status(studio, p.key);
        if (s?.stats) samples[i].push({ t: (Date.now() - t0) / 1000, ...s.stats });
        await sleep(1000);
      }
    })());
    const sends = await Promise.all(pubs.map((p) => sendRealtime(p, chunks, { t0, count: seconds })));
    // 2 s after the last chunk went out (as if the recorder had delivered one more second, +1 s
    // of slack), the segments complete so far show whether the encoders kept up: all but the
    // open last one must be out.
    await sleep(Math.max(0, Math.max(...sends.map((x) => x.lastSentAt)) + 2000 - Date.now()));
    const atEnd = [];
    for (const p of pubs) {
      const s = await status(studio, p.key);
      atEnd.push({ segments: s?.stats?.segmentsProduced ?? null, mediaSeconds: s?.stats?.mediaSeconds ?? null });
    }
    const cpuAtEnd = cpuSeconds(pid) - cpu0;
    const wallAtEnd = (Date.now() - t0) / 1000;
    // CPU used meanwhile by everything but afk-studio and this helper (others' builds/tests)
    const othersPct = 100 * (machineBusySeconds() - selfCpuSeconds() - busy0 - cpuAtEnd) / wallAtEnd;
    sampling = false;
    await Promise.all(samplers);
    const endLags = await Promise.all(pubs.map((p) => endAndWait(p, 90000)));
    const streams = [];
    for (let i = 0; i < n; i++) {
      const p = pubs[i];
      const media = sends[i].mediaSeconds;
      const expected = media / segSeconds;
      const finalSegments = await playlistSegments(studio, p.key);
      const ss = samples[i];
      const tail = ss.filter((s) => s.t >= 4);
      const last = ss[ss.length - 1] || {};
      const max = (f) => Math.max(0, ...ss.map(f).filter(Number.isFinite));
      const st = {
        key: p.key.slice(0, 8), mediaSeconds: round(media, 2), expectedSegments: round(expected, 1),
        segmentsAtEnd: atEnd[i].segments, mediaEncodedAtEnd: round(atEnd[i].mediaSeconds, 2),
        lagAtEndS: round(media - (atEnd[i].mediaSeconds ?? 0), 2),
        finalSegments, endToStreamEndedMs: endLags[i],
        medianEncoderSpeed: round(median(tail.map((s) => s.encoderSpeed)), 3),
        meanEncoderSpeed: round(tail.reduce((a, s) => a + s.encoderSpeed, 0) / (tail.length || 1), 3),
        speedSeries: ss.map((s) => round(s.encoderSpeed, 2)),
        queueSeries: ss.map((s) => s.inputQueue?.depth),
        minEncoderSpeed: round(Math.min(...tail.map((s) => s.encoderSpeed)), 3),
        maxInputQueue: max((s) => s.inputQueue?.depth), inputQueueCapacity: last.inputQueue?.capacity ?? null,
        maxEncoderQueue: max((s) => s.encoderQueue?.depth), encoderQueueCapacity: last.encoderQueue?.capacity ?? null,
        videoFramesDropped: last.videoFramesDropped ?? null, videoFramesLate: last.videoFramesLate ?? null,
        videoFramesDuplicated: last.videoFramesDuplicated ?? null, maxSendLateMs: sends[i].maxLateMs,
        errors: p.errors(),
      };
      const why = [];
      if (st.errors.length) why.push(`stream-error ${JSON.stringify(st.errors[0])}`);
      // segments complete when sending ended: all but the last (open) one, within 1
      if (!(st.segmentsAtEnd >= Math.floor(expected) - 1)) why.push(`segments at end ${st.segmentsAtEnd} < ${Math.floor(expected) - 1}`);
      if (Math.abs(finalSegments - expected) > 1) why.push(`final segments ${finalSegments} vs ${round(expected, 1)}`);
      if (!(st.medianEncoderSpeed >= 0.95)) why.push(`median encoderSpeed ${st.medianEncoderSpeed}`);
      if (st.lagAtEndS > 3) why.push(`lag ${st.lagAtEndS} s`);
      if (st.videoFramesDropped > 0) why.push(`${st.videoFramesDropped} frames dropped`);
      if (endLags[i] === null) why.push('no stream-ended');
      st.realtime = why.length === 0;
      st.why = why;
      streams.push(st);
      p.close();
    }
    const ok = streams.every((s) => s.realtime);
    console.log(JSON.stringify({
      mode, ladder, publishers: n, seconds, realtime: ok,
      studioCpuPercent: round(100 * cpuAtEnd / wallAtEnd, 0), othersCpuPercent: round(othersPct, 0), studioCpuPerMediaSecond: round(cpuAtEnd / (n * seconds), 3),
      worstLagAtEndS: Math.max(...streams.map((s) => s.lagAtEndS)),
      minSpeed: Math.min(...streams.map((s) => s.medianEncoderSpeed ?? 0)),
      streams,
    }));
  }
} catch (e) {
  console.error(`ingest-load.mjs ${mode}: ${e.stack || e.message}`);
  if (studio?.describe) console.error(studio.describe());
  process.exitCode = 1;
} finally {
  if (studio) {
    const r = await studio.stop({ killAfterMs: 15000 }).catch(() => null);
    if (r && r.code !== 0) console.error(`afk-studio exit code ${r.code} signal ${r.signal}`);
  }
  cleanup();
}
