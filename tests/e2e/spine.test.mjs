// The spine: the real afk-studio binary, headless, end to end (CLI, HLS ladder, HTTP server).
//   node --test tests/e2e/spine.test.mjs        (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, freePort, httpGet, rawHttp, randomKey } from './lib/util.mjs';
import { startStudio, runStudio, waitForSegments, studioBin } from './lib/studio.mjs';
import { parseMedia, mediaPlaylistProblems } from './lib/m3u8.mjs';
import { masterProblems, checkRendition, alignmentProblems, segmentProblems, parseMaster } from './lib/hls-checks.mjs';
import { probeSegment } from './lib/ffprobe.mjs';
import { makeWebm } from './lib/media.mjs';

const LADDER = '720p,480p,360p';
const SEG = 2;
const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const noProblems = (problems, what) => assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);
const lines = (s) => s.trim().split(/\r?\n/).filter((l) => l.trim() !== '');

/** The error output of a failed start must be exactly one non-empty line on stderr. */
function assertOneLineError(r, what) {
  const info = `${what}: code=${r.code} signal=${r.signal} timedOut=${r.timedOut}\nstdout: ${JSON.stringify(r.stdout.slice(0, 600))}\nstderr: ${JSON.stringify(r.stderr.slice(0, 600))}`;
  assert.equal(r.timedOut, false, `${info}\n(still running after the timeout; killed)`);
  assert.equal(r.code, 2, `exit code should be 2. ${info}`);
  assert.equal(lines(r.stderr).length, 1, `the error should be one line on stderr. ${info}`);
}

test('afk-studio binary exists', () => {
  assert.ok(fs.existsSync(studioBin()));
});

describe('command line', () => {
  let tmp;
  before(() => { tmp = tempDir(); });
  after(() => tmp.cleanup());

  test('--help exits 0 and mentions every flag', async () => {
    const r = await runStudio(['--help']);
    assert.equal(r.code, 0, `--help exit code ${r.code}; stderr: ${r.stderr}`);
    const text = r.stdout + r.stderr;
    const missing = ['--headless', '--source', '--no-realtime', '--port', '--bind', '--data-dir', '--stream-key',
      '--ladder', '--segment-seconds', '--live-window', '--cors-origin', '--retain-hours', '--scaler'].filter((f) => !text.includes(f));
    assert.deepEqual(missing, [], `--help does not mention ${missing.join(', ')}\n${text}`);
    for (const s of ['test-pattern', 'file:']) assert.ok(text.includes(s), `--help does not mention source ${s}`);
  });

  const base = async () => ['--headless', '--port', String(await freePort()), '--bind', '127.0.0.1',
    '--data-dir', path.join(tmp.dir, 'data'), '--ladder', LADDER, '--segment-seconds', '2'];

  test("--stream-key '../x' → exit 2 with a one-line error", async () => {
    const r = await runStudio([...(await base()), '--source', 'test-pattern', '--stream-key', '../x']);
    assertOneLineError(r, "--stream-key '../x'");
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'x')), 'created a folder outside the data dir');
  });

  test('--source file:/nonexistent → exit 2 with a one-line error', async () => {
    const r = await runStudio([...(await base()), '--source', 'file:/nonexistent/in.webm', '--stream-key', randomKey()]);
    assertOneLineError(r, '--source file:/nonexistent');
  });

  test("--scaler nearest → exit 2 with a one-line error naming the filters", async () => {
    const r = await runStudio([...(await base()), '--source', 'test-pattern', '--stream-key', randomKey(), '--scaler', 'nearest']);
    assertOneLineError(r, '--scaler nearest');
    for (const name of ['bicubic', 'lanczos', 'bilinear', 'area']) assert.ok(r.stderr.includes(name), `the error does not name ${name}: ${r.stderr}`);
  });

  test('an unknown flag → exit 2 with a one-line error', async () => {
    const r = await runStudio([...(await base()), '--source', 'test-pattern', '--stream-key', randomKey(), '--no-such-flag']);
    assertOneLineError(r, '--no-such-flag');
  });
});

