#!/usr/bin/env node
// Benchmark helper (not a test) for tests/bench/nostr-bench.sh:
//   node nostr-bench.mjs sign-verify [--events N]
//       nostr-tools' finalizeEvent / verifyEvent per second on the same event shape as
//       afk-nostr-bench (kind 1311, one a tag, short content); one JSON line
//   node nostr-bench.mjs go-live [--runs N]
//       a real relay (tests/nostr/relay) and afk-studio --relay on the test pattern (360p);
//       ms from the "first segment ready" line to the relay delivering the live 30311 event to a
//       subscriber that was listening from the start (≈ the relay's OK); median of N runs
import path from 'node:path';
import readline from 'node:readline';
import { spawn, spawnSync } from 'node:child_process';
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from '../e2e/node_modules/nostr-tools/lib/esm/index.js';
import WebSocket from '../e2e/node_modules/ws/wrapper.mjs';
import { tempDir, waitFor, REPO_ROOT } from '../e2e/lib/util.mjs';
import { startStudio, studioBin } from '../e2e/lib/studio.mjs';

const [mode] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

function signVerify(count) {
  const secret = generateSecretKey();
  const address = `30311:${getPublicKey(secret)}:0123456789abcdef0123456789abcdef`;
  const templates = Array.from({ length: count }, (_, i) => ({
    kind: 1311, created_at: 1764000000 + i, content: `bench message ${i}: hello from the chat`,
    tags: [['a', address, 'ws://127.0.0.1:7777', 'root']],
  }));
  // Warm-up (JIT, noble's precomputed tables) outside the timing.
  for (const template of templates.slice(0, 200)) verifyEvent(JSON.parse(JSON.stringify(finalizeEvent(template, secret))));
  let t = process.hrtime.bigint();
  const signed = templates.map((template) => finalizeEvent(template, secret));
  const signNs = Number(process.hrtime.bigint() - t);
  // Plain copies: verifyEvent caches its answer on the object it was given.
  const copies = signed.map((event) => JSON.parse(JSON.stringify(event)));
  t = process.hrtime.bigint();
  const verified = copies.filter((event) => verifyEvent(event)).length;
  const verifyNs = Number(process.hrtime.bigint() - t);
  if (verified !== count) throw new Error(`${count - verified} events did not verify`);
  return { events: count, signPerSecond: Math.round(count * 1e9 / signNs), verifyPerSecond: Math.round(count * 1e9 / verifyNs) };
}

async function startRelay() {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'tests', 'nostr', 'relay', 'relay.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
  });
  return { child, url: JSON.parse(line).url };
}

async function goLiveOnce() {
  const config = tempDir('afk-bench-config-');
  const data = tempDir('afk-bench-data-');
  const relay = await startRelay();
  process.env.XDG_CONFIG_HOME = config.dir;
  process.env.AFK_KEY_PASSWORD = 'bench password';
  let studio;
  let socket;
  try {
    const generated = spawnSync(studioBin(), ['keys', 'generate'], { env: { ...process.env, AFK_KEY_SCRYPT_LOG_N: '12' }, encoding: 'utf8' });
    if (generated.status !== 0) throw new Error(generated.stderr);
    // A subscriber listening before the studio starts: the relay pushes the event once stored.
    let liveAt = 0;
    socket = new WebSocket(relay.url);
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message[0] === 'EVENT' && !liveAt && message[2].tags.some((t) => t[0] === 'status' && t[1] === 'live'))
        liveAt = Date.now();
    });
    socket.send(JSON.stringify(['REQ', 'live', { kinds: [30311] }]));
    let firstSegmentAt = 0;
    studio = await startStudio({ dataDir: data.dir, ladder: '360p', extraArgs: ['--relay', relay.url], waitReady: false });
    studio.child.stdout.on('data', () => {
      if (!firstSegmentAt && studio.out.stdout.includes('first segment ready')) firstSegmentAt = Date.now();
    });
    await waitFor(() => firstSegmentAt && liveAt, { timeoutMs: 60000, intervalMs: 20, what: 'first segment and live event' });
    return liveAt - firstSegmentAt;
  } finally {
    socket?.close();
    if (studio) await studio.stop({ killAfterMs: 5000 });
    relay.child.kill('SIGTERM');
    config.cleanup();
    data.cleanup();
  }
}

if (mode === 'sign-verify') {
  console.log(JSON.stringify(signVerify(option('--events', 2000))));
} else if (mode === 'go-live') {
  const runs = [];
  for (let i = 0; i < option('--runs', 3); ++i) runs.push(await goLiveOnce());
  console.log(JSON.stringify({ runsMs: runs, medianMs: median(runs) }));
} else {
  console.error('usage: nostr-bench.mjs sign-verify [--events N] | go-live [--runs N]');
  process.exit(2);
}
