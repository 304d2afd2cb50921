// ffprobe wrapper and per-segment media analysis.
import { execFile } from 'node:child_process';

/** `ffprobe -v error -show_streams -show_packets -of json <file>` → parsed JSON. */
export function ffprobe(file, { extraArgs = [], timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-show_streams', '-show_packets', ...extraArgs, '-of', 'json', file],
      { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffprobe ${file} failed: ${err.message}\n${stderr}`));
        try {
          const json = JSON.parse(stdout);
          json.stderr = stderr;
          resolve(json);
        } catch (e) {
          reject(new Error(`ffprobe ${file}: bad JSON: ${e.message}`));
        }
      });
  });
}

const num = (v) => (v === undefined || v === 'N/A' ? NaN : Number(v));
const rate = (r) => {
  if (!r || r === '0/0') return NaN;
  const [a, b] = r.split('/').map(Number);
  return b ? a / b : a;
};

function summarizeStream(json, type) {
  const stream = (json.streams || []).find((s) => s.codec_type === type);
  if (!stream) return null;
  const pkts = (json.packets || []).filter((p) => p.stream_index === stream.index);
  const pts = pkts.map((p) => num(p.pts_time)).filter((v) => !Number.isNaN(v));
  const fr = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
  let frameDur = type === 'video' ? (fr ? 1 / fr : NaN) : NaN;
  if (type === 'audio') {
    const d = num(pkts[0]?.duration_time);
    frameDur = Number.isNaN(d) && stream.sample_rate ? 1024 / Number(stream.sample_rate) : d;
  }
  const first = Math.min(...pts);
  const lastIdx = pts.indexOf(Math.max(...pts));
  const lastDur = num(pkts[lastIdx]?.duration_time);
  const end = Math.max(...pts) + (Number.isNaN(lastDur) || lastDur <= 0 ? frameDur : lastDur);
  return {
    stream,
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    profile: stream.profile,
    level: stream.level,
    sampleRate: stream.sample_rate ? Number(stream.sample_rate) : undefined,
    channels: stream.channels,
    frameRate: fr,
    frameDur,
    packets: pkts.length,
    firstPacketFlags: pkts[0]?.flags ?? '',
    firstPacketIsKey: (pkts[0]?.flags ?? '').startsWith('K'),
    keyframes: pkts.filter((p) => (p.flags || '').startsWith('K')).length,
    firstPts: pts.length ? first : NaN,
    endPts: pts.length ? end : NaN,
    duration: pts.length ? end - first : 0,
  };
}

/** Summary of a TS segment: { video, audio, streams } (video/audio null when absent). */
export function summarizeSegment(json) {
  return { video: summarizeStream(json, 'video'), audio: summarizeStream(json, 'audio'), streams: json.streams || [] };
}

export async function probeSegment(file) {
  return summarizeSegment(await ffprobe(file));
}

/** Map an ffprobe H.264 profile name to profile_idc. */
export const H264_PROFILE_IDC = {
  'Constrained Baseline': 66, Baseline: 66, Main: 77, Extended: 88, High: 100,
  'High 10': 110, 'High 4:2:2': 122, 'High 4:4:4 Predictive': 244,
};

/** Parse an avc1.PPCCLL codec string → { profileIdc, constraints, levelIdc } or null. */
export function parseAvc1(codecs) {
  const m = /avc1\.([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})/.exec(codecs || '');
  if (!m) return null;
  return { profileIdc: parseInt(m[1], 16), constraints: parseInt(m[2], 16), levelIdc: parseInt(m[3], 16) };
}