describe('live test pattern, ladder 720p,480p,360p', () => {
  let tmp, studio, master, rends = {};
  const sentinel = `AFK_SENTINEL_${randomKey()}`;

  before(async () => {
    tmp = tempDir();
    const dataDir = path.join(tmp.dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    // Files a traversal would reach: beside the stream folder and above the data dir.
    fs.writeFileSync(path.join(dataDir, 'stream.json'), `{"secret":"${sentinel}"}`);
    fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), sentinel);
    studio = await startStudio({ dataDir, ladder: LADDER });
    await waitForSegments(studio.streamUrl, 4, { timeoutMs: 90000, handle: studio });
  });
  after(async () => {
    if (studio && !studio.exitInfo) await studio.stop({ killAfterMs: 5000 });
    tmp?.cleanup();
  });

  test('prints the playback URLs', () => {
    const all = studio.out.stdout + studio.out.stderr;
    assert.ok(all.includes(studio.masterUrl), `no ${studio.masterUrl} in the output:\n${all}`);
    assert.ok(all.includes(studio.streamUrl), `no ${studio.streamUrl} in the output:\n${all}`);
  });

  test('health and active routes', async () => {
    for (const p of ['/health', '/livestream/health']) {
      const r = await httpGet(studio.origin + p);
      assert.equal(r.status, 200, `GET ${p} → ${r.status} ${r.text}`);
      assert.equal(JSON.parse(r.text).status, 'ok', `GET ${p} body ${r.text}`);
      assert.equal(r.headers.get('access-control-allow-origin'), '*', `GET ${p}: no CORS header`);
    }
    const a = await httpGet(`${studio.origin}/livestream/active`);
    assert.equal(a.status, 200, `GET /livestream/active → ${a.status}`);
    JSON.parse(a.text);
    assert.ok(a.text.includes(studio.key), `/livestream/active does not list ${studio.key}: ${a.text}`);
  });

  test('master.m3u8: variants, tags and headers', async () => {
    const r = await httpGet(studio.masterUrl);
    assert.equal(r.status, 200);
    const m = masterProblems(r.text, { expectHeights: [720, 480, 360] });
    master = m; // the rendition checks go on from the variants even if this test fails
    noProblems(m.problems, `master.m3u8\n${r.text}`);
    for (const v of m.variants) {
      assert.ok(Math.abs(v.width / v.height - 16 / 9) < 0.02, `${v.uri}: ${v.width}x${v.height} is not 16:9`);
      assert.ok(Math.abs(v.frameRate - 30) < 0.5, `${v.uri}: FRAME-RATE ${v.frameRate}, the test pattern is 30 fps`);
    }
  });

  test('every rendition: playlist tags, and every segment through ffprobe', { timeout: 180000 }, async () => {
    assert.ok(master?.variants.length, 'master.m3u8 has no variants');
    const problems = [];
    for (const v of master.variants) {
      const url = new URL(v.uri, studio.masterUrl).toString();
      assert.match(url, new RegExp(`^${studio.base}/\\d+p/index\\.m3u8$`), `variant URI ${v.uri} is not <rendition>/index.m3u8`);
      const r = await checkRendition(url, { dlDir: path.join(tmp.dir, 'dl', `${v.height}p`), variant: v, segmentSeconds: SEG, expectEnded: false, name: v.uri, uriPattern: /^segment_\d+\.ts$/ });
      if (r.segments.length < 4) problems.push(`${v.uri}: only ${r.segments.length} segments probed`);
      problems.push(...r.problems);
      rends[`${v.height}p`] = r;
    }
    problems.push(...alignmentProblems(rends));
    noProblems(problems, 'ladder');
  });

  test('stream.m3u8 is the top rendition with segment_N.ts URIs', { timeout: 120000 }, async () => {
    const top = rends['720p'];
    assert.ok(top, 'rendition check failed first');
    const r = await checkRendition(studio.streamUrl, { dlDir: path.join(tmp.dir, 'dl', 'stream'), variant: master.variants.find((v) => v.height === 720), segmentSeconds: SEG, expectEnded: false, name: 'stream.m3u8', uriPattern: /^segment_\d+\.ts$/ });
    noProblems(r.problems, 'stream.m3u8');
    assert.ok(r.segments.length >= 4);
    // Same segments, byte for byte, as 720p/ (the playlist may have grown in between).
    const topByUri = new Map(top.segments.map((s) => [s.uri, s]));
    let compared = 0;
    for (const s of r.segments) {
      const t = topByUri.get(s.uri);
      if (!t) continue;
      compared++;
      assert.ok(fs.readFileSync(s.file).equals(fs.readFileSync(t.file)), `/livestream/<key>/${s.uri} differs from 720p/${s.uri}`);
    }
    assert.ok(compared >= 4, `only ${compared} segments in common with 720p/index.m3u8`);
  });

  test('content types, CORS and cache headers', async () => {
    const seg0 = rends['720p']?.segments[0]?.uri || 'segment_0.ts';
    const cases = [
      ['stream.m3u8', PLAYLIST_TYPE, /no-cache/],
      ['master.m3u8', PLAYLIST_TYPE, /no-cache/],
      ['720p/index.m3u8', PLAYLIST_TYPE, /no-cache/],
      ['360p/index.m3u8', PLAYLIST_TYPE, /no-cache/],
      [seg0, 'video/mp2t', /public, max-age=3600/],
      [`480p/${seg0}`, 'video/mp2t', /public, max-age=3600/],
    ];
    const bad = [];
    for (const [p, type, cache] of cases) {
      const r = await httpGet(`${studio.base}/${p}`, { headers: { Origin: 'http://127.0.0.1:1' } });
      const got = { status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), acao: r.headers.get('access-control-allow-origin') };
      if (r.status !== 200 || !(got.type || '').startsWith(type) || !cache.test(got.cache || '') || got.acao !== '*') bad.push(`${p}: ${JSON.stringify(got)}`);
    }
    const st = await httpGet(`${studio.base}/status`);
    if (st.status !== 200 || !/^application\/json/.test(st.headers.get('content-type') || '') || st.headers.get('access-control-allow-origin') !== '*') {
      bad.push(`status: ${st.status} ${st.headers.get('content-type')} ACAO=${st.headers.get('access-control-allow-origin')}`);
    }
    noProblems(bad, 'headers');
    const missing = await httpGet(`${studio.base}/segment_999999.ts`);
    assert.equal(missing.status, 404, `missing segment → ${missing.status}`);
    assert.equal(typeof JSON.parse(missing.text).error, 'string', `missing segment body ${missing.text}`);
    assert.equal(missing.headers.get('access-control-allow-origin'), '*', 'missing segment 404: no CORS header');
  });

  test('OPTIONS preflight', async () => {
    for (const p of ['master.m3u8', 'stream.m3u8', '720p/index.m3u8', 'status']) {
      const r = await httpGet(`${studio.base}/${p}`, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:1', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
      const h = (n) => r.headers.get(n) || '';
      assert.ok(r.status === 200 || r.status === 204, `OPTIONS ${p} → ${r.status}`);
      assert.equal(h('access-control-allow-origin'), '*', `OPTIONS ${p}: ACAO ${h('access-control-allow-origin')}`);
      assert.match(h('access-control-allow-methods'), /GET/, `OPTIONS ${p}: Access-Control-Allow-Methods "${h('access-control-allow-methods')}"`);
      assert.match(h('access-control-allow-methods'), /OPTIONS|HEAD/, `OPTIONS ${p}: Access-Control-Allow-Methods "${h('access-control-allow-methods')}"`);
    }
  });

  test('path traversal probes never read outside the stream folder', async () => {
    const k = studio.key;
    const probes = [
      '/livestream/../../etc/passwd',
      '/livestream/../../../../../../etc/passwd',
      '/livestream/%2e%2e/x',
      '/livestream/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/livestream/..%2f..%2f..%2fetc%2fpasswd/stream.m3u8',
      `/livestream/${k}/..%2fstream.json`,
      `/livestream/${k}/%2e%2e%2fstream.json`,
      `/livestream/${k}/%2e%2e/stream.json`,
      `/livestream/${k}/../stream.json`,
      `/livestream/${k}/..%2f..%2fsecret.txt`,
      `/livestream/${k}/720p/..%2f..%2fstream.json`,
      `/livestream/${k}/720p/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt`,
      `/livestream/${k}/..%5cstream.json`,
      `/livestream/${k}/%5c..%5c..%5csecret.txt`,
      `/livestream/${k}/..%255cstream.json`,
      `/livestream/${k}/stream.m3u8%00.ts`,
      `/livestream/${k}/%00`,
      `/livestream/${k}/segment_0.ts%00/../../stream.json`,
      `/livestream/${k}/%2fetc%2fpasswd`,
      `/livestream/${k}//etc/passwd`,
      '/livestream/%2fetc%2fpasswd/stream.m3u8',
      '/livestream//etc/passwd',
      `/livestream/${encodeURIComponent(path.join(studio.dataDir, 'stream.json'))}`,
      `/livestream/${k}/${encodeURIComponent(path.join(tmp.dir, 'secret.txt'))}`,
      '/etc/passwd',
      `http://127.0.0.1:${studio.port}/livestream/../../etc/passwd`,
    ];
    const bad = [];
    for (const p of probes) {
      let r;
      try { r = await rawHttp(studio.port, p); } catch (e) { bad.push(`${p}: ${e.message}`); continue; }
      const body = r.body.toString('latin1');
      if (![400, 404].includes(r.status)) bad.push(`${p} → ${r.statusLine} (expected 400/404) body ${JSON.stringify(body.slice(0, 120))}`);
      if (body.includes('root:') || body.includes(sentinel)) bad.push(`${p} → ${r.status} LEAKED FILE CONTENTS: ${JSON.stringify(body.slice(0, 200))}`);
    }
    noProblems(bad, 'traversal probes');
    // The server must still be up and serving afterwards.
    assert.equal((await httpGet(studio.streamUrl)).status, 200, 'stream.m3u8 no longer served after the probes');
  });

  test('/status JSON shape (afk-protocol.md)', async () => {
    const r = await httpGet(`${studio.base}/status`);
    assert.equal(r.status, 200);
    const s = JSON.parse(r.text);
    const bad = [];
    const type = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    const expect = (p, v, ...types) => { if (!types.includes(type(v))) bad.push(`${p}: ${type(v)} (${JSON.stringify(v)?.slice(0, 80)}), expected ${types.join('|')}`); };
    expect('streamId', s.streamId, 'string');
    if (s.streamId !== studio.key) bad.push(`streamId ${s.streamId} ≠ ${studio.key}`);
    expect('local', s.local, 'object');
    const l = s.local || {};
    for (const f of ['isActive', 'manifestExists', 'streamDirExists']) expect(`local.${f}`, l[f], 'boolean');
    expect('local.streamData', l.streamData, 'object', 'null');
    expect('local.files', l.files, 'array');
    expect('local.manifestContent', l.manifestContent, 'string', 'null');
    expect('cloudinary', s.cloudinary, 'object');
    expect('overall', s.overall, 'object');
    const o = s.overall || {};
    for (const f of ['isActive', 'hasManifest', 'hasStreamDir', 'hasVideoContent', 'isEnded']) expect(`overall.${f}`, o[f], 'boolean');
    if (l.isActive !== true) bad.push(`local.isActive ${l.isActive} while live`);
    if (l.manifestExists !== true) bad.push(`local.manifestExists ${l.manifestExists}`);
    if (o.isActive !== true || o.hasManifest !== true || o.hasVideoContent !== true || o.isEnded !== false) {
      bad.push(`overall ${JSON.stringify(o)} while live with segments`);
    }
    if (typeof l.manifestContent === 'string' && !l.manifestContent.startsWith('#EXTM3U')) bad.push(`local.manifestContent does not start with #EXTM3U: ${JSON.stringify(l.manifestContent.slice(0, 60))}`);
    if (l.streamData && typeof l.streamData === 'object') {
      for (const f of ['startedAt', 'viewers']) if (!(f in l.streamData)) bad.push(`local.streamData has no ${f}`);
    }
    noProblems(bad, `/status ${r.text.slice(0, 600)}`);
  });

  test('/metrics is Prometheus text with afk_ metrics', async () => {
    const r = await httpGet(`${studio.origin}/metrics`);
    assert.equal(r.status, 200, `GET /metrics → ${r.status}`);
    assert.match(r.headers.get('content-type') || '', /^text\/plain/, `content-type ${r.headers.get('content-type')}`);
    const bad = [];
    const names = new Set();
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"\s*,?\s*)*\})?\s+(-?[0-9.eE+-]+|NaN|[+-]Inf)(\s+-?\d+)?$/;
    for (const l of r.text.split('\n')) {
      if (!l.trim() || l.startsWith('#')) continue;
      const m = sample.exec(l);
      if (!m) bad.push(`not a sample line: ${JSON.stringify(l)}`);
      else names.add(m[1]);
    }
    noProblems(bad, '/metrics syntax');
    const afk = [...names].filter((n) => n.startsWith('afk_'));
    assert.ok(afk.length > 0, `no afk_ metrics in:\n${r.text.slice(0, 800)}`);
  });

  test('a second instance on the same port → exit 2 with a one-line error', async () => {
    const r = await runStudio(['--headless', '--source', 'test-pattern', '--port', String(studio.port), '--bind', '127.0.0.1',
      '--data-dir', path.join(tmp.dir, 'data2'), '--stream-key', randomKey(), '--ladder', LADDER, '--segment-seconds', '2']);
    assertOneLineError(r, 'second instance on a used port');
    assert.equal((await httpGet(studio.streamUrl)).status, 200, 'the first instance stopped serving');
  });

  test('SIGTERM → exit 0 within 5 s, every playlist ends with #EXT-X-ENDLIST', { timeout: 60000 }, async () => {
    const r = await studio.stop({ killAfterMs: 15000 });
    assert.equal(r.killed, false, `did not exit within 15 s of SIGTERM (killed)\n${studio.describe()}`);
    assert.equal(r.signal, null, `died by signal ${r.signal}\n${studio.describe()}`);
    assert.equal(r.code, 0, `exit code ${r.code} after SIGTERM\n${studio.describe()}`);
    assert.ok(r.ms <= 5000, `took ${r.ms} ms to exit after SIGTERM (limit 5000)`);
    const dir = studio.streamDir;
    const problems = [];
    const masterText = fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    const variants = parseMaster(masterText).variants;
    if (variants.length !== 3) problems.push(`master.m3u8 on disk has ${variants.length} variants`);
    problems.push(...mediaPlaylistProblems(fs.readFileSync(path.join(dir, 'stream.m3u8'), 'utf8'), { expectEnded: true, name: 'disk stream.m3u8', uriPattern: /^segment_\d+\.ts$/ }));
    for (const v of variants) {
      const file = path.join(dir, v.uri);
      if (!fs.existsSync(file)) { problems.push(`${v.uri} missing on disk`); continue; }
      const text = fs.readFileSync(file, 'utf8');
      problems.push(...mediaPlaylistProblems(text, { expectEnded: true, name: `disk ${v.uri}` }));
      const segs = parseMedia(text).segments;
      const probed = [];
      for (const s of segs) {
        const f = path.join(path.dirname(file), s.uri);
        if (!fs.existsSync(f)) { problems.push(`${v.uri}: ${s.uri} listed but not on disk`); continue; }
        if (s === segs.at(-1) || s === segs.at(-2)) probed.push({ uri: s.uri, extinf: s.duration, summary: await probeSegment(f) });
      }
      // The segment finished at SIGTERM: valid, starts with a keyframe, continuous with the one before.
      problems.push(...segmentProblems(probed, { name: `disk ${v.uri}`, variant: v, segmentSeconds: SEG }));
    }
    // The whole stream as a recording: the same renditions, each an ended EVENT playlist of every
    // segment from segment_0.ts on, whose tail is the live playlist.
    const recordingVariants = parseMaster(fs.readFileSync(path.join(dir, 'recording.m3u8'), 'utf8')).variants;
    const expectedUris = variants.map((v) => v.uri.replace(/index\.m3u8$/, 'recording.m3u8'));
    if (recordingVariants.map((v) => v.uri).join() !== expectedUris.join()) problems.push(`recording.m3u8 names ${recordingVariants.map((v) => v.uri).join(', ')}`);
    for (const v of recordingVariants) {
      const text = fs.readFileSync(path.join(dir, v.uri), 'utf8');
      problems.push(...mediaPlaylistProblems(text, { expectEnded: true, name: `disk ${v.uri}`, playlistType: 'EVENT' }));
      const uris = parseMedia(text).segments.map((s) => s.uri);
      if (uris.some((u, i) => u !== `segment_${i}.ts`)) problems.push(`${v.uri} lists ${uris.join(' ')}`);
      const live = parseMedia(fs.readFileSync(path.join(dir, v.uri.replace(/recording\.m3u8$/, 'index.m3u8')), 'utf8')).segments.map((s) => s.uri);
      if (uris.slice(-live.length).join() !== live.join()) problems.push(`${v.uri}: the live playlist is not its tail`);
    }
    noProblems(problems, 'after SIGTERM');
  });
});

