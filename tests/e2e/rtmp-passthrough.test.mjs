// --rtmp-passthrough: the ffmpeg program publishes H.264 (main profile, B-frames) at the top
// rung's size with keyframes every 2 s → the top rung's TS segments carry the publisher's own
// bitstream (the very SPS bytes it sent, its profile in the master's CODECS, BANDWIDTH measured),
// the lower rung is encoded on the same keyframes, /status says which rung is copied, and every
// segment of every rendition passes ffprobe. A publisher at another size falls back to encoding
// with the reason logged; one whose keyframes do not divide the segment length is warned about
// once and every rung's segments follow its keyframes.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { alignmentProblems, checkRendition, parseMaster } from './lib/hls-checks.mjs';
import { startRtmpStudio } from './lib/rtmp-publish.mjs';
import { freePort, httpGet, tempDir, trackChild, waitFor } from './lib/util.mjs';

const run = promisify(execFile);

/** Encodes `seconds` of test picture and tone into an FLV file: what the publisher will send. */
async function encodeFlv(file, { size, gop, seconds = 8 }) {
  await run('nice', ['-n', '5', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-b:v', '2500k',
    '-maxrate', '2500k', '-bufsize', '5000k', '-c:a', 'aac', '-f', 'flv', file], { timeout: 120000 });
}

/** The ffmpeg program publishing a file in real time, unchanged; resolves on exit. */
function publish(file, url) {
  const child = trackChild(spawn('nice', ['-n', '5', 'ffmpeg', '-hide_banner', '-loglevel', 'warning',
    '-nostdin', '-re', '-i', file, '-c', 'copy', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** The SPS of an FLV file's AVC sequence header (its avcC record), as sent over RTMP. */
function flvSps(buf) {
  let offset = buf.readUInt32BE(5) + 4; // header, then the first PreviousTagSize
  while (offset + 11 <= buf.length) {
    const type = buf[offset];
    const size = buf.readUIntBE(offset + 1, 3);
    const data = buf.subarray(offset + 11, offset + 11 + size);
    // Video tag: codec 7 (AVC), AVCPacketType 0 (sequence header) → avcC from byte 5.
    if (type === 9 && (data[0] & 0x0f) === 7 && data[1] === 0) {
      const avcc = data.subarray(5);
      const spsLength = avcc.readUInt16BE(6);
      return avcc.subarray(8, 8 + spsLength);
    }
    offset += 11 + size + 4;
  }
  throw new Error('no AVC sequence header in the FLV file');
}

/** The first SPS NAL unit of an Annex B stream (start code and trailing zero bytes left out). */
function annexBSps(buf) {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] !== 0 || buf[i + 1] !== 0 || buf[i + 2] !== 1 || (buf[i + 3] & 0x1f) !== 7) continue;
    let end = buf.indexOf(Buffer.from([0, 0, 1]), i + 3);
    if (end < 0) end = buf.length;
    while (end > i + 3 && buf[end - 1] === 0) end--;
    return buf.subarray(i + 3, end);
  }
  return null;
}

/** The H.264 elementary stream of a TS segment, as it is in the segment. */
async function segmentH264(tsFile) {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', tsFile,
    '-map', '0:v', '-c', 'copy', '-f', 'h264', 'pipe:1'], { encoding: 'buffer', maxBuffer: 64 << 20, timeout: 30000 });
  return stdout;
}

