#!/usr/bin/env node
// Benchmark (not a test; ctest does not run it): Socket.IO viewer scale, afk-studio against the
// Node `socket.io` 4 server (tests/bench/socketio-peer.mjs) in the same run, with the same client
// (tests/e2e/lib/viewers.mjs: raw Engine.IO viewers over `ws`, all in this process).
//   1. burst connect time: 1,000 / 5,000 / 10,000 connections opened at once (handshake +
//      namespace CONNECT), on one server, each burst closed before the next
//   2. RSS per connection: (RSS with 10,000 connected − RSS before) / 10,000
//   3. CPU while 10,000 idle viewers are pinged (both ping every 25 s): user+system CPU of the
//      server over --idle-seconds, as % of one core
//   4. room broadcast spread at 10,000 viewers of one live room: for each stream-segments-updated
//      (afk-studio: the test pattern, --ladder 240p; Node: a 2 s timer), each viewer's arrival
//      after the first viewer's; p50 / p99 / max over all events and viewers. The viewers are
//      spread over --client-threads worker threads (viewer-worker.mjs) with one monotonic clock,
//      so that the client's parsing is not what is measured.
// Run through viewer-bench.sh (raises this process's descriptor limit). Prints a Markdown table.
//   node tests/bench/viewer-bench.mjs [--sizes 1000,5000,10000] [--viewers 10000] [--idle-seconds 60] [--events 10]
//       [--servers afk-studio,node] (afk-studio alone, or --skip-idle: JSON only) [--client-threads 4]
//       [--skip-idle] (the broadcast only)
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, freePort, httpGet, sleep, waitFor } from '../e2e/lib/util.mjs';
import { studioBin } from '../e2e/lib/studio.mjs';
import { burst, closeAll, cpuSeconds, rssBytes } from '../e2e/lib/viewers.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const sizes = opt('sizes', '1000,5000,10000').split(',').map(Number);
const viewerCount = Number(opt('viewers', '10000'));
const idleSeconds = Number(opt('idle-seconds', '60'));
const eventCount = Number(opt('events', '10'));
const servers = opt('servers', 'afk-studio,node').split(',');
const clientThreads = Number(opt('client-threads', '4'));
const isBroadcastOnly = argv.includes('--skip-idle');
const log = (...a) => console.error('#', ...a);
const here = path.dirname(fileURLToPath(import.meta.url));
const liveKey = 'benchroom';
const clientCaps = ['--max-clients-per-ip', '100000', '--max-clients', '100000', '--max-viewers', '100000',
  '--max-connections', '100000'];

