// Settings from a file, the environment and flags (issue 9): defaults → --config FILE (or
// $XDG_CONFIG_HOME/afk-host-studio/studio.conf) → AFK_* variables → flags, the later winning;
// errors name the key and where it came from.
//   node --test tests/e2e/settings.test.mjs   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir, freePort, httpGet, waitFor, REPO_ROOT } from './lib/util.mjs';
import { runStudio, studioBin } from './lib/studio.mjs';
import { spawn } from 'node:child_process';

/** Starts `afk-studio --headless --source none …` and resolves with the port it says it serves on. */
async function servedPort(args, env) {
  const child = spawn(studioBin(), ['--headless', '--source', 'none', '--stats-interval', '0', '--rtmp-port', '0', ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    const match = await waitFor(() => out.match(/serving on http:\/\/127\.0\.0\.1:(\d+)/), { timeoutMs: 15000, what: `the serving line (${out})` });
    const port = Number(match[1]);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/health`)).status, 200);
    return port;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

describe('settings: file → environment → flags', () => {
  let tmp;
  before(() => { tmp = tempDir(); });
  after(() => tmp.cleanup());

  test('each later source wins: the file, then AFK_PORT, then --port', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const file = `${tmp.dir}/studio.conf`;
    fs.writeFileSync(file, `port=${filePort}\ndata-dir=${tmp.dir}/data\n\n[stream]\ntitle=kept by the GUI\n`);
    assert.equal(await servedPort(['--config', file]), filePort);
    assert.equal(await servedPort(['--config', file], { AFK_PORT: String(envPort) }), envPort);
    assert.equal(await servedPort(['--config', file, '--port', String(flagPort)], { AFK_PORT: String(envPort) }), flagPort);
  });

  test('the packaged service settings (packaging/studio.conf) are valid', async () => {
    const port = await freePort();
    assert.equal(await servedPort(['--config', `${REPO_ROOT}/packaging/studio.conf`, '--data-dir', `${tmp.dir}/service`],
      { AFK_PORT: String(port) }), port);
  });

  test('the default file is $XDG_CONFIG_HOME/afk-host-studio/studio.conf', async () => {
    const port = await freePort();
    fs.mkdirSync(`${tmp.dir}/xdg/afk-host-studio`, { recursive: true });
    fs.writeFileSync(`${tmp.dir}/xdg/afk-host-studio/studio.conf`, `port=${port}\ndata-dir=${tmp.dir}/data\n`);
    assert.equal(await servedPort([], { XDG_CONFIG_HOME: `${tmp.dir}/xdg` }), port);
  });

  test('errors name the key and where it came from', async () => {
    fs.writeFileSync(`${tmp.dir}/bad.conf`, 'port=eighty\n');
    let r = await runStudio(['--headless', '--config', `${tmp.dir}/bad.conf`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.conf: --port: 'eighty' is not a whole number/);
    fs.writeFileSync(`${tmp.dir}/typo.conf`, 'prot=8080\n');
    r = await runStudio(['--headless', '--config', `${tmp.dir}/typo.conf`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /typo\.conf: unknown key 'prot'/);
    r = await runStudio(['--headless', '--config', `${tmp.dir}/missing.conf`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config: cannot read .*missing\.conf/);
    r = await runStudio(['--headless', '--config', `${tmp.dir}/studio.conf`], { env: { AFK_MAX_STREAMS: 'many' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environment AFK_MAX_STREAMS: --max-streams: 'many'/);
  });

  // No camera or microphone exists on CI machines: the listing and the camera source say so.
  test('--list-devices and --source camera without devices say so clearly', async (t) => {
    const listed = await runStudio(['--list-devices']);
    assert.equal(listed.code, 0, listed.stderr);
    if (!/cameras \(--source camera:ID\):\n {2}none found/.test(listed.stdout) || !/microphones:\n {2}none found/.test(listed.stdout)) {
      t.skip(`this machine has capture devices:\n${listed.stdout}`);
      return;
    }
    assert.match(listed.stdout, /cameras \(--source camera:ID\):\n {2}none found/);
    assert.match(listed.stdout, /microphones:\n {2}none found/);
    const camera = await runStudio(['--headless', '--source', 'camera', '--port', '0', '--data-dir', `${tmp.dir}/camera`], { timeoutMs: 30000 });
    assert.equal(camera.code, 2, camera.stderr);
    assert.match(camera.stderr, /no camera found \(see afk-studio --list-devices\)/);
  });

  // The desktop studio (offscreen) takes the run's flags over its saved form: the form says a
  // file that does not exist and the default ladder; AFK_SOURCE and --ladder say otherwise.
  test('the GUI goes live (--go-live) with the flags given, not the saved form', { skip: !process.env.AFK_GUI_BUILD && 'not a GUI build' }, async () => {
    const port = await freePort();
    const xdg = `${tmp.dir}/gui-xdg`;
    fs.mkdirSync(`${xdg}/afk-host-studio`, { recursive: true });
    fs.writeFileSync(`${xdg}/afk-host-studio/studio.conf`,
      '[stream]\nsource=file\nfile=/nonexistent/saved-form.mp4\nladder="720p,480p,360p"\n');
    const child = spawn(studioBin(), ['--go-live', '--port', String(port), '--rtmp-port', '0', '--data-dir', `${tmp.dir}/gui-data`,
      '--stream-key', 'gui_flags', '--ladder', '240p', '--x264-preset', 'ultrafast', '--part-seconds', '0'],
    { env: { ...process.env, XDG_CONFIG_HOME: xdg, QT_QPA_PLATFORM: 'offscreen', DISPLAY: process.env.DISPLAY || ':0', AFK_SOURCE: 'test-pattern' },
      stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    try {
      const master = await waitFor(async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/livestream/gui_flags/master.m3u8`).catch(() => null);
        return r && r.status === 200 && r.text.includes('240p/') ? r.text : null;
      }, { timeoutMs: 60000, what: `the GUI's stream at 240p (${err})` });
      assert.doesNotMatch(master, /720p|480p|360p/);
      const status = JSON.parse((await httpGet(`http://127.0.0.1:${port}/livestream/gui_flags/status`)).text);
      assert.equal(status.overall.isActive, true);
      // The preset was for this run: the saved form is untouched.
      assert.match(fs.readFileSync(`${xdg}/afk-host-studio/studio.conf`, 'utf8'), /source=file/);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
