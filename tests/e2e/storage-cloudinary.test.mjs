// Cloudinary's upload mode: a live test-pattern stream with `--cloudinary-mode upload` goes through
// the upload queue into the Cloudinary stand-in (lib/cloudinary-standin.mjs: the documented form,
// every signature checked against the official SDK's api_sign_request), while R2 (s3rver) takes
// the same stream at the same time; the stand-in answers 500 for a while.
//   node --test tests/e2e/storage-cloudinary.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, httpGet, sleep, waitFor } from './lib/util.mjs';
import { startStudio } from './lib/studio.mjs';
import { localObjects } from './lib/stream-files.mjs';
import { startCloudinaryStandIn } from './lib/cloudinary-standin.mjs';
import {
  ACCESS_KEY_ID, SECRET_ACCESS_KEY, BUCKET, startStore, reader, listKeys, referencedPaths, uploadEnv,
} from './lib/s3.mjs';

const cloud = 'afk-demo';
const apiKey = '614723985017342';
const apiSecret = 'afk-cloudinary-secret-Zq81vT3kLw';

describe('Cloudinary upload mode through the upload queue', () => {
  let tmp, standIn, store;
  before(async () => {
    tmp = tempDir('afk-cloudinary-upload-');
    standIn = await startCloudinaryStandIn({ cloud, apiKey, apiSecret, ingest: { uri: 'rtmp://unused/live', streamKey: 'unused' } });
    store = await startStore(path.join(tmp.dir, 'store'));
  });
  after(async () => {
    await standIn?.close();
    await store?.stop();
    tmp?.cleanup();
  });

  test('every segment and playlist arrives signed and in order, through 500s, beside R2', { timeout: 180000 }, async () => {
    const texts = []; // every log and /status body, for the secrets check
    const studio = await startStudio({
      dataDir: path.join(tmp.dir, 'data'), ladder: '360p,240p', segmentSeconds: 1,
      extraArgs: [
        '--cloudinary-cloud', cloud, '--cloudinary-mode', 'upload', '--cloudinary-api-base', standIn.base,
        // R2 without a public URL: Cloudinary's URL is the one viewers get.
        '--r2-endpoint', `http://127.0.0.1:${store.port}`, '--r2-bucket', BUCKET,
        '--stats-interval', '0',
      ],
      env: { ...uploadEnv(), AFK_CLOUDINARY_API_KEY: apiKey, AFK_CLOUDINARY_API_SECRET: apiSecret, XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
    });
    const prefix = `livestream/${studio.key}/`;
    const publicUrl = `${standIn.base}/${cloud}/raw/upload/${prefix}master.m3u8`;
    const status = async () => {
      const r = await httpGet(`${studio.base}/status`);
      texts.push(r.text);
      return JSON.parse(r.text);
    };
    try {
      assert.ok(studio.out.stdout.includes(publicUrl), `the public playback URL is printed:\n${studio.describe()}`);
      await waitFor(() => standIn.stored.has(`raw/${prefix}master.m3u8`), { timeoutMs: 60000, what: 'the master playlist at the stand-in' });
      const first = await status();
      assert.equal(first.publicPlaybackUrl, publicUrl);
      assert.deepEqual(first.storage.map((s) => s.target), ['r2', 'cloudinary'], 'both targets in /status');
      assert.equal(first.storage[1].publicUrl, publicUrl);
      // The public URL serves what was uploaded.
      const served = await httpGet(publicUrl);
      assert.equal(served.status, 200);
      assert.match(served.text, /^#EXTM3U/);

      // Cloudinary answers 500 for a while; R2 goes on meanwhile.
      const failedBefore = standIn.uploads.filter((u) => u.status === 500).length;
      standIn.setUploadAnswer(500, { error: { message: 'General Error' } });
      await waitFor(() => standIn.uploads.filter((u) => u.status === 500).length >= failedBefore + 3, { timeoutMs: 40000, what: 'answers of 500' });
      await waitFor(async () => (await status()).storage[1].lastError, { timeoutMs: 20000, what: 'the error in /status' });
      await sleep(3000);
      standIn.setUploadAnswer(null);

      await waitFor(async () => { const s = await status(); return s.storage[1].backlog <= 12 && !s.storage[1].isBackingOff; },
        { timeoutMs: 90000, intervalMs: 500, what: 'the Cloudinary backlog to drain after the 500s' });
      const stopped = await studio.stop({ signal: 'SIGINT', killAfterMs: 30000 });
      texts.push(stopped.stdout, stopped.stderr);
      assert.equal(stopped.code, 0, studio.describe());
      assert.match(stopped.stderr, /\[upload\] cloudinary: .*HTTP 500/, 'the 500s were logged');

      // Every local object is at the stand-in as a raw resource, the newest bytes.
      const local = localObjects(studio.streamDir);
      assert.ok(local.size > 20, `a real stream's worth of objects (${local.size})`);
      for (const [p, file] of local) {
        const bytes = standIn.stored.get(`raw/${prefix}${p}`);
        assert.ok(bytes, `${p} is at the stand-in`);
        assert.ok(bytes.equals(fs.readFileSync(file)), `${p}: the same bytes`);
      }
      for (const p of ['stream.m3u8', '360p/index.m3u8', '360p/recording.m3u8', '240p/recording.m3u8']) {
        assert.match(standIn.stored.get(`raw/${prefix}${p}`).toString('utf8'), /#EXT-X-ENDLIST\s*$/, `${p} is ended`);
      }

      // Signed as the SDK signs; playlists only after everything they name; no segment twice.
      const ours = standIn.uploads.filter((u) => u.fields.public_id?.startsWith(prefix));
      assert.ok(ours.every((u) => u.resourceType === 'raw'), 'raw resources only');
      assert.ok(ours.every((u) => u.fields.signature === u.expectedSignature), 'every signature is the SDK\'s');
      // Playlists change under one URL: they ask Cloudinary's CDN to drop its copy; segments never change.
      assert.ok(ours.every((u) => (u.fields.invalidate === 'true') === u.fields.public_id.endsWith('.m3u8')), 'invalidate=true on playlists only');
      const storedSoFar = new Set();
      const violations = [];
      for (const u of ours) {
        const own = u.fields.public_id.slice(prefix.length);
        if (u.status === 200 && own.endsWith('.m3u8')) {
          for (const named of referencedPaths(own, u.bytes.toString('utf8'))) {
            if (!storedSoFar.has(named)) violations.push(`${own} named ${named} before it was stored`);
          }
        }
        if (u.status === 200) storedSoFar.add(own);
      }
      assert.deepEqual(violations, []);
      const segmentsStored = ours.filter((u) => u.status === 200 && u.fields.public_id.endsWith('.ts')).map((u) => u.fields.public_id);
      assert.equal(new Set(segmentsStored).size, segmentsStored.length, 'no segment stored twice');
      assert.deepEqual(standIn.problems, []);

      // R2 took the same stream at the same time.
      const r2Keys = new Set(await listKeys(reader(store.port), prefix));
      const missingInR2 = [...local.keys()].filter((p) => !r2Keys.has(prefix + p));
      assert.deepEqual(missingInR2, [], 'R2 has every object too');

      for (const text of texts) {
        for (const secret of [apiKey, apiSecret, ACCESS_KEY_ID, SECRET_ACCESS_KEY]) {
          assert.ok(!text.includes(secret), `a credential leaked into: ${text.slice(0, 200)}`);
        }
      }
    } finally {
      await studio.stop().catch(() => {});
    }
  });
});