async function startServer(kind, { live }) {
  const port = await freePort();
  const tmp = tempDir('afk-viewer-bench-');
  const child = kind === 'afk-studio'
    ? spawn(studioBin(), ['--headless', '--port', String(port), '--rtmp-port', '0', '--data-dir', tmp.dir, '--stats-interval', '0',
      ...(live ? ['--source', 'test-pattern', '--stream-key', liveKey, '--ladder', '240p'] : ['--source', 'none']),
      ...clientCaps], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, [path.join(here, 'socketio-peer.mjs'), '--port', String(port), ...(live ? ['--key', liveKey] : [])],
      { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-20000); });
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, { timeoutMs: 2000 })).status === 200,
    { timeoutMs: 30000, what: `${kind} /health` });
  return {
    port, pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(() => { child.kill('SIGKILL'); r(); }, 15000); });
      tmp.cleanup();
    },
    stderr: () => stderr,
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function measure(kind) {
  const out = { bursts: {} };
  // 1-3 on an idle server.
  let server = isBroadcastOnly ? null : await startServer(kind, { live: false });
  try {
    for (const n of isBroadcastOnly ? [] : sizes) {
      await sleep(2000);
      const rssBefore = rssBytes(server.pid);
      const r = await burst(server.port, n, { timeoutMs: 120000 });
      out.bursts[n] = { ms: r.ms, failed: r.failures.length };
      log(kind, `burst ${n}: ${Math.round(r.ms)} ms, ${r.failures.length} failed`);
      if (n === Math.max(...sizes)) {
        await sleep(3000);
        out.rssPerConnection = (rssBytes(server.pid) - rssBefore) / r.viewers.length;
        const cpu0 = cpuSeconds(server.pid);
        const t0 = Date.now();
        await sleep(idleSeconds * 1000);
        out.idleCpuShare = (cpuSeconds(server.pid) - cpu0) / ((Date.now() - t0) / 1000);
        out.idlePingsAnswered = r.viewers.reduce((sum, v) => sum + v.pings, 0);
        out.idleClosed = r.viewers.filter((v) => v.closeInfo).length;
        log(kind, `RSS/connection ${(out.rssPerConnection / 1024).toFixed(1)} KiB, idle CPU ${(out.idleCpuShare * 100).toFixed(1)} %`);
      }
      await closeAll(r.viewers);
    }
  } finally {
    await server?.stop();
  }
  // 4 on a live room, the viewers spread over worker threads (viewer-worker.mjs).
  server = await startServer(kind, { live: true });
  const workers = [];
  try {
    for (let i = 0; i < clientThreads; i++) {
      const count = Math.floor(viewerCount / clientThreads) + (i < viewerCount % clientThreads ? 1 : 0);
      const worker = new Worker(path.join(here, 'viewer-worker.mjs'), { workerData: { port: server.port, count, streamKey: liveKey } });
      worker.on('error', (e) => log(kind, `viewer worker failed: ${e.message}`));
      worker.nextMessage = (type) => new Promise((resolve) => {
        const onMessage = (m) => { if (m.type === type) { worker.off('message', onMessage); resolve(m); } };
        worker.on('message', onMessage);
      });
      workers.push(worker);
    }
    const connected = await Promise.all(workers.map((w) => w.nextMessage('connected')));
    const joined = connected.reduce((sum, c) => sum + c.viewers, 0);
    for (const w of workers) w.postMessage('join');
    // Events that every viewer can have received: those after all joined.
    await sleep(5000);
    const collect = async () => {
      const arrivals = new Map(); // segmentCount -> [ms]
      for (const w of workers) w.postMessage('report');
      for (const report of await Promise.all(workers.map((w) => w.nextMessage('report'))))
        for (const [k, times] of report.arrivals) arrivals.set(k, [...(arrivals.get(k) ?? []), ...times]);
      return arrivals;
    };
    const firstCounted = Math.max(0, ...(await collect()).keys()) + 1;
    await waitFor(async () => [...(await collect()).keys()].some((k) => k >= firstCounted + eventCount),
      { timeoutMs: (eventCount + 10) * 4000, intervalMs: 2000, what: `${eventCount} room events` });
    await sleep(3000);
    const arrivals = await collect();
    const lags = [];
    const spreads = [];
    let delivered = 0;
    for (let k = firstCounted; k < firstCounted + eventCount; k++) {
      const times = (arrivals.get(k) ?? []).sort((a, b) => a - b);
      delivered += times.length;
      if (!times.length) continue;
      for (const t of times) lags.push(t - times[0]);
      spreads.push(times.at(-1) - times[0]);
    }
    lags.sort((a, b) => a - b);
    out.broadcast = {
      viewers: joined, clientThreads, events: eventCount, delivered, expected: joined * eventCount,
      p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), maxSpread: Math.max(...spreads),
    };
    log(kind, 'broadcast', JSON.stringify(out.broadcast));
  } finally {
    await Promise.all(workers.map((w) => new Promise((resolve) => { w.once('exit', resolve); w.postMessage('close'); })));
    await server.stop();
  }
  return out;
}

const afk = await measure('afk-studio');
const node = servers.includes('node') ? await measure('node') : null;
if (!node || isBroadcastOnly) {
  console.log(JSON.stringify({ afk, node }));
  process.exit(0);
}
const ms = (v) => `${Math.round(v).toLocaleString('en-US')}`;
const rows = [];
for (const n of sizes) {
  const a = afk.bursts[n];
  const b = node.bursts[n];
  rows.push(`| burst of ${n.toLocaleString('en-US')} connections (ms) | ${ms(a.ms)}${a.failed ? ` (${a.failed} failed)` : ''} | ${ms(b.ms)}${b.failed ? ` (${b.failed} failed)` : ''} | ${(a.ms / b.ms).toFixed(2)} |`);
}
rows.push(`| RSS per connection at ${sizes.at(-1).toLocaleString('en-US')} (KiB) | ${(afk.rssPerConnection / 1024).toFixed(1)} | ${(node.rssPerConnection / 1024).toFixed(1)} | ${(afk.rssPerConnection / node.rssPerConnection).toFixed(2)} |`);
rows.push(`| CPU, ${sizes.at(-1).toLocaleString('en-US')} idle viewers pinged (% of a core over ${idleSeconds} s) | ${(afk.idleCpuShare * 100).toFixed(2)} | ${(node.idleCpuShare * 100).toFixed(2)} | ${(afk.idleCpuShare / node.idleCpuShare).toFixed(2)} |`);
for (const [label, key] of [['p50', 'p50'], ['p99', 'p99'], ['max (first to last viewer)', 'maxSpread']]) {
  rows.push(`| room broadcast at ${viewerCount.toLocaleString('en-US')} viewers, ${label} (ms) | ${ms(afk.broadcast[key])} | ${ms(node.broadcast[key])} | ${(afk.broadcast[key] / node.broadcast[key]).toFixed(2)} |`);
}
rows.push(`| room events delivered / expected | ${afk.broadcast.delivered} / ${afk.broadcast.expected} | ${node.broadcast.delivered} / ${node.broadcast.expected} | |`);
console.log(['| metric | afk-studio | Node socket.io 4 | ours / Node |', '|---|---|---|---|', ...rows].join('\n'));
console.log(JSON.stringify({ afk, node }));
