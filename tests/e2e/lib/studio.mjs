// Start / stop the real afk-studio binary for the e2e suites and the benchmark.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, freePort, httpGet, randomKey, sleep, trackChild, waitFor } from './util.mjs';

/** The binary under test: $AFK_STUDIO_BIN (set by ctest) or <repo>/build/app/afk-studio. */
export function studioBin() {
  const bin = process.env.AFK_STUDIO_BIN || path.join(REPO_ROOT, 'build', 'app', 'afk-studio');
  if (!fs.existsSync(bin)) {
    throw new Error(`afk-studio binary not found at ${bin} (build it, or set AFK_STUDIO_BIN)`);
  }
  return bin;
}

/**
 * Test studios run in parallel: each one binding RTMP's default 1935 would fight over it, so
 * `--rtmp-port 0` goes first (QCommandLineParser takes the last value: a suite's own
 * --rtmp-port wins). Subcommands (`keys …`) take no such flag.
 */
export function withoutDefaultRtmp(args) {
  return args.length && !args[0].startsWith('-') ? args : ['--rtmp-port', '0', ...args];
}

/** Wraps a spawned process: collects stdout/stderr, remembers the exit. */
function supervise(child) {
  trackChild(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => { out.stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out.stderr += d; });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  // 'close' fires after the stdio streams drained: use it for the final output.
  const closed = new Promise((resolve) => child.once('close', () => resolve()));
  return { out, exited, closed };
}

/**
 * Run afk-studio with `args` to completion (for flag / error checks).
 * Resolves { code, signal, stdout, stderr, ms, timedOut }.
 */
export async function runStudio(args, { timeoutMs = 15000, env = {} } = {}) {
  const t0 = Date.now();
  args = withoutDefaultRtmp(args);
  const child = spawn(studioBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const { out, exited, closed } = supervise(child);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const { code, signal } = await exited;
  clearTimeout(timer);
  await closed;
  return { code, signal, stdout: out.stdout, stderr: out.stderr, ms: Date.now() - t0, timedOut };
}

/**
 * Start afk-studio headless on a free port with the given data dir and wait until it printed
 * its playback URLs and /health answers 200.
 * Returns a handle { port, key, dataDir, base, masterUrl, streamUrl, child, out, stop() ... }.
 */
export async function startStudio({
  dataDir,
  source = 'test-pattern',
  ladder = '720p,480p,360p',
  key = randomKey(),
  port,
  realtime = true,
  segmentSeconds = 2,
  extraArgs = [],
  startTimeoutMs = 30000,
  waitReady = true,
  openFilesLimit, // run under `ulimit -n N` (soft and hard) when set
  env = {}, // more environment variables (credentials)
} = {}) {
  port = port ?? (await freePort());
  const args = [
    '--headless',
    '--rtmp-port', '0', // extraArgs may ask for a port (the last --rtmp-port wins)
    '--source', source,
    ...(realtime ? [] : ['--no-realtime']),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--data-dir', dataDir,
    '--stream-key', key,
    '--ladder', ladder,
    '--segment-seconds', String(segmentSeconds),
    '--cors-origin', '*',
    '--retain-hours', '1',
    ...extraArgs,
  ];
  const t0 = Date.now();
  // exec keeps the pid: it is the studio's own (for /proc/<pid>/stat).
  const spawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } };
  const child = openFilesLimit
    ? spawn('sh', ['-c', `ulimit -n ${Number(openFilesLimit)} && exec "$0" "$@"`, studioBin(), ...args], spawnOptions)
    : spawn(studioBin(), args, spawnOptions);
  const { out, exited, closed } = supervise(child);
  let exitInfo = null;
  exited.then((e) => { exitInfo = e; });

  const base = `http://127.0.0.1:${port}/livestream/${key}`;
  const handle = {
    port, key, dataDir, args, child, out, base, t0,
    masterUrl: `${base}/master.m3u8`,
    streamUrl: `${base}/stream.m3u8`,
    origin: `http://127.0.0.1:${port}`,
    streamDir: path.join(dataDir, key),
    get exitInfo() { return exitInfo; },
    exited, closed,
    /** SIGTERM (default) and wait for the exit; SIGKILL after killAfterMs. */
    async stop({ signal = 'SIGTERM', killAfterMs = 15000 } = {}) {
      if (exitInfo) return { ...exitInfo, ms: 0, killed: false, stdout: out.stdout, stderr: out.stderr };
      const ts = Date.now();
      child.kill(signal);
      let killed = false;
      const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, killAfterMs);
      const e = await exited;
      clearTimeout(timer);
      await closed;
      return { code: e.code, signal: e.signal, ms: e.at - ts, killed, stdout: out.stdout, stderr: out.stderr };
    },
    /** Describe the process output (for assertion messages). */
    describe() {
      return `afk-studio ${args.join(' ')}\n--- stdout ---\n${out.stdout.slice(-3000)}\n--- stderr ---\n${out.stderr.slice(-3000)}`;
    },
  };
  if (!waitReady) return handle;

  try {
    await waitFor(() => {
      if (exitInfo) throw Object.assign(new Error(`exited early (code ${exitInfo.code}, signal ${exitInfo.signal})`), { fatal: true });
      const all = out.stdout + out.stderr;
      return all.includes(handle.masterUrl) && all.includes(handle.streamUrl);
    }, { timeoutMs: startTimeoutMs, what: 'the playback URLs to be printed' });
    await waitFor(async () => {
      if (exitInfo) throw Object.assign(new Error(`exited early (code ${exitInfo.code})`), { fatal: true });
      return (await httpGet(`${handle.origin}/health`, { timeoutMs: 2000 })).status === 200;
    }, { timeoutMs: startTimeoutMs, what: 'GET /health = 200' });
  } catch (e) {
    await handle.stop({ killAfterMs: 3000 }).catch(() => {});
    throw new Error(`afk-studio did not become ready: ${e.message}\n${handle.describe()}`);
  }
  handle.readyMs = Date.now() - t0;
  return handle;
}

/** Lines of a playlist naming segments (URI lines), in order. */
export function segmentUris(text) {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Wait until the playlist at `url` lists at least `n` segments; returns its text. */
export async function waitForSegments(url, n, { timeoutMs = 60000, handle } = {}) {
  return waitFor(async () => {
    if (handle?.exitInfo) throw Object.assign(new Error(`afk-studio exited (code ${handle.exitInfo.code})`), { fatal: true });
    const r = await httpGet(url, { timeoutMs: 3000 });
    if (r.status !== 200) return false;
    return segmentUris(r.text).filter((u) => /\.ts(\?|$)/.test(u)).length >= n ? r.text : false;
  }, { timeoutMs, intervalMs: 500, what: `${n} segments in ${url}` });
}

export { sleep };
