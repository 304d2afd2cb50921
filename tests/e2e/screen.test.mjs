// The screen source for real: an Xvfb display painted a known colour by a helper window, captured
// with `--source screen::N`, and checked in the encoded HLS output (a decoded frame of a segment
// has that colour); repainting it shows in a later segment. Also: a region, and the errors.
//   node --test tests/e2e/screen.test.mjs   (AFK_STUDIO_BIN, AFK_PAINT_SCREEN_BIN)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, waitFor, trackChild } from './lib/util.mjs';
import { startStudio, runStudio, waitForSegments, segmentUris } from './lib/studio.mjs';

const log = (m) => console.log(`# ${m}`);
const PAINTER = process.env.AFK_PAINT_SCREEN_BIN;

/** The mean RGB of the first frame of a segment file, decoded by ffprobe's sibling ffmpeg. */
function meanColour(file) {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=8:8', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { encoding: 'buffer', timeout: 30000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffmpeg: ${err.message} ${stderr}`));
        const sum = [0, 0, 0];
        for (let i = 0; i < stdout.length; i++) sum[i % 3] += stdout[i];
        const pixels = stdout.length / 3;
        resolve(sum.map((v) => Math.round(v / pixels)));
      });
  });
}

describe('screen capture (x11grab on Xvfb)', { skip: !PAINTER && 'AFK_PAINT_SCREEN_BIN not set (a GUI build makes it)' }, () => {
  let tmp;
  let xvfb;
  let painter;
  let display;
  const painted = [];

  before(async () => {
    tmp = tempDir();
    for (let n = 140 + Math.floor(Math.random() * 50); ; n++) {
      if (!fs.existsSync(`/tmp/.X11-unix/X${n}`) && !fs.existsSync(`/tmp/.X${n}-lock`)) { display = `:${n}`; break; }
    }
    xvfb = trackChild(spawn('Xvfb', [display, '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], { stdio: 'ignore' }));
    await waitFor(() => fs.existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), { timeoutMs: 10000, what: `Xvfb ${display}` });
    painter = trackChild(spawn(PAINTER, ['#ff0000'], { env: { ...process.env, DISPLAY: display, QT_QPA_PLATFORM: 'xcb' }, stdio: ['pipe', 'pipe', 'inherit'] }));
    painter.stdout.setEncoding('utf8').on('data', (d) => painted.push(...d.split('\n').filter(Boolean)));
    await waitFor(() => painted.includes('painted #ff0000'), { timeoutMs: 20000, what: 'the display painted red' });
  });
  after(() => {
    painter?.kill();
    xvfb?.kill();
    tmp?.cleanup();
  });

  test('the captured screen is what is on it, live', { timeout: 120000 }, async () => {
    const studio = await startStudio({ dataDir: `${tmp.dir}/data`, source: `screen:${display}`, ladder: '360p', segmentSeconds: 1 });
    try {
      await waitFor(() => new RegExp(`encoding screen ${display} \\(1280x720\\)`).test(studio.out.stdout),
        { timeoutMs: 20000, what: 'the "encoding screen" line' });
      const rendition = path.join(studio.streamDir, '360p');
      const text = await waitForSegments(`${studio.base}/360p/index.m3u8`, 2, { handle: studio });
      const first = segmentUris(text).at(-1);
      const red = await meanColour(path.join(rendition, first));
      log(`${first}: mean RGB ${red}`);
      assert.ok(red[0] > 200 && red[1] < 60 && red[2] < 60, `not red: ${red}`);

      painter.stdin.write('#0000ff\n');
      await waitFor(() => painted.includes('painted #0000ff'), { timeoutMs: 10000, what: 'the display painted blue' });
      const seen = segmentUris(text).length;
      const later = await waitForSegments(`${studio.base}/360p/index.m3u8`, seen + 3, { handle: studio });
      const last = segmentUris(later).at(-1);
      const blue = await meanColour(path.join(rendition, last));
      log(`${last}: mean RGB ${blue}`);
      assert.ok(blue[2] > 200 && blue[0] < 60 && blue[1] < 60, `not blue: ${blue}`);
    } finally {
      const r = await studio.stop();
      assert.equal(r.code, 0, studio.describe());
    }
  });

  test('a region of the screen is captured at its own size', { timeout: 60000 }, async () => {
    const studio = await startStudio({ dataDir: `${tmp.dir}/data2`, source: `screen:${display}+100,50,640x360`, ladder: '360p', segmentSeconds: 1 });
    try {
      await waitFor(() => /encoding screen :\d+ region 100,50 640x360/.test(studio.out.stdout),
        { timeoutMs: 20000, what: 'the "encoding screen … region" line' });
      await waitForSegments(`${studio.base}/360p/index.m3u8`, 1, { handle: studio });
    } finally {
      await studio.stop();
    }
  });

  test('bad screen sources fail with a clear error', async () => {
    const bad = await runStudio(['--headless', '--source', 'screen:+1,2,3x4', '--port', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--source screen: .*at least 16x16/);
    const env = { DISPLAY: '', WAYLAND_DISPLAY: 'wayland-0' };
    const wayland = await runStudio(['--headless', '--source', 'screen', '--port', '0', '--data-dir', `${tmp.dir}/data3`], { env });
    assert.equal(wayland.code, 2, wayland.stderr);
    assert.match(wayland.stderr, /Wayland is not supported yet/);
  });
});
