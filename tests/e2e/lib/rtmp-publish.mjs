// What the RTMP e2e suites share: the ffmpeg program publishing a test picture and tone over RTMP,
// and a studio started with RTMP ingest on a free port (issue 13).
import { spawn } from 'node:child_process';
import { startStudio } from './studio.mjs';
import { trackChild, waitFor } from './util.mjs';

/**
 * The ffmpeg program publishing testsrc2 640x360 at 30 fps and a sine tone (libx264 with a 2 s
 * GOP, AAC) for `seconds` to url, paced in real time. Resolves `exited` with { code, signal, stderr }.
 */
export function ffmpegPublish(url, { seconds, preset = 'veryfast' }) {
  const child = trackChild(spawn('nice', ['-n', '5', 'ffmpeg', '-hide_banner', '-loglevel', 'warning', '-nostdin',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', preset, '-g', '60', '-c:a', 'aac',
    '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

/** startStudio with `--rtmp-port rtmpPort`, resolved once the studio announces its RTMP port. */
export async function startRtmpStudio(rtmpPort, options) {
  const studio = await startStudio({ ...options, waitReady: false,
    extraArgs: ['--rtmp-port', String(rtmpPort), ...(options.extraArgs ?? [])] });
  await waitFor(() => {
    if (studio.exitInfo) throw Object.assign(new Error(`exited: ${studio.describe()}`), { fatal: true });
    return studio.out.stdout.includes(`RTMP ingest on port ${rtmpPort}`);
  }, { timeoutMs: 30000, what: 'the RTMP port to be announced' });
  return studio;
}
