// RTMP ingest (--rtmp-port): the ffmpeg program publishes H.264/AAC over RTMP with a key of
// --rtmp-key-file; every segment of every rendition the studio makes from it passes ffprobe.
// Beside that publisher, a wrong key and a second publisher are refused at publish (the secret
// never shown) and garbage before the handshake closes only its own connection.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkRendition, parseMaster } from './lib/hls-checks.mjs';
import { ffmpegPublish, startRtmpStudio } from './lib/rtmp-publish.mjs';
import { freePort, httpGet, tempDir, waitFor } from './lib/util.mjs';

const STREAM_ID = 'rtmpstream';

/** Connects, writes bytes, resolves with what came back once the studio closed the socket. */
function sendRaw(port, bytes, { timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('the studio did not close the connection')); }, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => received.push(d));
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(received)); });
  });
}

describe('RTMP ingest from the ffmpeg program', () => {
  const tmp = tempDir('afk-rtmpin-');
  const secret = crypto.randomBytes(12).toString('hex');
  let studio;
  let rtmpPort;

  before(async () => {
    rtmpPort = await freePort();
    const keyFile = path.join(tmp.dir, 'rtmp-keys');
    fs.writeFileSync(keyFile, `# secret stream-id\n${secret} ${STREAM_ID}\n`);
    studio = await startRtmpStudio(rtmpPort, {
      dataDir: path.join(tmp.dir, 'data'), source: 'none', key: STREAM_ID, ladder: '360p,240p',
      extraArgs: ['--rtmp-key-file', keyFile, '--stats-interval', '0',
        '--media-timeout', '60'],
    });
  });

  after(async () => {
    await studio?.stop();
    tmp.cleanup();
  });

  test('a publisher becomes a ladder; a wrong key, a second publisher and garbage are refused', { timeout: 240000 }, async () => {
    const publisher = ffmpegPublish(`rtmp://127.0.0.1:${rtmpPort}/live/${secret}`, { seconds: 10 });
    await waitFor(async () => (await httpGet(studio.streamUrl, { timeoutMs: 3000 })).status === 200,
      { timeoutMs: 60000, what: 'stream.m3u8 of the RTMP stream' });

    // Garbage before the handshake: closed with a reason, the stream goes on.
    const tls = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), crypto.randomBytes(3000)]);
    const answer = await sendRaw(rtmpPort, tls);
    assert.equal(answer.length, 0, 'nothing is answered to a non-RTMP client');
    await waitFor(() => studio.out.stderr.includes('closed: not an RTMP handshake: version byte 0x16'),
      { timeoutMs: 10000, what: 'the garbage connection logged' });

    // A wrong key: the ffmpeg program is told why and gives up; the secret of the good key and
    // the wrong one stay out of the log.
    const wrongKey = crypto.randomBytes(12).toString('hex');
    const refused = await ffmpegPublish(`rtmp://127.0.0.1:${rtmpPort}/live/${wrongKey}`, { seconds: 3 }).exited;
    assert.notEqual(refused.code, 0, 'the wrong key was refused');
    assert.match(refused.stderr, /unknown stream key/);
    await waitFor(() => studio.out.stderr.includes('publish refused: unknown stream key (24 characters)'),
      { timeoutMs: 10000, what: 'the refusal logged' });

    // A second publisher of the live stream, with the right key: refused, the first unharmed.
    const second = await ffmpegPublish(`rtmp://127.0.0.1:${rtmpPort}/live/${secret}`, { seconds: 3 }).exited;
    assert.notEqual(second.code, 0, 'a second publisher was refused');
    assert.match(second.stderr, /already has a live RTMP publisher/);

    const status = await httpGet(`${studio.base}/status`, { timeoutMs: 5000 });
    assert.equal(status.status, 200);
    assert.equal(JSON.parse(status.text).local.streamData.state, 'live', `the RTMP stream is still live: ${status.text}`);

    const published = await publisher.exited;
    assert.equal(published.code, 0, `the publisher ran to its end: ${published.stderr}`);
    // The publisher's unpublish (the ffmpeg program sends one when it ends) ends the stream: every
    // playlist gets its end.
    await waitFor(async () => (await httpGet(studio.streamUrl, { timeoutMs: 3000 })).text.includes('#EXT-X-ENDLIST'),
      { timeoutMs: 30000, what: 'stream.m3u8 ended after the publisher left' });

    const master = await httpGet(studio.masterUrl);
    assert.equal(master.status, 200);
    const { variants } = parseMaster(master.text);
    assert.deepEqual(variants.map((v) => v.height), [360, 240], master.text);
    let segmentCount = 0;
    for (const variant of variants) {
      const rendition = await checkRendition(new URL(variant.uri, studio.masterUrl).toString(), {
        dlDir: path.join(tmp.dir, 'dl', String(variant.height)), variant, expectEnded: true,
        name: `${variant.height}p`,
      });
      assert.deepEqual(rendition.problems, [], rendition.text);
      // About 10 s of media in 2 s segments.
      assert.ok(rendition.segments.length >= 4, `${variant.height}p: ${rendition.segments.length} segments`);
      segmentCount += rendition.segments.length;
    }
    assert.ok(segmentCount >= 8);
    const log = studio.out.stdout + studio.out.stderr;
    assert.ok(!log.includes(secret) && !log.includes(wrongKey), 'no stream key in the output');
    assert.ok(!status.text.includes(secret), 'no stream key in /status');
    assert.match(log, new RegExp(`publishes stream ${STREAM_ID}`));
  });
});
