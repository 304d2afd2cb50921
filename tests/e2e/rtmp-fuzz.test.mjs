// Fuzzing afk-studio's RTMP ingest (issue 13) while the ffmpeg program publishes a healthy stream
// beside it: thousands of seeded mutations, each on its own TCP connection — random bytes,
// handshakes with flipped or cut bytes, valid handshakes followed by random chunk headers
// (every basic-header form, 24-bit lengths, extended timestamps), flipped bytes in real
// connect/createStream/publish chunks, hostile Set Chunk Size / Abort / window messages, AMF
// garbage, commands out of order. The studio must never crash, close every bad connection with a
// logged reason (and leak none), and the healthy stream must keep producing segments that pass
// ffprobe, with its publisher untouched.
//   node --test tests/e2e/rtmp-fuzz.test.mjs   (AFK_STUDIO_BIN=<path>; AFK_FUZZ_SEED=<n>, AFK_RTMP_FUZZ_COUNT=<n>)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkRendition } from './lib/hls-checks.mjs';
import { parseMedia } from './lib/m3u8.mjs';
import { amf0, chunks, publishCommands } from './lib/rtmp-client.mjs';
import { ffmpegPublish, startRtmpStudio } from './lib/rtmp-publish.mjs';
import { freePort, httpGet, tempDir, waitFor, seededRandom } from './lib/util.mjs';

const SEED = Number(process.env.AFK_FUZZ_SEED || 20261202);
const COUNT = Number(process.env.AFK_RTMP_FUZZ_COUNT || 3000);
const CONCURRENCY = 8; // below the studio's 16 connections per address, beside the healthy one
const STREAM_ID = 'rtmpfuzz';
const log = (m) => process.stderr.write(`# ${m}\n`);

