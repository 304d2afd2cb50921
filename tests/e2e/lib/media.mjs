// Test inputs made with the ffmpeg program, and the ffmpeg program's own HLS ladder as a
// reference (harness self-checks and side-by-side benchmarks only; the product never runs it).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { trackChild } from './util.mjs';
import { startStaticServer } from './static-server.mjs';

function run(cmd, args, { timeoutMs = 300000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      resolve({ stdout, stderr });
    });
  });
}

/**
 * A WebM like a browser's MediaRecorder output (VP8 + Opus), per shared/docs/testing.md.
 * makeWebm(file, { seconds, size: '1280x720', rate: 30 })
 */
export async function makeWebm(file, { seconds = 6, size = '640x360', rate = 30, bitrate = '1500k' } = {}) {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate},noise=alls=12:allf=t`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-c:v', 'libvpx', '-b:v', bitrate, '-deadline', 'realtime', '-cpu-used', '8',
    '-c:a', 'libopus', file]);
  return file;
}

/** The reference ladder (as in the benchmark brief): 720p/480p/360p, 2 s GOPs. */
export function ladderArgs({ outDir, live = false, audioInput = 1 }) {
  return [
    '-filter_complex', '[0:v]split=3[v1][v2][v3];[v1]scale=-2:720[o1];[v2]scale=-2:480[o2];[v3]scale=-2:360[o3]',
    '-map', '[o1]', '-map', '[o2]', '-map', '[o3]', '-map', `${audioInput}:a`, '-map', `${audioInput}:a`, '-map', `${audioInput}:a`,
    '-c:v', 'libx264', '-preset', 'veryfast',
    '-b:v:0', '2500k', '-maxrate:v:0', '2750k', '-bufsize:v:0', '5000k',
    '-b:v:1', '1500k', '-maxrate:v:1', '1650k', '-bufsize:v:1', '3000k',
    '-b:v:2', '800k', '-maxrate:v:2', '880k', '-bufsize:v:2', '1600k',
    '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'event', '-hls_segment_type', 'mpegts',
    ...(live ? ['-hls_flags', 'program_date_time+independent_segments'] : []),
    '-var_stream_map', 'v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:360p',
    '-master_pl_name', 'master.m3u8',
    '-hls_segment_filename', path.join(outDir, '%v', 'segment_%d.ts'),
    path.join(outDir, '%v', 'index.m3u8'),
  ];
}

/** The ffmpeg program's ladder from a file input; returns the argv (without the 'ffmpeg'). */
export function referenceFileArgs(input, outDir) {
  return ['-hide_banner', '-loglevel', 'error', '-y', '-i', input, ...ladderArgs({ outDir, audioInput: 0 })];
}

/**
 * Live reference: `ffmpeg -re` on lavfi testsrc2 + sine into <root>/<key>/, served by a static
 * server with the studio's URL layout (/livestream/<key>/master.m3u8, stream.m3u8 → 720p).
 * Resolves { port, origin, key, masterUrl, streamUrl, child, stop() }.
 */
export async function startReferenceLive({ root, key = 'reference', seconds = 600 }) {
  const outDir = path.join(root, key);
  fs.mkdirSync(outDir, { recursive: true });
  const child = trackChild(spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), ...ladderArgs({ outDir, live: true })], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const srv = await startStaticServer({
    root,
    rewrite: (p) => {
      const m = /^\/livestream\/([^/]+)\/(.*)$/.exec(p);
      if (!m) return null;
      const [, k, rest] = m;
      if (rest === 'stream.m3u8') return `${k}/720p/index.m3u8`;
      if (/^segment_\d+\.ts$/.test(rest)) return `${k}/720p/${rest}`;
      return `${k}/${rest}`;
    },
  });
  const base = `${srv.origin}/livestream/${key}`;
  return {
    port: srv.port, origin: srv.origin, key, child, outDir,
    masterUrl: `${base}/master.m3u8`, streamUrl: `${base}/stream.m3u8`, base,
    get stderr() { return stderr; },
    async stop() {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      const e = await exited;
      clearTimeout(t);
      await srv.close();
      return e;
    },
  };
}
