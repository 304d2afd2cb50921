// RTMP push (--rtmp-push) against a real RTMP server, nginx with libnginx-mod-rtmp on loopback, and
// Cloudinary (live mode and the signed upload API) against a stand-in that checks the documented
// requests (lib/cloudinary-standin.mjs). What nginx recorded is checked with ffprobe.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startCloudinaryStandIn } from './lib/cloudinary-standin.mjs';
import { ffprobe } from './lib/ffprobe.mjs';
import { hasNginxRtmp, startNginxRtmp } from './lib/nginx-rtmp.mjs';
import { query, startRelay, studioIdentity, tagValues } from './lib/nostr.mjs';
import { runStudio, startStudio, studioBin } from './lib/studio.mjs';
import { freePort, httpGet, tempDir, waitFor } from './lib/util.mjs';

const skip = hasNginxRtmp() ? false : 'nginx with libnginx-mod-rtmp is not installed (packaging/setup-debian.sh)';

async function status(studio) {
  const r = await httpGet(`${studio.base}/status`, { timeoutMs: 5000 });
  assert.equal(r.status, 200);
  return { json: JSON.parse(r.text), text: r.text };
}

/** What nginx recorded: codecs, size, and how its video timestamps run. */
async function probeRecording(file) {
  const json = await ffprobe(file);
  const video = json.streams.find((s) => s.codec_type === 'video');
  const audio = json.streams.find((s) => s.codec_type === 'audio');
  const videoPackets = json.packets.filter((p) => p.stream_index === video?.index);
  const dts = videoPackets.map((p) => Number(p.dts_time));
  let maxGap = 0;
  let isMonotonic = true;
  for (let i = 1; i < dts.length; i++) {
    maxGap = Math.max(maxGap, dts[i] - dts[i - 1]);
    if (dts[i] <= dts[i - 1]) isMonotonic = false;
  }
  return {
    video, audio, packets: videoPackets.length,
    firstIsKey: (videoPackets[0]?.flags || '').startsWith('K'),
    firstDts: dts[0], duration: dts.length ? dts[dts.length - 1] - dts[0] : 0, maxGap, isMonotonic,
  };
}

function assertGoodRecording(rec, file) {
  assert.equal(rec.video?.codec_name, 'h264', `${file}: video codec`);
  assert.equal(rec.audio?.codec_name, 'aac', `${file}: audio codec`);
  // The top rendition of --ladder 360p,240p.
  assert.equal(rec.video.width, 640, `${file}: width`);
  assert.equal(rec.video.height, 360, `${file}: height`);
  assert.ok(rec.firstIsKey, `${file}: starts at a keyframe`);
  assert.ok(rec.firstDts < 0.5, `${file}: timestamps start near zero (first dts ${rec.firstDts})`);
  assert.ok(rec.isMonotonic, `${file}: video timestamps only go forward`);
  // 30 fps: one frame is 33 ms; a gap of more than a few frames would be lost video.
  assert.ok(rec.maxGap < 0.15, `${file}: continuous timestamps (largest gap ${rec.maxGap.toFixed(3)} s)`);
}