describe('RTMP passthrough of the top rung', () => {
  const tmp = tempDir('afk-rtmppass-');
  const keys = { copy: crypto.randomBytes(12).toString('hex'), size: crypto.randomBytes(12).toString('hex'),
    gop: crypto.randomBytes(12).toString('hex') };
  let studio;
  let rtmpPort;

  before(async () => {
    rtmpPort = await freePort();
    const keyFile = path.join(tmp.dir, 'rtmp-keys');
    fs.writeFileSync(keyFile, `${keys.copy} ptcopy\n${keys.size} ptsize\n${keys.gop} ptgop\n`);
    studio = await startRtmpStudio(rtmpPort, {
      dataDir: path.join(tmp.dir, 'data'), source: 'none', key: 'ptcopy', ladder: '360p,240p',
      extraArgs: ['--rtmp-key-file', keyFile, '--rtmp-passthrough',
        '--stats-interval', '0', '--media-timeout', '60'],
    });
  });

  after(async () => {
    await studio?.stop();
    tmp.cleanup();
  });

  const streamBase = (id) => `http://127.0.0.1:${studio.port}/livestream/${id}`;

  /** Publishes `file` to stream `id`; returns /status while live and the ended renditions. */
  async function publishAndCheck(id, key, file, { segmentSeconds = 2 } = {}) {
    const published = publish(file, `rtmp://127.0.0.1:${rtmpPort}/live/${key}`);
    let liveStatus;
    await waitFor(async () => {
      const r = await httpGet(`${streamBase(id)}/status`, { timeoutMs: 3000 });
      const status = r.status === 200 ? JSON.parse(r.text) : null;
      if (status?.stats?.renditions?.length && status.stats.segmentsProduced > 0) liveStatus = status;
      return liveStatus;
    }, { timeoutMs: 60000, what: `${id}: a first segment in /status` });
    // The LL-HLS master (CMAF parts made from the same packets), while the stream is live.
    let lowLatencyMaster = null;
    await waitFor(async () => {
      const r = await httpGet(`${streamBase(id)}/ll.m3u8`, { timeoutMs: 3000 });
      if (r.status === 200) lowLatencyMaster = r.text;
      return lowLatencyMaster !== null;
    }, { timeoutMs: 30000, what: `${id}: ll.m3u8` });
    const { code, stderr } = await published;
    assert.equal(code, 0, `the publisher ran to its end: ${stderr}`);
    await waitFor(async () => (await httpGet(`${streamBase(id)}/stream.m3u8`, { timeoutMs: 3000 })).text.includes('#EXT-X-ENDLIST'),
      { timeoutMs: 30000, what: `${id}: stream.m3u8 ended after the publisher left` });
    const masterUrl = `${streamBase(id)}/master.m3u8`;
    const master = await httpGet(masterUrl);
    assert.equal(master.status, 200);
    const { variants } = parseMaster(master.text);
    assert.deepEqual(variants.map((v) => v.height), [360, 240], master.text);
    const renditions = {};
    for (const variant of variants) {
      const rendition = await checkRendition(new URL(variant.uri, masterUrl).toString(), {
        dlDir: path.join(tmp.dir, 'dl', id, String(variant.height)), variant, expectEnded: true,
        name: `${id} ${variant.height}p`, segmentSeconds,
      });
      // 2.5 s segments round to a target duration of 3 (RFC 8216 4.3.3.1), not the 2.5 checked.
      const problems = rendition.problems.filter((p) => !(segmentSeconds === 2.5 && /TARGETDURATION is 3,/.test(p)));
      assert.deepEqual(problems, [], rendition.text);
      renditions[`${variant.height}p`] = rendition;
    }
    assert.deepEqual(alignmentProblems(renditions), []);
    assert.equal(renditions['360p'].segments.length, renditions['240p'].segments.length,
      'every rung has the same segments');
    return { liveStatus, variants, renditions, masterText: master.text, lowLatencyMaster };
  }

  test('a publisher at the top rung\'s size is copied: its own SPS in every segment', { timeout: 240000 }, async () => {
    const file = path.join(tmp.dir, 'copy.flv');
    await encodeFlv(file, { size: '640x360', gop: 60 });
    const sentSps = flvSps(fs.readFileSync(file));
    const { liveStatus, variants, renditions, masterText, lowLatencyMaster } = await publishAndCheck('ptcopy', keys.copy, file);

    assert.deepEqual(liveStatus.stats.renditions.map((r) => [r.name, r.passthrough]),
      [['360p', true], ['240p', false]], JSON.stringify(liveStatus.stats));
    const top = renditions['360p'];
    assert.ok(top.segments.length >= 3, `${top.segments.length} segments of 360p`);
    for (const segment of top.segments) {
      const sps = annexBSps(await segmentH264(segment.file));
      assert.ok(sps, `${segment.uri}: no SPS`);
      assert.equal(sps.toString('hex'), sentSps.toString('hex'), `${segment.uri} carries the publisher's SPS`);
      assert.equal(segment.summary.video.profile, 'Main', `${segment.uri}: the publisher's profile`);
    }
    // The encoded rung is ours (x264 at High), not a copy.
    const lowerSps = annexBSps(await segmentH264(renditions['240p'].segments[0].file));
    assert.notEqual(lowerSps.toString('hex'), sentSps.toString('hex'));

    // The master: the publisher's profile/level as CODECS, its size, and a BANDWIDTH measured on
    // the segments (2.5 Mbit/s sent, far above the 360p rung's nominal 0.8).
    const codecs = `avc1.${[...sentSps.subarray(1, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    assert.equal(variants[0].codecs, `${codecs},mp4a.40.2`, masterText);
    assert.equal(variants[0].attrs.RESOLUTION, '640x360');
    const lowLatency = parseMaster(lowLatencyMaster).variants;
    assert.equal(lowLatency[0].codecs, `${codecs},mp4a.40.2`, lowLatencyMaster);
    assert.equal(lowLatency[0].attrs.RESOLUTION, '640x360');
    assert.ok(!studio.out.stderr.includes('[ll-hls]'), `the CMAF packager took the copied packets: ${studio.out.stderr}`);
    const bandwidth = Number(variants[0].attrs.BANDWIDTH);
    const sentBits = top.segments.reduce((sum, s) => sum + s.bytes * 8, 0)
      / top.segments.reduce((sum, s) => sum + s.extinf, 0);
    assert.ok(bandwidth >= sentBits * 0.8 && bandwidth <= sentBits * 3,
      `BANDWIDTH ${bandwidth} against ${Math.round(sentBits)} bit/s measured: ${masterText}`);
    assert.ok(studio.out.stderr.includes('the 360p rung copies the publisher\'s H.264')
      || studio.out.stdout.includes('the 360p rung copies the publisher\'s H.264'), 'the copy is logged');
  });

  test('a publisher at another size is encoded, and the log says why', { timeout: 240000 }, async () => {
    const file = path.join(tmp.dir, 'size.flv');
    await encodeFlv(file, { size: '854x480', gop: 60, seconds: 7 });
    const { liveStatus, variants } = await publishAndCheck('ptsize', keys.size, file);
    assert.deepEqual(liveStatus.stats.renditions.map((r) => r.passthrough), [false, false]);
    assert.match(studio.out.stderr, /no passthrough, the 360p rung is encoded: the video is 854x480, the top rung 360p is 640x360/);
    assert.match(variants[0].codecs, /^avc1\.64/, 'our x264 (High), not the publisher\'s Main');
  });

  test('keyframes that do not divide the segment length: warned once, every rung follows them', { timeout: 240000 }, async () => {
    const file = path.join(tmp.dir, 'gop.flv');
    await encodeFlv(file, { size: '640x360', gop: 75, seconds: 9 });
    const { liveStatus, renditions } = await publishAndCheck('ptgop', keys.gop, file, { segmentSeconds: 2.5 });
    assert.equal(liveStatus.stats.renditions[0].passthrough, true);
    const warnings = studio.out.stderr.split('\n').filter((line) => line.includes('the publisher\'s keyframes come every 2.50 s'));
    assert.equal(warnings.length, 1, studio.out.stderr);
    assert.match(warnings[0], /does not divide the 2 s segments/);
    for (const rendition of Object.values(renditions)) {
      assert.match(rendition.text, /#EXT-X-TARGETDURATION:3\n/);
      assert.ok(rendition.segments.length >= 3);
    }
  });
});
