// Fuzzing afk-studio's Socket.IO ingest (--source none --open-ingest) while a healthy stream runs
// beside it: garbage and truncated WebM as stream-data, a 2 MB message, invalid packet text over
// raw WebSockets, unknown events, stream-data for a never-started key, and 1,000 randomly mutated
// Socket.IO / Engine.IO packets (seeded PRNG, mutations of really captured packets). The studio
// must never crash (/health answers throughout), each bad client gets a stream-error or is closed,
// and the healthy stream keeps producing segments and ends cleanly.
//   node --test tests/e2e/fuzz.test.mjs   (AFK_STUDIO_BIN=<path>; AFK_FUZZ_SEED=<n>, AFK_FUZZ_COUNT=<n>)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { tempDir, httpGet, randomKey, sleep, waitFor, seededRandom } from './lib/util.mjs';
import { startStudio } from './lib/studio.mjs';
import { execFile } from 'node:child_process';
import { parseMedia } from './lib/m3u8.mjs';
import { nodeClient } from './lib/browser-host.mjs';

const log = (m) => console.log(`# ${m}`);
const MiB = 1024 * 1024;
const SEED = Number(process.env.AFK_FUZZ_SEED || 20261125);
const COUNT = Number(process.env.AFK_FUZZ_COUNT || 1000);
// The healthy stream's WebM: longer than all the fuzzing, sent once. (Looping a short file would
// make every loop a recorder restart; browser-host.test.mjs tests restarts.) No noise filter: a
// plain testsrc2 encodes ~5× faster than real time here, the noisy one barely at real time.
const HEALTHY_SECONDS = 120;
function makeHealthyWebm(file) {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(HEALTHY_SECONDS), '-c:v', 'libvpx', '-b:v', '1000k', '-deadline', 'realtime', '-cpu-used', '8',
      '-c:a', 'libopus', file], { timeout: 300000 }, (err, _o, stderr) => (err ? reject(new Error(`ffmpeg: ${err.message}\n${stderr}`)) : resolve(file)));
  });
}