describe('RTMP push to nginx-rtmp', { skip }, () => {
  const tmp = tempDir('afk-rtmp-');
  let nginx;
  let studio;
  let port;
  const pushKey = `push-${crypto.randomBytes(8).toString('hex')}`;

  before(async () => {
    port = await freePort();
    nginx = await startNginxRtmp(path.join(tmp.dir, 'nginx'), port);
  });
  after(async () => {
    await studio?.stop({ killAfterMs: 5000 }).catch(() => {});
    await nginx?.stop().catch(() => {});
    tmp.cleanup();
  });

  test('restreams the top rendition, reconnects after nginx restarts, never shows the key', { timeout: 150000 }, async () => {
    const dataDir = path.join(tmp.dir, 'data');
    fs.mkdirSync(dataDir);
    studio = await startStudio({
      dataDir, ladder: '360p,240p',
      extraArgs: ['--rtmp-push', `rtmp://127.0.0.1:${port}/live/${pushKey}`, '--stats-interval', '1'],
    });
    const live = (s) => s.json.restream?.[0]?.state === 'live' && s.json.restream[0].bytesSent > 100000;
    const first = await waitFor(async () => { const s = await status(studio); return live(s) && s; },
      { timeoutMs: 45000, what: 'the push to be live with data sent' });
    assert.equal(first.json.restream[0].target, `rtmp://127.0.0.1:${port}/live/…`);
    assert.equal(first.json.restream[0].reconnects, 0);

    // nginx goes away mid-stream and comes back on the same port: the push reconnects by itself.
    await nginx.stop();
    await waitFor(async () => (await status(studio)).json.restream[0].state !== 'live',
      { timeoutMs: 30000, what: 'the push to notice the server is gone' });
    nginx = await startNginxRtmp(path.join(tmp.dir, 'nginx'), port);
    const again = await waitFor(async () => {
      const s = await status(studio);
      return s.json.restream[0].state === 'live' && s.json.restream[0].reconnects >= 1 && s;
    }, { timeoutMs: 60000, what: 'the push to reconnect' });
    assert.ok(again.json.restream[0].lastError === '' || again.json.restream[0].lastError === undefined);
    // A few seconds on the new connection, then a clean end.
    const sentBefore = again.json.restream[0].bytesSent;
    await waitFor(async () => (await status(studio)).json.restream[0].bytesSent > sentBefore + 200000,
      { timeoutMs: 30000, what: 'more data on the new connection' });
    const statusTexts = [first.text, again.text, (await status(studio)).text];
    const end = await studio.stop({ signal: 'SIGINT' });
    assert.equal(end.code, 0, studio.describe());
    await nginx.stop();

    const recordings = nginx.recordings();
    assert.ok(recordings.length >= 2, `one recording per connection (got ${recordings.join(', ')})\n${nginx.errorLog()}`);
    for (const file of recordings) {
      const rec = await probeRecording(file);
      if (rec.packets < 30) continue; // a connection cut right after it began
      assertGoodRecording(rec, file);
    }
    const longest = Math.max(...await Promise.all(recordings.map(async (f) => (await probeRecording(f)).duration)));
    assert.ok(longest > 3, `a recording of several seconds (longest ${longest.toFixed(1)} s)`);

    assert.match(end.stderr, /\[stats\] .*restream rtmp-push 1 /, 'the [stats] line shows the push');
    for (const text of [end.stdout, end.stderr, ...statusTexts])
      assert.ok(!text.includes(pushKey), 'the stream key never shows in logs or /status');
  });

  test('a bad --rtmp-push URL is refused without echoing its key', async () => {
    const r = await runStudio(['--headless', '--source', 'none', '--rtmp-push', 'rtmp://host/onlyapp-sekr1t']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--rtmp-push rtmp:\/\/host\/…: the RTMP URL needs an application and a stream key/);
    assert.ok(!r.stderr.includes('sekr1t'));
  });
});