/** One seeded mutation: { kind, bytes } to send on a fresh connection. */
function mutation(r, rtmpPort) {
  const handshake = () => Buffer.concat([Buffer.from([3]), r.bytes(1536), r.bytes(1536)]);
  const flip = (buffer, from, count) => {
    const out = Buffer.from(buffer);
    for (let i = 0; i < count; i++) out[from + r.int(Math.max(1, out.length - from))] ^= 1 + r.int(255);
    return out;
  };
  const cut = (buffer) => (r.next() < 0.3 ? buffer.subarray(0, r.int(buffer.length + 1)) : buffer);
  const randomChunkHeader = () => {
    const fmt = r.int(4);
    const csidForm = r.int(4); // 0: one byte, 1: two bytes (csid 0), 2: three bytes (csid 1), 3: any
    const basic = csidForm === 0 ? [fmt << 6 | (2 + r.int(62))] : csidForm === 1 ? [fmt << 6, r.int(256)]
      : csidForm === 2 ? [fmt << 6 | 1, r.int(256), r.int(256)] : [r.int(256)];
    const lengths = [0, 1, 127, 128, 129, 4096, 0xffff, 0x10000, 0xffffff, r.int(0x1000000)];
    const header = Buffer.alloc(11);
    header.writeUIntBE(r.next() < 0.2 ? 0xffffff : r.int(0x1000000), 0, 3); // 0xffffff: extended timestamp
    header.writeUIntBE(r.pick(lengths), 3, 3);
    header[6] = r.pick([1, 2, 3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22, r.int(256)]);
    header.writeUInt32LE(r.int(2) ? 1 : r.int(0x100000000), 7);
    const messageHeader = header.subarray(0, [11, 7, 3, 0][fmt]);
    const extended = r.next() < 0.3 ? r.bytes(4) : Buffer.alloc(0);
    return Buffer.concat([Buffer.from(basic), messageHeader, extended, r.bytes(r.int(300))]);
  };
  const kinds = ['garbage', 'handshake', 'random-chunks', 'flipped-commands', 'control', 'amf', 'order'];
  const kind = r.pick(kinds);
  const key = r.bytes(8).toString('hex'); // never a key of the studio
  switch (kind) {
    case 'garbage': {
      const bytes = r.bytes(1 + r.int(3000));
      if (r.next() < 0.25) bytes[0] = 3; // past the version check, into C1/C2
      return { kind, bytes };
    }
    case 'handshake':
      return { kind, bytes: cut(flip(handshake(), 0, 1 + r.int(8))) };
    case 'random-chunks': {
      const parts = [handshake()];
      for (let i = 1 + r.int(20); i > 0; i--) parts.push(randomChunkHeader());
      return { kind, bytes: Buffer.concat(parts) };
    }
    case 'flipped-commands': {
      const commands = publishCommands(key, { port: rtmpPort });
      return { kind, bytes: cut(Buffer.concat([handshake(), flip(commands, 0, 1 + r.int(16))])) };
    }
    case 'control': {
      const size = Buffer.alloc(4);
      size.writeUInt32BE(r.pick([0, 1, 2, 127, 0x7fffffff, 0xffffffff, 0x1000000, r.int(0x100000000)]));
      const chunkSize = Math.max(1, Math.min(size.readUInt32BE() & 0x7fffffff, 65536));
      const parts = [handshake(), chunks({ csid: 2, typeId: 1, payload: size })];
      if (r.next() < 0.5) parts.push(chunks({ csid: 2, typeId: 2, payload: r.bytes(4) })); // Abort
      if (r.next() < 0.5) parts.push(chunks({ csid: 2, typeId: 5, payload: r.bytes(r.int(8)) })); // window
      if (r.next() < 0.5) parts.push(chunks({ csid: 2, typeId: 4, payload: r.bytes(r.int(12)) })); // user control
      parts.push(chunks({ typeId: 20, chunkSize, payload: amf0('connect', 1, { app: 'live' }) }));
      return { kind, bytes: cut(Buffer.concat(parts)) };
    }
    case 'amf': {
      const name = amf0(r.pick(['connect', 'publish', 'createStream', '@setDataFrame', 'FCPublish']));
      const payload = Buffer.concat([r.next() < 0.7 ? name : Buffer.alloc(0), r.bytes(r.int(400))]);
      return { kind, bytes: Buffer.concat([handshake(), chunks({ typeId: r.pick([17, 18, 20]), payload })]) };
    }
    default: { // commands out of order, media before publish, play
      const commands = [
        chunks({ typeId: 20, payload: amf0('publish', 3, null, key, 'live') }),
        chunks({ csid: 6, typeId: 9, streamId: 1, payload: r.bytes(1 + r.int(200)) }),
        chunks({ csid: 6, typeId: 8, streamId: 1, payload: r.bytes(1 + r.int(200)) }),
        chunks({ typeId: 20, payload: amf0('play', 4, null, key) }),
        chunks({ typeId: 20, payload: amf0('connect', 1, { app: r.pick(['live', 'other', '']) }) }),
        chunks({ typeId: 20, payload: amf0('connect', 1, { app: 'live' }) }),
      ];
      const parts = [handshake()];
      for (let i = 1 + r.int(5); i > 0; i--) parts.push(r.pick(commands));
      return { kind, bytes: Buffer.concat(parts) };
    }
  }
}

/** Sends bytes on a new connection; resolves once the studio closed it or after lingerMs. */
function fire(port, bytes, lingerMs) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let closedByStudio = false;
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', () => {});
    socket.on('end', () => { closedByStudio = true; });
    socket.on('error', () => { closedByStudio = true; });
    socket.on('close', () => { clearTimeout(timer); resolve(closedByStudio); });
  });
}

