// Composition for real: an Xvfb screen painted red by a helper window, with a blue file as the
// picture-in-picture (`--overlay-source`, the same path a camera takes through the compositor:
// no camera exists on CI), checked in the encoded HLS output — blue in the chosen corner, red
// elsewhere, after the file has ended (its last picture stays). Also: a microphone that does not
// exist ends the start with a clear error, and the flags' errors name the flag.
//   node --test tests/e2e/compose.test.mjs   (AFK_STUDIO_BIN, AFK_PAINT_SCREEN_BIN)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, waitFor, trackChild, REPO_ROOT } from './lib/util.mjs';
import { startStudio, runStudio, waitForSegments, segmentUris } from './lib/studio.mjs';

const log = (m) => console.log(`# ${m}`);
const PAINTER = process.env.AFK_PAINT_SCREEN_BIN;
const WIDTH = 640;
const HEIGHT = 360;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'buffer', timeout: 60000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd}: ${err.message} ${stderr}`));
      resolve(stdout);
    });
  });
}

/** The first frame of a segment as RGB24 at its own size (the ffmpeg program decodes it). */
async function firstFrame(file) {
  const rgb = await run('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  assert.equal(rgb.length, WIDTH * HEIGHT * 3, `a ${WIDTH}x${HEIGHT} frame`);
  return (x, y) => [...rgb.subarray((y * WIDTH + x) * 3, (y * WIDTH + x) * 3 + 3)];
}

const isRed = ([r, g, b]) => r > 200 && g < 60 && b < 60;
const isBlue = ([r, g, b]) => b > 200 && r < 60 && g < 60;

describe('composition: screen + picture-in-picture (Xvfb)', { skip: !PAINTER && 'AFK_PAINT_SCREEN_BIN not set (a GUI build makes it)' }, () => {
  let tmp;
  let xvfb;
  let painter;
  let display;
  const painted = [];

  before(async () => {
    tmp = tempDir();
    for (let n = 200 + Math.floor(Math.random() * 50); ; n++) {
      if (!fs.existsSync(`/tmp/.X11-unix/X${n}`) && !fs.existsSync(`/tmp/.X${n}-lock`)) { display = `:${n}`; break; }
    }
    xvfb = trackChild(spawn('Xvfb', [display, '-screen', '0', `${WIDTH}x${HEIGHT}x24`, '-nolisten', 'tcp'], { stdio: 'ignore' }));
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

  test('the overlay is in its corner of the encoded picture', { timeout: 180000 }, async () => {
    // Two seconds of a blue 4:3 picture: it ends long before the checked segment.
    const blue = path.join(tmp.dir, 'blue.mkv');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=blue:s=320x240:r=30', '-t', '2',
      '-c:v', 'mpeg4', '-q:v', '2', blue]);
    const studio = await startStudio({
      dataDir: `${tmp.dir}/data`, source: `screen:${display}`, ladder: '360p', segmentSeconds: 1,
      extraArgs: ['--camera-overlay=top-left,0.3', '--overlay-source', `file:${blue}`],
    });
    try {
      await waitFor(() => /encoding screen :\d+ \(640x360\) \+ file .*blue\.mkv \(640x360, picture-in-picture top-left 30%\)/.test(studio.out.stdout),
        { timeoutMs: 20000, what: 'the "encoding screen … + file …" line' });
      const text = await waitForSegments(`${studio.base}/360p/index.m3u8`, 5, { handle: studio, timeoutMs: 90000 });
      const last = segmentUris(text).at(-1);
      const pixel = await firstFrame(path.join(studio.streamDir, '360p', last));
      // 30 % of 640 = 192 wide, 4:3 → 144 high, 2 % margin = 12: the rectangle (12,12)-(204,156).
      for (const [x, y] of [[108, 84], [20, 20], [196, 148]]) {
        log(`${last} (${x},${y}): ${pixel(x, y)}`);
        assert.ok(isBlue(pixel(x, y)), `not blue at ${x},${y}: ${pixel(x, y)}`);
      }
      for (const [x, y] of [[4, 4], [300, 84], [108, 200], [600, 320], [620, 20]]) {
        log(`${last} (${x},${y}): ${pixel(x, y)}`);
        assert.ok(isRed(pixel(x, y)), `not red at ${x},${y}: ${pixel(x, y)}`);
      }
    } finally {
      const r = await studio.stop();
      assert.equal(r.code, 0, studio.describe());
    }
  });
});

describe('composition and microphone: errors', () => {
  test('a microphone that is not there ends the start with exit 2, named', { timeout: 60000 }, async () => {
    const tmp = tempDir();
    try {
      const r = await runStudio(['--headless', '--source', 'test-pattern', '--mic=no-such-microphone', '--port', '0',
        '--data-dir', `${tmp.dir}/data`, '--ladder', '240p'], { timeoutMs: 30000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /microphone: no microphone 'no-such-microphone' \(see afk-studio --list-devices\)/);
    } finally {
      tmp.cleanup();
    }
  });

  test('--help and the README\'s flag table both name the composition flags', async () => {
    const help = (await runStudio(['--help'])).stdout;
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const flag of ['--camera-overlay', '--camera <ID>', '--overlay-source', '--mic', '--list-devices']) {
      assert.ok(help.includes(flag), `--help does not name ${flag}`);
    }
    for (const row of ['| `--camera-overlay[=CORNER[,SIZE]]` |', '| `--camera ID` |', '| `--overlay-source SOURCE` |', '| `--mic[=ID]` |']) {
      assert.ok(readme.includes(row), `README has no row ${row}`);
    }
  });

  test('flag errors name the flag', async () => {
    const cases = [
      [['--camera-overlay=middle'], /--camera-overlay: 'middle' is not CORNER\[,SIZE\]/],
      [['--camera-overlay=top-left,2'], /--camera-overlay: the size '2' is not a fraction/],
      [['--source', 'camera', '--camera-overlay'], /--camera-overlay goes over --source screen, test-pattern or file:PATH, not camera/],
      [['--source', 'none', '--overlay-source', 'test-pattern'], /--overlay-source goes over .* not none/],
      [['--camera', 'x'], /--camera names the camera of --camera-overlay/],
      [['--overlay-source', 'webcam'], /--overlay-source: 'webcam' is not test-pattern, camera/],
      [['--source', 'none', '--mic'], /--mic needs a --source/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runStudio(['--headless', '--port', '0', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
    }
  });

  test('the optional values of --camera-overlay and --mic come from a settings file and AFK_* too', async () => {
    const tmp = tempDir();
    try {
      const conf = path.join(tmp.dir, 'studio.conf');
      fs.writeFileSync(conf, 'camera-overlay=middle,0.3\n');
      const fromFile = await runStudio(['--headless', '--port', '0', '--config', conf]);
      assert.equal(fromFile.code, 2, fromFile.stderr);
      assert.match(fromFile.stderr, /studio\.conf: --camera-overlay: 'middle,0\.3' is not CORNER/);
      const fromEnvironment = await runStudio(['--headless', '--port', '0'], { env: { AFK_CAMERA_OVERLAY: 'top-left,2' } });
      assert.equal(fromEnvironment.code, 2, fromEnvironment.stderr);
      assert.match(fromEnvironment.stderr, /environment AFK_CAMERA_OVERLAY: --camera-overlay: the size '2'/);
      const microphone = await runStudio(['--headless', '--port', '0', '--source', 'test-pattern', '--ladder', '240p',
        '--data-dir', `${tmp.dir}/data`], { env: { AFK_MIC: 'no-such-microphone' }, timeoutMs: 30000 });
      assert.equal(microphone.code, 2, microphone.stderr);
      assert.match(microphone.stderr, /no microphone 'no-such-microphone'/);
    } finally {
      tmp.cleanup();
    }
  });
});
