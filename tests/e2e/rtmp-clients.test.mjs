// RTMP ingest with real clients and the PWA's OBS flow (issue 13): POST /livestream/<id>/rtmp-key
// as the PWA sends it (NIP-98, {streamId, publicKey}) → the ffmpeg program publishes to the
// rtmpUrl it answered → stream.m3u8 plays; a second publisher on the live key is refused; the
// publisher killed and started again (timestamps from zero) continues the same stream after an
// #EXT-X-DISCONTINUITY; GStreamer's rtmp2sink (an independent client) publishes too; a silent
// publisher times out; an enhanced-RTMP (HEVC FourCC) header is refused; /status, /metrics and
// [stats] show the publisher and never its key; a taken --rtmp-port fails the start, a taken
// default port only turns RTMP off.
//   node --test tests/e2e/rtmp-clients.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkRendition, parseMedia, segmentProblems } from './lib/hls-checks.mjs';
import { probeSegment } from './lib/ffprobe.mjs';
import { c0c1, c2, chunks, publishCommands, rtmpConnection } from './lib/rtmp-client.mjs';
import { ffmpegPublish, startRtmpStudio } from './lib/rtmp-publish.mjs';
import { launchChromium, startPlayerOrigin } from './lib/browser.mjs';
import { playUntilAdvanced } from './lib/playback.mjs';
import { runStudio, studioBin } from './lib/studio.mjs';
import { nostrIdentity } from './lib/socketio.mjs';
import { freePort, httpGet, tempDir, trackChild, waitFor } from './lib/util.mjs';

const IDLE_SECONDS = 5;
const log = (m) => process.stderr.write(`# ${m}\n`);
const newId = (prefix) => `${prefix}_${crypto.randomBytes(4).toString('hex')}`;

/**
 * GStreamer publishing `seconds` of videotestsrc (x264enc) and audiotestsrc (voaacenc) through
 * flvmux ! sink: rtmp2sink (GStreamer's own RTMP client) or rtmpsink (librtmp, the client library
 * OBS's RTMP output descends from; it offers the digest handshake and falls back on our S1).
 */
function gstreamerPublish(url, { sink = 'rtmp2sink', seconds = 12 } = {}) {
  const location = sink === 'rtmpsink' ? `location=${url} live=1` : `location=${url}`;
  const pipeline = [
    'flvmux', 'name=mux', 'streamable=true', '!', sink, location,
    'videotestsrc', 'is-live=true', `num-buffers=${seconds * 30}`, '!', 'video/x-raw,width=640,height=360,framerate=30/1', '!',
    'x264enc', 'speed-preset=ultrafast', 'tune=zerolatency', 'key-int-max=60', 'bitrate=800', '!',
    'h264parse', '!', 'queue', '!', 'mux.',
    'audiotestsrc', 'is-live=true', `num-buffers=${Math.ceil(seconds * 44100 / 1024)}`, '!', 'audio/x-raw,rate=44100,channels=2', '!',
    'voaacenc', 'bitrate=96000', '!', 'aacparse', '!', 'queue', '!', 'mux.',
  ];
  const child = trackChild(spawn('nice', ['-n', '5', 'gst-launch-1.0', '-q', '-e', ...pipeline],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, output })));
  return { child, exited };
}

/** Downloads and probes the given playlist entries of url; resolves with probed segments. */
async function probeEntries(url, entries, dlDir) {
  fs.mkdirSync(dlDir, { recursive: true });
  const segments = [];
  for (const entry of entries) {
    const segmentUrl = new URL(entry.uri, url).toString();
    const r = await httpGet(segmentUrl, { timeoutMs: 20000 });
    assert.equal(r.status, 200, `GET ${segmentUrl}`);
    const file = path.join(dlDir, entry.uri.replace(/[^A-Za-z0-9_.-]/g, '_'));
    fs.writeFileSync(file, r.buf);
    segments.push({ uri: entry.uri, file, extinf: entry.duration, summary: await probeSegment(file) });
  }
  return segments;
}