describe('RTMP ingest under fuzzed handshakes and chunk headers, a healthy publisher beside', () => {
  const tmp = tempDir('afk-rtmpfuzz-');
  const secret = crypto.randomBytes(16).toString('hex');
  let studio;
  let rtmpPort;
  let healthy;

  before(async () => {
    rtmpPort = await freePort();
    const keyFile = path.join(tmp.dir, 'rtmp-keys');
    fs.writeFileSync(keyFile, `${secret} ${STREAM_ID}\n`);
    studio = await startRtmpStudio(rtmpPort, {
      dataDir: path.join(tmp.dir, 'data'), source: 'none', ladder: '240p',
      extraArgs: ['--rtmp-key-file', keyFile, '--stats-interval', '0',
        '--media-timeout', '60'],
    });
    healthy = ffmpegPublish(`rtmp://127.0.0.1:${rtmpPort}/live/${secret}`, { seconds: 300, preset: 'ultrafast' }).child;
    healthy.stderr.resume();
  });

  after(async () => {
    if (healthy.exitCode === null) healthy.kill('SIGKILL');
    const r = await studio?.stop();
    assert.ok(!`${r?.stdout}${r?.stderr}`.includes(secret), 'the stream key reached the log');
    tmp.cleanup();
  });

  const segmentCount = async () => {
    const r = await httpGet(`${studio.origin}/livestream/${STREAM_ID}/stream.m3u8`, { timeoutMs: 3000 });
    return r.status === 200 ? parseMedia(r.text).segments.length : 0;
  };

  test(`${COUNT} seeded mutations (seed ${SEED}) close only their own connections`, { timeout: 300000 }, async () => {
    await waitFor(async () => (await segmentCount()) >= 2, { timeoutMs: 90000, what: 'the healthy stream\'s first segments' });
    const before = await segmentCount();
    const r = seededRandom(SEED);
    const kinds = {};
    let closedByStudio = 0;
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < COUNT) {
        next += 1;
        const { kind, bytes } = mutation(r, rtmpPort);
        kinds[kind] = (kinds[kind] || 0) + 1;
        if (await fire(rtmpPort, bytes, 300)) closedByStudio += 1;
        if (studio.exitInfo) throw new Error(`afk-studio exited during the fuzzing: ${studio.describe()}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // (A cut handshake or a message still short of its length waits for more bytes: those the
    // fuzzer closes itself after 300 ms.)
    log(`${COUNT} mutations in ${Date.now() - t0} ms: ${JSON.stringify(kinds)}; ${closedByStudio} closed by the studio first`);

    // No connection leaks: only the healthy publisher's stays.
    await waitFor(async () => /^afk_rtmp_connections 1$/m.test((await httpGet(`${studio.origin}/metrics`)).text),
      { timeoutMs: 20000, what: 'afk_rtmp_connections back to 1' });
    // The reasons are logged, from the handshake to the commands.
    for (const reason of ['not an RTMP handshake', 'chunk size', 'before connect', 'publish refused: unknown stream key']) {
      assert.ok(studio.out.stderr.includes(reason), `a "${reason}" close logged`);
    }
    // The healthy stream went on, its publisher untouched.
    await waitFor(async () => (await segmentCount()) >= before + 3, { timeoutMs: 60000, what: 'three more healthy segments' });
    const status = JSON.parse((await httpGet(`${studio.origin}/livestream/${STREAM_ID}/status`)).text);
    assert.equal(status.local.streamData.state, 'live');
    assert.equal(status.rtmp?.publishing, true);
    assert.ok(!studio.out.stderr.includes(`stream ${STREAM_ID} publisher gone`), 'the healthy publisher never dropped');

    healthy.kill('SIGINT'); // ffmpeg ends its publish cleanly: the stream ends
    await waitFor(async () => (await httpGet(`${studio.origin}/livestream/${STREAM_ID}/stream.m3u8`)).text.includes('#EXT-X-ENDLIST'),
      { timeoutMs: 60000, what: 'the healthy stream ended' });
    const rendition = await checkRendition(`${studio.origin}/livestream/${STREAM_ID}/stream.m3u8`,
      { dlDir: path.join(tmp.dir, 'dl'), expectEnded: true, name: 'healthy' });
    assert.deepEqual(rendition.problems, [], rendition.text);
    assert.equal((await httpGet(`${studio.origin}/health`)).status, 200);
  });
});