/** A raw WebSocket on /socket.io/ speaking Engine.IO by hand. */
function rawSocket(port, query = '') {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${query}`);
    const messages = [];
    let closeInfo = null;
    let wake = () => {};
    ws.on('message', (data, isBinary) => { messages.push(isBinary ? data : data.toString('utf8')); wake(); });
    const closed = new Promise((r) => ws.on('close', (code, reason) => { closeInfo = { code, reason: reason.toString() }; wake(); r(closeInfo); }));
    ws.on('error', () => {}); // a reset shows as 'close'
    ws.once('open', () => resolve({
      ws, messages, closed,
      get closeInfo() { return closeInfo; },
      /** Wait until pred(messages, closeInfo) is truthy or timeoutMs passes; returns its value or null. */
      async until(pred, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const v = pred(messages, closeInfo);
          if (v) return v;
          const left = deadline - Date.now();
          if (left <= 0) return null;
          await new Promise((r) => { wake = r; setTimeout(r, Math.min(left, 50)); });
        }
      },
    }));
    ws.once('error', reject);
  });
}

/** Open a raw socket and complete the Engine.IO + Socket.IO handshake ("0{…}", "40" → "40{…}"). */
async function rawConnected(port, query) {
  const raw = await rawSocket(port, query);
  const open = await raw.until((m) => m[0], 5000);
  if (!open || open[0] !== '0') throw new Error(`no Engine.IO open packet (got ${JSON.stringify(open)})`);
  raw.ws.send('40');
  const ok = await raw.until((m) => m.find((x) => typeof x === 'string' && x.startsWith('40')), 5000);
  if (!ok) throw new Error(`no Socket.IO CONNECT answer (got ${JSON.stringify(raw.messages)}, close ${JSON.stringify(raw.closeInfo)})`);
  return raw;
}

const isStreamError = (m) => typeof m === 'string' && /^42\d*\["stream-error"/.test(m);

/**
 * Packets that are invalid beyond doubt (the server must refuse them: stream-error or close), or
 * null when the packet may be valid (or its validity is a matter of taste).
 */
function clearlyInvalid(text) {
  if (typeof text !== 'string') return null;
  if (text.length === 0) return 'empty text frame';
  if (!/^[0-6]/.test(text)) return `Engine.IO type ${JSON.stringify(text[0])}`;
  if (text[0] !== '4') return null;
  const sio = text.slice(1);
  if (!/^[0-6]/.test(sio)) return `Socket.IO type ${JSON.stringify(sio[0] ?? '')}`;
  const type = sio[0];
  let i = 1;
  if (type === '5' || type === '6') {
    const m = /^(\d+)-/.exec(sio.slice(1));
    if (!m) return 'binary packet without an attachment count';
    i += m[0].length;
  }
  if (type !== '2' && type !== '5') return null;
  if (sio[i] === '/') return null; // a namespace: other rules
  while (/\d/.test(sio[i] ?? '')) i++;
  const json = sio.slice(i);
  let payload;
  try { payload = JSON.parse(json); } catch { return `EVENT payload is not JSON: ${JSON.stringify(json.slice(0, 40))}`; }
  if (!Array.isArray(payload) || payload.length === 0) return 'EVENT payload is not a non-empty array';
  if (typeof payload[0] !== 'string' && typeof payload[0] !== 'number') return 'EVENT name is neither a string nor a number';
  return null;
}

const CHARS = '0123456789-[]{}",:_/\\ \u0000\u00ff\u2028\ud83d\ude00abcxyzAZ{"_placeholder":true,"num":}';
function mutate(r, packet) {
  let s = packet.text;
  const n = 1 + r.int(3);
  const ops = [];
  for (let k = 0; k < n; k++) {
    const op = r.int(8);
    const pos = r.int(s.length + 1);
    switch (op) {
      case 0: s = s.slice(0, pos) + r.pick([...CHARS]) + s.slice(pos + 1); ops.push('flip'); break;
      case 1: s = s.slice(0, pos) + Array.from({ length: 1 + r.int(4) }, () => r.pick([...CHARS])).join('') + s.slice(pos); ops.push('insert'); break;
      case 2: s = s.slice(0, pos) + s.slice(pos + 1 + r.int(4)); ops.push('delete'); break;
      case 3: s = s.slice(0, pos); ops.push('truncate'); break;
      case 4: { // random type digits
        const k2 = 1 + r.int(2);
        s = Array.from({ length: k2 }, () => String(r.int(10))).join('') + s.slice(k2);
        ops.push('type');
        break;
      }
      case 5: { // bogus attachment count
        const bogus = r.pick(['0', '2', '7', '99', '4294967296', '99999999999999999999', '-1', 'x', '', '1e3']);
        if (/^45\d*-/.test(s)) s = s.replace(/^45\d*-/, `45${bogus}-`);
        else if (/^4[2-6]/.test(s)) s = `4${r.pick(['5', '6'])}${bogus}-${s.slice(2)}`;
        else s = `45${bogus}-` + s;
        ops.push('attachments');
        break;
      }
      case 6: { // duplicate a random slice
        const a = r.int(s.length + 1);
        s = s.slice(0, pos) + s.slice(a, a + r.int(20)) + s.slice(pos);
        ops.push('duplicate');
        break;
      }
      default: s = s.slice(0, pos) + r.pick(['{}', '[]', 'null', '""', '"stream-data"', '{"_placeholder":true,"num":0}', '1e309', '{"streamKey":null}']) + s.slice(pos); ops.push('splice');
    }
  }
  return { text: s, ops };
}

describe('fuzzing the Socket.IO ingest beside a healthy stream', () => {
  let tmp, studio, webm, healthy, sender;
  const healthyKey = randomKey();
  const healthyUser = 'healthy-' + randomKey().slice(0, 8);
  const probes = { ok: 0, bad: [] };
  let poller;
  const segCountAt = {};
  const clients = [];

  const healthySegments = () => {
    const ev = [...healthy.events].reverse().find((e) => e.name === 'stream-segments-updated');
    return ev ? ev.payload.segmentCount : 0;
  };
  const assertAlive = async (what) => {
    assert.equal(studio.exitInfo, null, `afk-studio died during ${what}: ${JSON.stringify(studio.exitInfo)}\n${studio.describe()}`);
    const h = await httpGet(`${studio.origin}/health`, { timeoutMs: 5000 }).catch((e) => ({ status: String(e.message) }));
    assert.equal(h.status, 200, `/health after ${what}: ${h.status}\n${studio.describe()}`);
    assert.ok(healthy.socket.connected, `the healthy publisher was disconnected during ${what}\n${studio.describe()}`);
    assert.ok(!healthy.names().includes('stream-ended'), `the healthy stream ended during ${what} (${JSON.stringify(healthy.events.slice(-3))})\n${studio.describe()}`);
  };
  const client = async (opts) => { const c = await nodeClient(studio.origin, opts); clients.push(c); return c; };
  /** Resolves 'stream-error: …' / 'closed' / null (neither within timeoutMs). */
  const refusal = async (c, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const e = c.events.find((x) => x.name === 'stream-error');
      if (e) return `stream-error: ${e.payload?.error}`;
      if (!c.socket.connected) return 'closed';
      await sleep(100);
    }
    return null;
  };

  before(async () => {
    tmp = tempDir();
    webm = await makeHealthyWebm(path.join(tmp.dir, 'healthy.webm'));
    studio = await startStudio({ dataDir: path.join(tmp.dir, 'data'), source: 'none', ladder: '360p', waitReady: false, extraArgs: ['--open-ingest'] });
    await waitFor(async () => {
      if (studio.exitInfo) throw Object.assign(new Error('afk-studio exited'), { fatal: true });
      return (await httpGet(`${studio.origin}/health`, { timeoutMs: 2000 })).status === 200;
    }, { timeoutMs: 30000, what: '/health' }).catch((e) => { throw new Error(`${e.message}\n${studio.describe()}`); });
    // /health polled all along.
    poller = setInterval(async () => {
      const h = await httpGet(`${studio.origin}/health`, { timeoutMs: 5000 }).catch((e) => ({ status: e.message }));
      if (h.status === 200) probes.ok++; else probes.bad.push({ at: new Date().toISOString(), status: h.status });
    }, 500);
  });
  after(async () => {
    clearInterval(poller);
    sender?.stop();
    for (const c of clients) c.close();
    healthy?.close();
    if (studio && !studio.exitInfo) {
      const r = await studio.stop({ killAfterMs: 15000 });
      log(`afk-studio exit code ${r.code} signal ${r.signal}`);
      if (r.code !== 0) log(studio.describe());
    } else if (studio) {
      log(`afk-studio had already exited: ${JSON.stringify(studio.exitInfo)}\n${studio.describe()}`);
    }
    tmp?.cleanup();
  });

  test('a healthy stream: a Node socket.io-client publisher sends a 640x360 VP8/Opus WebM in 1 s chunks', { timeout: 90000 }, async () => {
    healthy = await nodeClient(studio.origin, { query: { streamKey: healthyKey } });
    healthy.socket.emit('start-stream', { userId: healthyUser, streamKey: healthyKey });
    assert.equal((await healthy.next('stream-started')).streamKey, healthyKey);
    const data = fs.readFileSync(webm);
    const chunkBytes = Math.ceil(data.length / HEALTHY_SECONDS);
    log(`healthy WebM ${data.length} bytes → ${Math.ceil(data.length / chunkBytes)} chunks of ${chunkBytes} bytes, one a second`);
    let stopped = false;
    let sent = 0;
    const done = (async () => {
      for (let off = 0; !stopped && off < data.length; off += chunkBytes) {
        if (!healthy.socket.connected) break;
        healthy.socket.emit('stream-data', { streamKey: healthyKey, chunk: data.subarray(off, Math.min(off + chunkBytes, data.length)) });
        sent++;
        await sleep(1000);
      }
      if (!stopped) log(`the healthy WebM was all sent (${sent} chunks) before the fuzzing ended`);
    })();
    sender = { stop: () => { stopped = true; return done; }, get sent() { return sent; } };
    await healthy.next('stream-segments-updated', { timeoutMs: 60000 });
    await healthy.next('stream-segments-updated', { timeoutMs: 30000 });
    segCountAt.fuzzStart = healthySegments();
    log(`healthy stream: ${segCountAt.fuzzStart} segments before the fuzzing`);
    assert.deepEqual(healthy.events.filter((e) => e.name === 'stream-error'), []);
  });

  // Both cases run at once (each may take until the 30 s idle timeout to show an outcome).
  test('garbage bytes, and truncated EBML (the first 100 bytes of a real WebM, then garbage), as stream-data → stream-error or closed', { timeout: 90000 }, async () => {
    const head = fs.readFileSync(webm).subarray(0, 100);
    const cases = [
      ['garbage bytes (5 × 64 KiB)', seededRandom(SEED), null],
      ['truncated EBML (100 bytes) + 4 × 64 KiB of garbage', seededRandom(SEED + 1), head],
    ];
    const results = await Promise.all(cases.map(async ([what, r, first]) => {
      const c = await client();
      const key = randomKey();
      c.socket.emit('start-stream', { userId: `fuzz-${randomKey().slice(0, 6)}`, streamKey: key });
      await c.next('stream-started');
      const t0 = Date.now();
      if (first) { c.socket.emit('stream-data', { streamKey: key, chunk: first }); await sleep(500); }
      for (let i = 0; i < (first ? 4 : 5) && c.socket.connected; i++) {
        c.socket.emit('stream-data', { streamKey: key, chunk: r.bytes(64 * 1024) });
        await sleep(200);
      }
      // Until 40 s: past the 30 s idle timeout, so that the report says what happened.
      const got = await refusal(c, 40000);
      const seen = c.events.filter((e) => e.name !== 'channel-join').map((e) => `${e.name}${e.payload?.error ? ` (${e.payload.error})` : ''} at +${((e.at - t0) / 1000).toFixed(1)} s`);
      log(`${what}: ${got ?? 'neither stream-error nor close'}; events ${JSON.stringify(seen)}`);
      return got ? null : `${what}: neither a stream-error nor a close within 40 s; events ${JSON.stringify(seen)}; connected ${c.socket.connected}`;
    }));
    await assertAlive('garbage / truncated stream-data');
    const failures = results.filter(Boolean);
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  test('truncated EBML alone, then end-stream → stream-ended (no crash, no hang)', { timeout: 60000 }, async () => {
    const c = await client();
    const key = randomKey();
    c.socket.emit('start-stream', { userId: 'fuzz-truncated-2', streamKey: key });
    await c.next('stream-started');
    c.socket.emit('stream-data', { streamKey: key, chunk: fs.readFileSync(webm).subarray(0, 100) });
    await sleep(1000);
    c.socket.emit('end-stream', { streamKey: key });
    const ended = await c.next('stream-ended', { timeoutMs: 30000 }).catch((e) => e);
    log(`truncated EBML + end-stream: ${JSON.stringify(c.names())}`);
    assert.ok(!(ended instanceof Error), ended.message);
    await assertAlive('truncated EBML + end-stream');
  });

  test('a 2 MB message → stream-error and closed; the healthy stream goes on', { timeout: 60000 }, async () => {
    const c = await client();
    const key = randomKey();
    c.socket.emit('start-stream', { userId: 'fuzz-big', streamKey: key });
    await c.next('stream-started');
    c.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(2 * MiB, 0x42) });
    const err = await c.next('stream-error', { timeoutMs: 15000 });
    assert.match(err.error, /too large/i);
    await waitFor(() => !c.socket.connected, { timeoutMs: 10000, what: 'the 2 MB sender to be disconnected' });
    await assertAlive('a 2 MB message');
  });

  // [what, frame, must be refused (stream-error or close) | only must not crash]
  const invalidFrames = [
    ['bad JSON', '42["start-stream",{', true],
    ['Engine.IO type 9', '9hello', true],
    ['Socket.IO type 9', '49["x"]', true],
    ['event payload not an array', '42{"a":1}', true],
    ['empty event array', '42[]', true],
    ['attachment count mismatch (num 7 of 1)', '451-["stream-data",{"chunk":{"_placeholder":true,"num":7}}]', true, [Buffer.from([1, 2, 3])]],
    ['huge attachment count', '45999999999-["stream-data",{}]', true],
    ['binary event without a count', '45["stream-data",{}]', true],
    ['empty text frame', '', true],
    ['NUL bytes', '\u0000\u0000', true],
    ['invalid UTF-8 in a text frame', Buffer.from([0x34, 0x32, 0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), true],
    ['stray binary frame', null, true, [Buffer.from([9, 9, 9])]],
    ['event name a number', '42[1,2,3]', false],
    ['deeply nested JSON (200 KB)', '42["x",' + '['.repeat(100000) + ']'.repeat(100000) + ']', false],
    ['a lone surrogate (sent as U+FFFD)', '42["\ud800"]', false],
    ['namespace /admin', '40/admin,', false],
    ['event to a namespace never joined', '42/admin,["start-stream",{}]', false],
  ];
  test('invalid packets over raw WebSockets → stream-error or closed (never a crash)', { timeout: 120000 }, async () => {
    const failures = [];
    for (const [what, frame, mustRefuse, attachments = []] of invalidFrames) {
      const raw = await rawConnected(studio.port);
      if (Buffer.isBuffer(frame)) raw.ws.send(frame, { binary: false });
      else if (frame !== null) raw.ws.send(frame);
      for (const a of attachments) raw.ws.send(a);
      const got = await raw.until((m, c) => (c ? `closed ${c.code}` : m.slice(2).find(isStreamError)), mustRefuse ? 5000 : 1500);
      log(`${what}: ${got ?? `no refusal (messages ${JSON.stringify(raw.messages.slice(2, 5)).slice(0, 200)})`}`);
      if (mustRefuse && !got) failures.push(`${what}: neither stream-error nor close within 5 s (messages ${JSON.stringify(raw.messages.slice(0, 5))})`);
      raw.ws.terminate();
      await assertAlive(what);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  test('unknown events are ignored or refused; the connection stays usable', { timeout: 60000 }, async () => {
    const c = await client();
    for (const name of ['no-such-event', 'constructor', '__proto__', 'toString', 'x'.repeat(10000), 'stream-data ', 'START-STREAM']) {
      c.socket.emit(name, { streamKey: healthyKey, chunk: Buffer.from([1]) });
    }
    c.socket.emit('join-stream', { userId: 'viewer', streamKey: healthyKey });
    const got = await Promise.race([c.next('stream-joined', { timeoutMs: 10000 }).then(() => 'stream-joined'), refusal(c, 10000)]);
    log(`unknown events, then join-stream: ${got}; events ${JSON.stringify(c.names())}`);
    assert.ok(got, 'no answer at all after unknown events');
    await assertAlive('unknown events');
  });

  test('stream-data for a never-started key → stream-error "Stream not found"', { timeout: 30000 }, async () => {
    const c = await client();
    c.socket.emit('stream-data', { streamKey: randomKey(), chunk: fs.readFileSync(webm).subarray(0, 4096) });
    const err = await c.next('stream-error', { timeoutMs: 10000 });
    assert.match(err.error, /not found/i);
    c.socket.emit('stream-data', { streamKey: '../../etc', chunk: Buffer.from([1]) });
    assert.ok(await c.next('stream-error', { timeoutMs: 10000 }));
    await assertAlive('stream-data for a never-started key');
  });

  test(`${COUNT} mutated Socket.IO / Engine.IO packets (seed ${SEED}) over raw WebSockets`, { timeout: 600000 }, async () => {
    // Capture the packets socket.io-client really sends (Engine.IO 'packetCreate').
    const fuzzKey = 'fuzz' + randomKey().slice(0, 12);
    const cap = await client({ query: { streamKey: fuzzKey } });
    const captured = [{ text: '40', attachments: [] }];
    let pending = null;
    cap.socket.io.engine.on('packetCreate', (p) => {
      if (p.type !== 'message') { captured.push({ text: `${({ ping: 2, pong: 3, close: 1, noop: 6, upgrade: 5 })[p.type] ?? 6}${p.data ?? ''}`, attachments: [] }); return; }
      if (typeof p.data === 'string') {
        pending = { text: '4' + p.data, attachments: [] };
        captured.push(pending);
      } else if (pending) {
        pending.attachments.push(Buffer.from(p.data));
      }
    });
    const head = fs.readFileSync(webm).subarray(0, 2048);
    cap.socket.emit('start-stream', { userId: 'fuzzer', streamKey: fuzzKey });
    await cap.next('stream-started');
    cap.socket.emit('stream-data', { streamKey: fuzzKey, chunk: head });
    await cap.socket.timeout(5000).emitWithAck('stream-data', { streamKey: fuzzKey, chunk: head.subarray(0, 64) }).catch(() => {});
    cap.socket.emit('join-stream', { userId: `viewer-${Date.now()}`, streamKey: fuzzKey });
    cap.socket.emit('leave-stream', { streamKey: fuzzKey });
    await cap.socket.timeout(5000).emitWithAck('join-stream', { userId: 'viewer', streamKey: fuzzKey }).catch(() => {});
    cap.socket.emit('end-stream', { streamKey: fuzzKey, userId: 'fuzzer' });
    await cap.next('stream-ended', { timeoutMs: 20000 }).catch(() => {});
    cap.close();
    captured.push({ text: '2probe', attachments: [] }, { text: '3', attachments: [] }, { text: '41', attachments: [] });
    log(`captured ${captured.length} packets: ${JSON.stringify(captured.map((p) => p.text.slice(0, 60) + (p.attachments.length ? ` +${p.attachments.length} binary` : '')))}`);
    assert.ok(captured.some((p) => p.attachments.length > 0), 'a binary stream-data packet was captured');

    const r = seededRandom(SEED + 7);
    const outcomes = { closed: 0, 'stream-error': 0, answered: 0, silent: 0 };
    const violations = [];
    const setupErrors = [];
    let invalidSeen = 0;
    let index = 0;
    const one = async (n) => {
      // Every random draw happens before the first await: the sequence depends on the seed only.
      const base = r.pick(captured);
      const m = mutate(r, base);
      const attachMode = base.attachments.length || /^45/.test(m.text) ? r.int(4) : 3; // 0,1: real; 2: random; 3: none
      const junk = attachMode === 2 ? r.bytes(1 + r.int(4096)) : null;
      const query = r.next() < 0.5 ? `&streamKey=${fuzzKey}` : '';
      const invalid = clearlyInvalid(m.text);
      if (invalid) invalidSeen++;
      let raw;
      try {
        raw = await rawConnected(studio.port, query);
      } catch (e) {
        setupErrors.push(`#${n}: ${e.message}`);
        return;
      }
      const before = raw.messages.length;
      try {
        raw.ws.send(m.text);
        if (attachMode <= 1) for (const a of base.attachments) raw.ws.send(a);
        else if (attachMode === 2) raw.ws.send(junk);
      } catch { /* closed already */ }
      const got = await raw.until((msgs, c) => {
        if (c) return 'closed';
        if (msgs.slice(before).some(isStreamError)) return 'stream-error';
        return null;
      }, invalid ? 5000 : 150);
      const answered = raw.messages.length > before;
      const outcome = got || (answered ? 'answered' : 'silent');
      outcomes[outcome]++;
      if (invalid && !got) {
        violations.push(`#${n} ${JSON.stringify(m.text.slice(0, 120))} (${m.ops.join('+')} of ${JSON.stringify(base.text.slice(0, 40))}; ${invalid}): neither stream-error nor close within 5 s; got ${JSON.stringify(raw.messages.slice(before, before + 3))}`);
      }
      raw.ws.terminate();
    };
    const CONCURRENCY = 8;
    for (let batch = 0; index < COUNT; batch++) {
      const jobs = [];
      for (let k = 0; k < CONCURRENCY && index < COUNT; k++) jobs.push(one(index++));
      await Promise.all(jobs);
      if (studio.exitInfo) break;
      if (batch % 25 === 0) {
        await assertAlive(`mutated packets up to #${index}`);
      }
    }
    log(`mutated packets: ${JSON.stringify(outcomes)}; clearly invalid ${invalidSeen}, of which left open: ${violations.length}; failed handshakes ${setupErrors.length}`);
    await assertAlive(`${COUNT} mutated packets`);
    assert.deepEqual(setupErrors.slice(0, 10), [], `handshakes that failed during the fuzzing (${setupErrors.length}):\n${setupErrors.slice(0, 10).join('\n')}`);
    assert.deepEqual(violations.slice(0, 20), [], `clearly invalid packets neither refused nor closed (${violations.length}):\n${violations.slice(0, 20).join('\n')}`);
  });

  test('the studio answered /health throughout; the healthy stream grew during the fuzzing and ends cleanly', { timeout: 120000 }, async () => {
    segCountAt.fuzzEnd = healthySegments();
    log(`healthy segments: ${segCountAt.fuzzStart} before, ${segCountAt.fuzzEnd} after the fuzzing; /health ok ${probes.ok}, bad ${JSON.stringify(probes.bad.slice(0, 5))}`);
    assert.equal(studio.exitInfo, null, `afk-studio exited: ${JSON.stringify(studio.exitInfo)}`);
    assert.deepEqual(probes.bad, [], '/health failed during the fuzzing');
    assert.ok(probes.ok > 0);
    // Grows during the fuzzing; and still grows now.
    assert.ok(segCountAt.fuzzEnd > segCountAt.fuzzStart, `the healthy stream's segment count did not grow during the fuzzing (${segCountAt.fuzzStart} → ${segCountAt.fuzzEnd})`);
    await healthy.next('stream-segments-updated', { where: (p) => p.segmentCount > segCountAt.fuzzEnd, timeoutMs: 30000 });
    assert.deepEqual(healthy.events.filter((e) => e.name === 'stream-error'), [], 'stream-error at the healthy publisher');
    await sender.stop();
    healthy.socket.emit('end-stream', { streamKey: healthyKey, userId: healthyUser });
    assert.equal((await healthy.next('stream-ended', { timeoutMs: 60000 })).streamKey, healthyKey);
    const url = `${studio.origin}/livestream/${healthyKey}/stream.m3u8`;
    const text = await waitFor(async () => {
      const r = await httpGet(url, { timeoutMs: 5000 });
      return r.status === 200 && parseMedia(r.text).lastLineIsEndlist ? r.text : false;
    }, { timeoutMs: 30000, what: `#EXT-X-ENDLIST in ${url}` });
    const p = parseMedia(text);
    log(`healthy stream.m3u8: ${p.segments.length} segments, ${p.tags['EXT-X-DISCONTINUITY']?.length ?? 0} discontinuities`);
    assert.ok(p.segments.length >= segCountAt.fuzzEnd);
    const h = await httpGet(`${studio.origin}/health`);
    assert.equal(h.status, 200);
  });
});