describe('RTMP ingest: the PWA OBS flow, reconnects, GStreamer, timeouts', () => {
  const tmp = tempDir('afk-rtmpcl-');
  const owner = nostrIdentity();
  const stranger = nostrIdentity();
  const issuedKeys = [];
  let studio;
  let rtmpPort;

  /** POST /livestream/<id>/rtmp-key as the PWA does: NIP-98 of `identity`, {streamId, publicKey}. */
  const requestKey = async (id, identity) => {
    const url = `${studio.origin}/livestream/${id}/rtmp-key`;
    const headers = { 'Content-Type': 'application/json' };
    if (identity) headers.Authorization = await identity.token(url, 'POST');
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ streamId: id, publicKey: identity?.pubkey }) });
    const body = await res.json();
    if (res.status === 200) issuedKeys.push(body.streamKey);
    return { status: res.status, body, cacheControl: res.headers.get('cache-control') };
  };
  const status = async (id) => JSON.parse((await httpGet(`${studio.origin}/livestream/${id}/status`, { timeoutMs: 5000 })).text);
  const playlistUrl = (id) => `${studio.origin}/livestream/${id}/stream.m3u8`;
  // A GStreamer publisher's stream once it ended: every segment passes the checks, and there are
  // at least minSegments of them.
  const checkEndedStream = async (id, name, minSegments, about) => {
    await waitFor(async () => (await httpGet(playlistUrl(id), { timeoutMs: 3000 })).text.includes('#EXT-X-ENDLIST'),
      { timeoutMs: 60000, what: `the ${name} stream ended` });
    const rendition = await checkRendition(playlistUrl(id), { dlDir: path.join(tmp.dir, 'dl', name), expectEnded: true, name });
    assert.deepEqual(rendition.problems, [], rendition.text);
    assert.ok(rendition.segments.length >= minSegments, `${about}: ${rendition.segments.length} segments`);
  };

  before(async () => {
    rtmpPort = await freePort();
    studio = await startRtmpStudio(rtmpPort, {
      dataDir: path.join(tmp.dir, 'data'), source: 'none', ladder: '240p',
      extraArgs: ['--stats-interval', '2', '--media-timeout', '60',
        '--idle-timeout', String(IDLE_SECONDS), '--reconnect-grace', '20'],
    });
  });

  after(async () => {
    const r = await studio?.stop();
    const output = `${r?.stdout ?? ''}${r?.stderr ?? ''}`;
    for (const key of issuedKeys) assert.ok(!output.includes(key), 'an RTMP stream key reached the log');
    tmp.cleanup();
  });

  test('POST rtmp-key → ffmpeg publishes → plays; second publisher refused; kill + restart → DISCONTINUITY', { timeout: 240000 }, async () => {
    const id = newId('obs');
    const anonymous = await requestKey(id, null);
    assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body));
    const granted = await requestKey(id, owner);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(Object.keys(granted.body).sort(), ['rtmpUrl', 'streamKey']);
    assert.match(granted.body.streamKey, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(granted.body.rtmpUrl, `rtmp://127.0.0.1:${rtmpPort}/live/${granted.body.streamKey}`);
    assert.equal(granted.cacheControl, 'no-store');

    const first = ffmpegPublish(granted.body.rtmpUrl, { seconds: 300, preset: 'ultrafast' });
    await waitFor(async () => {
      const r = await httpGet(playlistUrl(id), { timeoutMs: 3000 });
      return r.status === 200 && parseMedia(r.text).segments.length >= 2;
    }, { timeoutMs: 90000, what: 'two segments of the RTMP stream' });
    // What a viewer of the PWA sees: hls.js plays the stream the RTMP publisher feeds.
    const browser = await launchChromium();
    const origin = await startPlayerOrigin();
    try {
      const { player } = await playUntilAdvanced(browser, origin, playlistUrl(id), { advanceSeconds: 4, log });
      await player.close();
    } finally {
      await browser.close().catch(() => {});
      await origin.close();
    }

    // The stream belongs to who asked for the key: a stranger gets no key for it.
    assert.equal((await requestKey(id, stranger)).status, 401);

    const second = await ffmpegPublish(granted.body.rtmpUrl, { seconds: 3, preset: 'ultrafast' }).exited;
    assert.notEqual(second.code, 0, 'a second publisher on the live key was refused');
    assert.match(second.stderr, /already has a live RTMP publisher/);

    // /status, /metrics and [stats] show the publisher (rates need a couple of seconds).
    const shown = await waitFor(async () => {
      const s = await status(id);
      return s.rtmp?.publishing && s.rtmp.framesPerSecondIn > 0 && s.rtmp.kilobitsPerSecondIn > 0 ? s : false;
    }, { timeoutMs: 20000, what: 'the publisher in /status' });
    assert.match(shown.rtmp.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.equal(shown.local.streamData.state, 'live');
    const metrics = (await httpGet(`${studio.origin}/metrics`)).text;
    assert.match(metrics, new RegExp(`afk_rtmp_publisher_info\\{stream="${id}",remote="127\\.0\\.0\\.1:\\d+"\\} 1`));
    assert.match(metrics, new RegExp(`afk_rtmp_in_frames_per_second\\{stream="${id}"\\} [1-9]`));
    assert.match(metrics, new RegExp(`afk_rtmp_dropped_video_frames_total\\{stream="${id}"\\} \\d+`));
    await waitFor(() => new RegExp(`\\[stats\\] ${id}: rtmp publisher 127\\.0\\.0\\.1:\\d+, in \\d+ kb/s [\\d.]+ fps, dropped \\d+`).test(studio.out.stderr),
      { timeoutMs: 15000, what: 'the [stats] line of the publisher' });
    for (const text of [JSON.stringify(shown), metrics]) assert.ok(!text.includes(granted.body.streamKey), 'the key in /status or /metrics');

    // OBS's auto-reconnect: the connection drops without an unpublish, the publisher comes back
    // with timestamps from zero, the same stream goes on.
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(async () => (await status(id)).local.streamData.state === 'reconnecting',
      { timeoutMs: 15000, what: 'state "reconnecting"' });
    const again = ffmpegPublish(granted.body.rtmpUrl, { seconds: 12, preset: 'ultrafast' });
    const ended = await waitFor(async () => {
      const r = await httpGet(playlistUrl(id), { timeoutMs: 3000 });
      return r.text.includes('#EXT-X-ENDLIST') ? r.text : false;
    }, { timeoutMs: 120000, what: 'stream.m3u8 ended after the second run unpublished' });
    const published = await again.exited;
    assert.equal(published.code, 0, `the reconnected publisher ran to its end: ${published.stderr}`);

    const playlist = parseMedia(ended);
    const cut = playlist.segments.findIndex((s) => s.discontinuity);
    assert.ok(cut > 0, `an #EXT-X-DISCONTINUITY after the first run's segments:\n${ended}`);
    assert.equal(playlist.segments.filter((s) => s.discontinuity).length, 1, ended);
    const before = await probeEntries(playlistUrl(id), playlist.segments.slice(0, cut), path.join(tmp.dir, 'dl', 'before'));
    const afterCut = await probeEntries(playlistUrl(id), playlist.segments.slice(cut), path.join(tmp.dir, 'dl', 'after'));
    assert.ok(afterCut.length >= 4, `about 12 s after the reconnect: ${afterCut.length} segments`);
    assert.deepEqual(segmentProblems(before, { name: 'before' }), []);
    assert.deepEqual(segmentProblems(afterCut, { name: 'after' }), []);
    log(`${before.length} segments, DISCONTINUITY, ${afterCut.length} segments`);
  });

  test('GStreamer rtmp2sink (an independent client) publishes into a stream started by POST start', { timeout: 180000 }, async () => {
    const id = newId('gst');
    // The PWA may create the stream first (POST start): the RTMP publisher brings its media.
    const startUrl = `${studio.origin}/livestream/${id}/start`;
    const started = await fetch(startUrl, { method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: await owner.token(startUrl, 'POST') },
      body: JSON.stringify({ action: 'start', userId: owner.pubkey, timestamp: Date.now() }) });
    assert.equal(started.status, 200, await started.text());
    assert.equal((await status(id)).local.streamData.state, 'waiting');
    const granted = await requestKey(id, owner);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const gst = gstreamerPublish(granted.body.rtmpUrl);
    await waitFor(async () => (await httpGet(playlistUrl(id), { timeoutMs: 3000 })).status === 200,
      { timeoutMs: 60000, what: 'stream.m3u8 of the GStreamer stream' });
    const result = await gst.exited;
    assert.equal(result.code, 0, `gst-launch-1.0 ran to its end: ${result.output}`);
    // Whether it unpublished or just closed, the stream ends (at the latest after the grace).
    await checkEndedStream(id, 'gst', 4, 'about 12 s');
  });

  test('GStreamer rtmpsink (librtmp, the lineage of OBS\'s RTMP client) publishes and plays', { timeout: 120000 }, async () => {
    const id = newId('librtmp');
    const granted = await requestKey(id, owner);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const gst = gstreamerPublish(granted.body.rtmpUrl, { sink: 'rtmpsink', seconds: 7 });
    const result = await gst.exited;
    assert.equal(result.code, 0, `gst-launch-1.0 ran to its end: ${result.output}`);
    await checkEndedStream(id, 'librtmp', 2, 'about 7 s');
  });

  test('a silent publisher times out; an enhanced-RTMP (HEVC FourCC) header is refused', { timeout: 60000 }, async () => {
    const silentId = newId('silent');
    const silentKey = (await requestKey(silentId, owner)).body.streamKey;
    const silent = rtmpConnection(rtmpPort);
    await silent.connected;
    silent.write(Buffer.concat([c0c1(), c2(), publishCommands(silentKey, { port: rtmpPort })]));
    await silent.waitFor('NetStream.Publish.Start');
    assert.equal((await status(silentId)).local.isActive, true, 'the publish started the stream');
    await silent.closed; // the studio closes it: nothing came for the idle timeout
    await waitFor(() => studio.out.stderr.includes(`closed: nothing received for ${IDLE_SECONDS} s`),
      { timeoutMs: 10000, what: 'the timeout logged' });
    await waitFor(async () => (await status(silentId)).local.isActive === false,
      { timeoutMs: 10000, what: 'the silent publisher\'s stream ended' });

    const hevcId = newId('hevc');
    const hevcKey = (await requestKey(hevcId, owner)).body.streamKey;
    const hevc = rtmpConnection(rtmpPort);
    await hevc.connected;
    hevc.write(Buffer.concat([c0c1(), c2(), publishCommands(hevcKey, { port: rtmpPort })]));
    await hevc.waitFor('NetStream.Publish.Start');
    // ExVideoTagHeader: IsExHeader, keyframe, PacketTypeSequenceStart, FourCC "hvc1".
    const exHeader = Buffer.concat([Buffer.from([0x80 | 0x10 | 0x00]), Buffer.from('hvc1'), crypto.randomBytes(24)]);
    hevc.write(chunks({ csid: 6, typeId: 9, streamId: 1, payload: exHeader }));
    const answer = (await hevc.closed).toString('latin1');
    assert.match(answer, /NetStream\.Publish\.Rejected/);
    await waitFor(() => studio.out.stderr.includes('enhanced RTMP video (FourCC "hvc1"'),
      { timeoutMs: 10000, what: 'the refusal logged' });
  });

  test('a taken --rtmp-port fails the start naming the flag; a taken default port only turns RTMP off', { timeout: 60000 }, async () => {
    const holder = net.createServer();
    const heldPort = await freePort();
    await new Promise((resolve) => holder.listen(heldPort, '127.0.0.1', resolve));
    try {
      const r = await runStudio(['--headless', '--source', 'none', '--port', '0', '--bind', '127.0.0.1',
        '--data-dir', path.join(tmp.dir, 'taken'), '--rtmp-port', String(heldPort)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen for RTMP on 127\\.0\\.0\\.1 port ${heldPort}.*--rtmp-port ${heldPort}`));
    } finally {
      holder.close();
    }

    // 1935 held here (or by anyone else on this machine: taken either way).
    const defaultHolder = net.createServer();
    await new Promise((resolve) => {
      defaultHolder.once('error', resolve);
      defaultHolder.listen(1935, '127.0.0.1', resolve);
    });
    const httpPort = await freePort();
    const child = trackChild(spawn(studioBin(), ['--headless', '--source', 'none', '--port', String(httpPort),
      '--bind', '127.0.0.1', '--data-dir', path.join(tmp.dir, 'default'), '--stats-interval', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(async () => (await httpGet(`http://127.0.0.1:${httpPort}/health`, { timeoutMs: 2000 }).catch(() => ({}))).status === 200,
        { timeoutMs: 30000, what: 'the studio without RTMP serving' });
      assert.match(output, /RTMP ingest is off \(the default port 1935 is taken/);
      assert.doesNotMatch(output, /RTMP ingest on port/);
      const off = await fetch(`http://127.0.0.1:${httpPort}/livestream/nortmp/rtmp-key`, { method: 'POST', body: '{}' });
      assert.equal(off.status, 501);
    } finally {
      child.kill('SIGTERM');
      await exited;
      defaultHolder.close();
    }
  });
});
