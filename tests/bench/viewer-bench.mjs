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
//      after the first viewer's; p50 / p99 / max over all events and viewers. Measured by
//      afk-viewer-probe (tests/bench/afk_viewer_probe.cpp: 10,000 plain sockets on one epoll set,
//      arrival = the kernel's receive timestamp), because JavaScript viewers stamping events when
//      they parse them measured their own queue: both servers came out at ~0.8 s p99 that way.
// Run through viewer-bench.sh (raises this process's descriptor limit). Prints a Markdown table.
//   node tests/bench/viewer-bench.mjs [--sizes 1000,5000,10000] [--viewers 10000] [--idle-seconds 60] [--events 10]
//       [--servers afk-studio,node] (afk-studio alone, or --skip-idle: JSON only)
//       [--skip-idle] (the broadcast only)   afk-viewer-probe: $AFK_VIEWER_PROBE or build/tests/bench/
import { spawn } from 'node:child_process';
import fs from 'node:fs';
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
const isBroadcastOnly = argv.includes('--skip-idle');
const log = (...a) => console.error('#', ...a);
const here = path.dirname(fileURLToPath(import.meta.url));
const probeBin = process.env.AFK_VIEWER_PROBE || path.join(here, '..', '..', 'build', 'tests', 'bench', 'afk-viewer-probe');
if (!fs.existsSync(probeBin)) throw new Error(`${probeBin} not built (cmake --build build --target afk-viewer-probe)`);
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
  // 4 on a live room, measured by afk-viewer-probe.
  server = await startServer(kind, { live: true });
  try {
    const probe = spawn(probeBin, ['--port', String(server.port), '--viewers', String(viewerCount),
      '--stream-key', liveKey, '--events', String(eventCount)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    probe.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    probe.stderr.setEncoding('utf8').on('data', (d) => log(kind, d.trim()));
    const code = await new Promise((resolve) => probe.once('exit', resolve));
    if (code !== 0) throw new Error(`afk-viewer-probe exited with ${code}`);
    const result = JSON.parse(stdout.trim().split('\n').at(-1));
    out.broadcast = {
      viewers: result.viewers, events: result.events, delivered: result.delivered, expected: result.expected,
      p50: result.kernel.p50, p99: result.kernel.p99, maxSpread: result.kernel.maxSpread,
      spreads: result.kernel.spreads, pingsNearby: result.kernel.pingsNearby,
    };
    log(kind, 'broadcast', JSON.stringify(out.broadcast));
  } finally {
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