describe('Cloudinary', { skip }, () => {
  const tmp = tempDir('afk-cloudinary-');
  const cloud = 'afk-demo';
  const apiKey = String(100000000000000 + crypto.randomInt(1e9));
  const apiSecret = `secret-${crypto.randomBytes(12).toString('base64url')}`;
  const ingestKey = `cl-${crypto.randomBytes(8).toString('hex')}`;
  let nginx;
  let standIn;
  let studio;
  let relay;
  let identity;

  before(async () => {
    relay = await startRelay();
    identity = studioIdentity();
    const port = await freePort();
    nginx = await startNginxRtmp(path.join(tmp.dir, 'nginx'), port);
    // Its first create fails with a 503: the studio tries again.
    standIn = await startCloudinaryStandIn({ cloud, apiKey, apiSecret, failCreates: 1, ingest: { uri: `rtmp://127.0.0.1:${port}/live`, streamKey: ingestKey } });
  });
  after(async () => {
    await studio?.stop({ killAfterMs: 5000 }).catch(() => {});
    await nginx?.stop().catch(() => {});
    await standIn?.close();
    relay?.child.kill();
    identity?.restore();
    tmp.cleanup();
  });

  test('live mode: creates, activates, pushes, shows and announces the HLS URL, idles and deletes', { timeout: 120000 }, async () => {
    const dataDir = path.join(tmp.dir, 'data');
    fs.mkdirSync(dataDir);
    // startStudio passes the environment on: the secrets go there, never into a flag.
    process.env.AFK_CLOUDINARY_API_KEY = apiKey;
    process.env.AFK_CLOUDINARY_API_SECRET = apiSecret;
    try {
      studio = await startStudio({
        dataDir, ladder: '360p,240p',
        extraArgs: ['--title', 'Cloudinary contract', '--relay', relay.url, '--cloudinary-cloud', cloud, '--cloudinary-api-base', standIn.base, '--stats-interval', '1'],
      });
    } finally {
      delete process.env.AFK_CLOUDINARY_API_KEY;
      delete process.env.AFK_CLOUDINARY_API_SECRET;
    }
    const s = await waitFor(async () => {
      const st = await status(studio);
      return st.json.cloudinary?.push?.state === 'live' && st.json.cloudinary.push.bytesSent > 100000 && st;
    }, { timeoutMs: 45000, what: 'the push to Cloudinary\'s ingest to be live' });
    assert.equal(s.json.cloudinary.configured, true);
    assert.equal(s.json.cloudinary.mode, 'live');
    assert.equal(s.json.cloudinary.playbackUrl, standIn.hlsUrl);
    assert.equal(s.json.publicPlaybackUrl, standIn.hlsUrl);
    assert.match(studio.out.stdout, new RegExp(`public playback \\(Cloudinary HLS\\): ${standIn.hlsUrl.replace(/[.?]/g, '\\$&')}`));
    // The NIP-53 live event names Cloudinary's HLS URL as where to play.
    const filter = { kinds: [30311], authors: [identity.pubkey], '#d': [studio.key] };
    const announced = await waitFor(async () => {
      const [event] = await query(relay.url, filter);
      return event && tagValues(event, 'status')[0] === 'live' && tagValues(event, 'streaming')[0] === standIn.hlsUrl && event;
    }, { timeoutMs: 30000, what: 'a live event on the relay naming the HLS URL' });
    assert.deepEqual(tagValues(announced, 'streaming'), [standIn.hlsUrl]);

    const end = await studio.stop({ signal: 'SIGINT' });
    assert.equal(end.code, 0, studio.describe());
    const calls = standIn.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{32}/, '<id>')}`);
    assert.deepEqual(calls, [
      `POST /v2/video/${cloud}/live_streams`, // answered 503
      `POST /v2/video/${cloud}/live_streams`,
      `POST /v2/video/${cloud}/live_streams/<id>/activate`,
      `POST /v2/video/${cloud}/live_streams/<id>/idle`,
      `DELETE /v2/video/${cloud}/live_streams/<id>`,
    ]);
    assert.deepEqual(standIn.problems, []);
    const create = JSON.parse(standIn.requests[1].body);
    assert.equal(create.name, 'Cloudinary contract');
    assert.match(end.stderr, /\[restream\] cannot create the Cloudinary live stream: HTTP 503 Service Unavailable/);

    await nginx.stop();
    const recordings = nginx.recordings();
    assert.ok(recordings.length >= 1, nginx.errorLog());
    assert.ok(path.basename(recordings[0]).startsWith(ingestKey), 'published under the stream key Cloudinary gave');
    assertGoodRecording(await probeRecording(recordings[0]), recordings[0]);

    for (const text of [end.stdout, end.stderr, s.text]) {
      assert.ok(!text.includes(apiSecret), 'the API secret never shows');
      assert.ok(!text.includes(apiKey), 'the API key never shows');
      assert.ok(!text.includes(ingestKey), 'the ingest stream key never shows');
    }
  });

  test('without the secrets in the environment or the credential store: a set-up error naming them', async () => {
    for (const mode of ['live', 'upload']) {
      const r = await runStudio(['--headless', '--source', 'none', '--port', '0', '--data-dir', path.join(tmp.dir, 'nokeys'), '--cloudinary-cloud', cloud, '--cloudinary-mode', mode],
        { env: { AFK_CLOUDINARY_API_KEY: '', AFK_CLOUDINARY_API_SECRET: '', XDG_CONFIG_HOME: path.join(tmp.dir, 'empty-config') } });
      assert.equal(r.code, 2, `${mode}: ${r.stderr}`);
      assert.match(r.stderr, /cloudinary-api-key: set AFK_CLOUDINARY_API_KEY or enter it in Settings → Storage/, mode);
    }
  });

  test('signed upload: the SDK\'s signature, the documented form, done / retry / fatal', async () => {
    const probe = path.resolve(path.dirname(studioBin()), '..', 'tests', 'restream', 'cloudinary-upload-probe');
    assert.ok(fs.existsSync(probe), `${probe} is built with the tests`);
    const file = path.join(tmp.dir, 'segment_7.ts');
    const content = crypto.randomBytes(300000);
    fs.writeFileSync(file, content);
    const env = { ...process.env, AFK_CLOUDINARY_API_KEY: apiKey, AFK_CLOUDINARY_API_SECRET: apiSecret };
    const upload = async (type, publicId) => (await promisify(execFile)(probe, [standIn.base, cloud, type, file, publicId], { env, timeout: 30000 })).stdout.trim();

    const done = await upload('raw', 'livestream/abc/720p/segment_7.ts');
    const raw = standIn.uploads.at(-1);
    assert.match(done, new RegExp(`^done https://res\\.cloudinary\\.com/${cloud}/raw/upload/v\\d+/livestream/abc/720p/segment_7\\.ts$`));
    assert.equal(raw.resourceType, 'raw');
    assert.equal(raw.fields.public_id, 'livestream/abc/720p/segment_7.ts');
    assert.equal(raw.fields.signature, raw.expectedSignature, 'the cloudinary SDK computes the same signature');
    assert.equal(raw.fileName, 'segment_7.ts');
    assert.ok(raw.bytes.equals(content), 'the file arrives whole');

    assert.match(await upload('video', 'livestream/abc/720p/segment_8'), /^done https:\/\/res\.cloudinary\.com\/.*\/video\/upload\//);
    assert.equal(standIn.uploads.at(-1).resourceType, 'video');

    // The documented error shape {error:{message}}: 5xx and rate limits retry, credentials are fatal.
    standIn.setUploadAnswer(500, { error: { message: 'General Error' } });
    assert.equal(await upload('raw', 'x/a.m3u8'), 'retry HTTP 500 General Error');
    standIn.setUploadAnswer(420, { error: { message: 'Rate Limit Exceeded' } });
    assert.equal(await upload('raw', 'x/a.m3u8'), 'retry HTTP 420 Rate Limit Exceeded');
    standIn.setUploadAnswer(401, { error: { message: 'Invalid api_key' } });
    assert.equal(await upload('raw', 'x/a.m3u8'), 'fatal HTTP 401 Invalid api_key');
    standIn.setUploadAnswer(null);
    // Nobody listening: no answer at all is worth a retry.
    const closedPort = await freePort();
    const noServer = (await promisify(execFile)(probe, [`http://127.0.0.1:${closedPort}`, cloud, 'raw', file, 'x/b'], { env, timeout: 30000 })).stdout.trim();
    assert.match(noServer, /^retry /);
    assert.deepEqual(standIn.problems, []);
  });
});
