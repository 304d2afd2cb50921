// Benchmark (not a test; ctest does not run it): uploads to an S3 API on loopback (s3rver,
// signatures checked; tests/e2e/lib/s3.mjs). Reports
//   1. segment closed (the segment file's mtime) → object stored (the store answered 200 to its
//      PUT, seen by the counting proxy): p50/p95 over every segment of a 40 s test-pattern stream
//      with 3 renditions (720p,480p,360p), --upload-concurrency 4;
//   2. upload throughput of a backlog (a serve-only studio resuming a journal that owes 60 MB:
//      3 renditions × 20 segments of 1 MiB) at --upload-concurrency 1, 4 and 8.
//   node tests/bench/upload-bench.mjs      (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
// Knob: AFK_UPLOAD_BENCH_SECONDS (the stream's length, default 40).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { tempDir, randomKey, sleep, waitFor } from '../e2e/lib/util.mjs';
import { startStudio } from '../e2e/lib/studio.mjs';
import { startStore, startProxy, uploadArgs, uploadEnv } from '../e2e/lib/s3.mjs';

const SECONDS = Number(process.env.AFK_UPLOAD_BENCH_SECONDS || 40);
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const tmp = tempDir('afk-upload-bench-');
try {
  const store = await startStore(path.join(tmp.dir, 'store'));
  const proxy = await startProxy(store.port);

  // 1. Latency of a live stream.
  const dataDir = path.join(tmp.dir, 'live');
  const studio = await startStudio({ dataDir, ladder: '720p,480p,360p', extraArgs: [...uploadArgs(proxy.port, { concurrency: 4 }), '--stats-interval', '0'], env: uploadEnv() });
  await sleep(SECONDS * 1000);
  await studio.stop({ signal: 'SIGINT', killAfterMs: 20000 });
  const latencies = [];
  for (const rendition of ['720p', '480p', '360p']) {
    const dir = path.join(dataDir, studio.key, rendition);
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const stored = proxy.stored.get(`livestream/${studio.key}/${rendition}/${name}`);
      if (stored) latencies.push(stored[0] - fs.statSync(path.join(dir, name)).mtimeMs);
    }
  }
  console.log(`segment closed → object stored, ${latencies.length} segments (3 renditions): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);

  // 2. Throughput of a backlog.
  const backlogDir = path.join(tmp.dir, 'backlog');
  const segments = 20;
  const segmentBytes = 1 << 20;
  for (const concurrency of [1, 4, 8]) {
    const key = randomKey();
    const streamDir = path.join(backlogDir, key);
    const renditions = ['720p', '480p', '360p'];
    for (const r of renditions) {
      fs.mkdirSync(path.join(streamDir, r), { recursive: true });
      let playlist = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n';
      for (let i = 0; i < segments; i++) {
        fs.writeFileSync(path.join(streamDir, r, `segment_${i}.ts`), crypto.randomBytes(segmentBytes));
        playlist += `#EXTINF:2.000,\nsegment_${i}.ts\n`;
      }
      fs.writeFileSync(path.join(streamDir, r, 'index.m3u8'), playlist + '#EXT-X-ENDLIST\n');
    }
    fs.writeFileSync(path.join(streamDir, 'stream.json'), JSON.stringify({ streamKey: key, renditions }));
    fs.writeFileSync(path.join(streamDir, 'master.m3u8'), '#EXTM3U\n' + renditions.map((r) => `#EXT-X-STREAM-INF:BANDWIDTH=1\n${r}/index.m3u8`).join('\n') + '\n');
    const journal = path.join(backlogDir, '.uploads', 'r2', `${key}.journal`);
    fs.mkdirSync(path.dirname(journal), { recursive: true });
    fs.writeFileSync(journal, `E ${Date.now()}\n`);
    const t0 = Date.now();
    const serve = await startStudio({ dataDir: backlogDir, key, source: 'none', waitReady: false, extraArgs: [...uploadArgs(proxy.port, { concurrency }), '--stats-interval', '0'], env: uploadEnv() });
    await waitFor(() => /\nF\n$/.test(fs.readFileSync(journal, 'utf8')), { timeoutMs: 600000, intervalMs: 100, what: 'the journal to finish' });
    const seconds = (Date.now() - t0) / 1000;
    await serve.stop({ signal: 'SIGINT' });
    const megabytes = (renditions.length * segments * segmentBytes) / 1e6;
    console.log(`backlog of ${megabytes.toFixed(0)} MB, --upload-concurrency ${concurrency}: ${seconds.toFixed(1)} s (start included), ${(megabytes / seconds).toFixed(1)} MB/s`);
    fs.rmSync(streamDir, { recursive: true, force: true });
  }
  await proxy.close();
  await store.stop();
} finally {
  tmp.cleanup();
}