describe('file source: 6 s 640x360 VP8/Opus WebM, --no-realtime', () => {
  let tmp;
  before(() => { tmp = tempDir(); });
  after(() => tmp.cleanup());

  test('exits 0 on its own, every playlist has #EXT-X-ENDLIST, never upscales', { timeout: 240000 }, async () => {
    const input = await makeWebm(path.join(tmp.dir, 'in.webm'), { seconds: 6, size: '640x360' });
    const dataDir = path.join(tmp.dir, 'data');
    const studio = await startStudio({ dataDir, source: `file:${input}`, realtime: false, ladder: LADDER, waitReady: false });
    const timer = setTimeout(() => studio.child.kill('SIGKILL'), 180000);
    const e = await studio.exited;
    clearTimeout(timer);
    await studio.closed;
    assert.equal(e.signal, null, `did not exit by itself within 180 s (killed: ${e.signal})\n${studio.describe()}`);
    assert.equal(e.code, 0, `exit code ${e.code}\n${studio.describe()}`);
    const dir = studio.streamDir;
    const masterText = fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    const variants = parseMaster(masterText).variants;
    const problems = [];
    if (variants.length === 0) problems.push('master.m3u8 has no variants');
    for (const v of variants) if (v.height > 360) problems.push(`master has a ${v.attrs.RESOLUTION} rung above the 640x360 source`);
    if (!variants.some((v) => v.height === 360)) problems.push(`master has no 360p rung: ${variants.map((v) => v.attrs.RESOLUTION).join(', ')}`);
    problems.push(...mediaPlaylistProblems(fs.readFileSync(path.join(dir, 'stream.m3u8'), 'utf8'), { expectEnded: true, name: 'stream.m3u8', uriPattern: /^segment_\d+\.ts$/ }));
    for (const v of variants) {
      const file = path.join(dir, v.uri);
      if (!fs.existsSync(file)) { problems.push(`${v.uri} missing`); continue; }
      const text = fs.readFileSync(file, 'utf8');
      problems.push(...mediaPlaylistProblems(text, { expectEnded: true, name: v.uri }));
      const segs = parseMedia(text).segments;
      const total = segs.reduce((a, s) => a + s.duration, 0);
      if (Math.abs(total - 6) > 0.25) problems.push(`${v.uri}: #EXTINF total ${total.toFixed(3)} s for a 6 s input`);
      const probed = [];
      for (const s of segs) {
        const f = path.join(path.dirname(file), s.uri);
        if (!fs.existsSync(f)) { problems.push(`${v.uri}: ${s.uri} not on disk`); continue; }
        probed.push({ uri: s.uri, extinf: s.duration, summary: await probeSegment(f) });
      }
      problems.push(...segmentProblems(probed, { name: v.uri, variant: v, segmentSeconds: SEG, maxHeight: 360 }));
    }
    noProblems(problems, `file source\n${masterText}`);
  });
});
