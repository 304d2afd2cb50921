// Soak run (not a test; ctest does not run it): one long browser stream, short browser streams one
// after another, and HLS viewers polling, all on one `afk-studio --headless --source none
// --open-ingest`. Prints the studio's RSS and open file descriptors at the start, the middle and
// the end, so a leak per stream, per viewer or per hour shows as a trend.
//   node tests/bench/soak.mjs            (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
// Knobs: AFK_SOAK_SECONDS (3600), AFK_SOAK_SHORT_STREAMS (100), AFK_SOAK_VIEWERS (200).
// The long stream is a live WebM made by the ffmpeg program (lavfi testsrc2 + sine, VP8/Opus,
// paced with -re), sent one second a chunk like a browser's MediaRecorder; the short streams send
// a 4 s 640x360 WebM each.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { tempDir, httpGet, randomKey, sleep } from '../e2e/lib/util.mjs';
import { startStudio } from '../e2e/lib/studio.mjs';
import { connectClient, waitHealthy } from '../e2e/lib/socketio.mjs';
import { makeWebm } from '../e2e/lib/media.mjs';

const SECONDS = Number(process.env.AFK_SOAK_SECONDS || 3600);
const SHORT_STREAMS = Number(process.env.AFK_SOAK_SHORT_STREAMS || 100);
const VIEWERS = Number(process.env.AFK_SOAK_VIEWERS || 200);
const log = (m) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);

function sample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))[1]);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

const tmp = tempDir('afk-soak-');
const studio = await startStudio({ dataDir: `${tmp.dir}/data`, source: 'none', waitReady: false,
  extraArgs: ['--open-ingest', '--stats-interval', '0', '--record-retention', '60', '--max-clients-per-ip', '100000'] });
await waitHealthy(studio);
const samples = [];
const record = (label) => {
  const s = { label, ...sample(studio.child.pid) };
  samples.push(s);
  log(`${label}: RSS ${s.rssMiB.toFixed(0)} MiB (peak ${s.peakMiB.toFixed(0)}), ${s.fds} fds`);
};
record('start');

// The long stream: a live WebM from the ffmpeg program's stdout, one chunk a second.
const longKey = `soak-long-${randomKey().slice(0, 8)}`;
const host = await connectClient(studio.origin, { query: { streamKey: longKey } }).connected();
host.socket.emit('start-stream', { userId: 'soak-host', streamKey: longKey });
await host.next('stream-started');
const encoder = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
  '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', String(SECONDS + 30), '-c:v', 'libvpx', '-b:v', '2500k', '-deadline', 'realtime', '-cpu-used', '8',
  '-c:a', 'libopus', '-f', 'webm', '-cluster_time_limit', '1000', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
let pending = [];
encoder.stdout.on('data', (d) => pending.push(d));
const feeder = setInterval(() => {
  if (!pending.length) return;
  const chunk = Buffer.concat(pending);
  pending = [];
  host.socket.emit('stream-data', { streamKey: longKey, chunk });
}, 1000);

// Viewers polling the long stream's playlist and newest segment every 2 s, like hls.js.
let polls = 0;
let pollErrors = 0;
let running = true;
const viewer = async (index) => {
  await sleep((index * 2000) / VIEWERS);
  while (running) {
    try {
      const playlist = await httpGet(`${studio.origin}/livestream/${longKey}/stream.m3u8`, { timeoutMs: 10000 });
      const segments = playlist.text.split('\n').filter((l) => l.endsWith('.ts'));
      if (segments.length) await httpGet(`${studio.origin}/livestream/${longKey}/${segments.at(-1)}`, { timeoutMs: 10000 });
      ++polls;
    } catch {
      ++pollErrors;
    }
    await sleep(2000);
  }
};
const viewers = Array.from({ length: VIEWERS }, (_, i) => viewer(i));

// How long the event loop takes to answer /health while all this goes on.
const healthMs = [];
const healthProbe = setInterval(async () => {
  const t = Date.now();
  try {
    await httpGet(`${studio.origin}/health`, { timeoutMs: 30000 });
    healthMs.push(Date.now() - t);
  } catch {
    healthMs.push(30000);
  }
}, 5000);
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

// Short streams spread over the run.
const shortWebm = await makeWebm(`${tmp.dir}/short.webm`, { seconds: 4, size: '640x360' });
const shortBytes = fs.readFileSync(shortWebm);
let shortDone = 0;
let shortFailed = 0;
const t0 = Date.now();
let middleRecorded = false;
for (let index = 0; index < SHORT_STREAMS; index++) {
  const due = t0 + ((index + 1) * SECONDS * 1000) / (SHORT_STREAMS + 1);
  while (Date.now() < due) {
    if (!middleRecorded && Date.now() - t0 >= (SECONDS * 1000) / 2) {
      record('middle');
      middleRecorded = true;
    }
    await sleep(Math.min(1000, due - Date.now()));
  }
  const key = `soak-short-${index}-${randomKey().slice(0, 6)}`;
  const c = connectClient(studio.origin, { query: { streamKey: key } });
  try {
    await c.connected();
    c.socket.emit('start-stream', { userId: `short-${index}`, streamKey: key });
    await c.next('stream-started');
    const size = Math.ceil(shortBytes.length / 4);
    for (let offset = 0; offset < shortBytes.length; offset += size) {
      await c.socket.timeout(20000).emitWithAck('stream-data', { streamKey: key, chunk: shortBytes.subarray(offset, offset + size) });
    }
    c.socket.emit('end-stream', { streamKey: key });
    await c.next('stream-ended', { timeoutMs: 60000 });
    ++shortDone;
  } catch (e) {
    ++shortFailed;
    log(`short stream ${index} failed: ${e.message}`);
  } finally {
    c.close();
  }
}
while (Date.now() - t0 < SECONDS * 1000) await sleep(1000);
if (!middleRecorded) record('middle');
record('end (before stopping the long stream)');

running = false;
clearInterval(feeder);
clearInterval(healthProbe);
encoder.kill('SIGTERM');
host.socket.emit('end-stream', { streamKey: longKey });
await host.next('stream-ended', { timeoutMs: 60000 }).catch(() => {});
host.close();
await Promise.all(viewers);
await sleep(3000);
record('after the long stream ended');
const segments = (await httpGet(`${studio.origin}/livestream/${longKey}/stream.m3u8`)).text.split('\n').filter((l) => l.endsWith('.ts')).length;
const stopped = await studio.stop();
tmp.cleanup();

console.log(`\nsoak: ${SECONDS} s, 1 long browser stream (${segments} segments in its live playlist), ` +
  `${shortDone}/${SHORT_STREAMS} short streams ok (${shortFailed} failed), ${VIEWERS} polling viewers ` +
  `(${polls} polls, ${pollErrors} errors), /health answered in p50 ${percentile(healthMs, 50)} ms, ` +
  `p99 ${percentile(healthMs, 99)} ms, exit code ${stopped.code}`);
console.log('| when | RSS (MiB) | peak RSS (MiB) | open fds |\n|---|---|---|---|');
for (const s of samples) console.log(`| ${s.label} | ${s.rssMiB.toFixed(0)} | ${s.peakMiB.toFixed(0)} | ${s.fds} |`);
process.exit(stopped.code === 0 && shortFailed === 0 ? 0 : 1);
