// Conformance checks of a served HLS ladder: playlists over HTTP, every segment through ffprobe.
// Each check returns a list of problems (strings) so that one failing assertion reports them all.
import fs from 'node:fs';
import path from 'node:path';
import { httpGet } from './util.mjs';
import { parseMaster, parseMedia, mediaPlaylistProblems } from './m3u8.mjs';
import { probeSegment, parseAvc1, H264_PROFILE_IDC } from './ffprobe.mjs';

/** Check a master playlist's text; returns { problems, variants }. */
export function masterProblems(text, { expectHeights } = {}) {
  const problems = [];
  const m = parseMaster(text);
  if (!text.startsWith('#EXTM3U')) problems.push('master: does not start with #EXTM3U');
  if (m.variants.length === 0) problems.push('master: no #EXT-X-STREAM-INF');
  for (const v of m.variants) {
    const id = `master variant ${v.uri}`;
    if (!v.uri) problems.push(`${id}: no URI line after #EXT-X-STREAM-INF`);
    for (const a of ['BANDWIDTH', 'AVERAGE-BANDWIDTH', 'RESOLUTION', 'CODECS', 'FRAME-RATE']) {
      if (v.attrs[a] === undefined) problems.push(`${id}: attribute ${a} missing`);
    }
    if (!(v.bandwidth > 0)) problems.push(`${id}: BANDWIDTH ${v.attrs.BANDWIDTH} not a positive integer`);
    if (v.averageBandwidth !== undefined && !(v.averageBandwidth > 0 && v.averageBandwidth <= v.bandwidth)) {
      problems.push(`${id}: AVERAGE-BANDWIDTH ${v.averageBandwidth} not in (0, BANDWIDTH ${v.bandwidth}]`);
    }
    if (!(v.width > 0 && v.height > 0)) problems.push(`${id}: RESOLUTION ${v.attrs.RESOLUTION} unparsable`);
    else if (v.width % 2 || v.height % 2) problems.push(`${id}: RESOLUTION ${v.attrs.RESOLUTION} has an odd dimension`);
    if (v.codecs !== undefined) {
      if (!parseAvc1(v.codecs)) problems.push(`${id}: CODECS "${v.codecs}" has no avc1.PPCCLL`);
      if (!/mp4a\.40\.(2|5|29)/.test(v.codecs)) problems.push(`${id}: CODECS "${v.codecs}" has no mp4a.40.x`);
    }
    if (v.frameRate !== undefined && !(v.frameRate > 0 && v.frameRate <= 120)) problems.push(`${id}: FRAME-RATE ${v.attrs['FRAME-RATE']} implausible`);
  }
  const bws = m.variants.map((v) => v.bandwidth);
  if (new Set(m.variants.map((v) => v.uri)).size !== m.variants.length) problems.push('master: duplicate variant URIs');
  if (expectHeights) {
    const got = m.variants.map((v) => v.height).sort((a, b) => b - a);
    const want = [...expectHeights].sort((a, b) => b - a);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`master: variant heights ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  // Higher resolution should not have a lower bandwidth.
  const byH = [...m.variants].sort((a, b) => b.height - a.height);
  for (let i = 1; i < byH.length; i++) {
    if (byH[i].bandwidth > byH[i - 1].bandwidth) problems.push(`master: ${byH[i].uri} (${byH[i].height}p) has a higher BANDWIDTH than ${byH[i - 1].uri}`);
  }
  return { problems, variants: m.variants, bandwidths: bws };
}

const within = (a, b, tol) => Math.abs(a - b) <= tol;
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/**
 * Fetch a media playlist at `url`, download every segment into `dlDir` and probe it.
 * Returns { text, playlist, problems, segments: [{ uri, file, extinf, summary }] }.
 * `variant` (from the master) gives the expected RESOLUTION and CODECS.
 */
export async function checkRendition(url, { dlDir, variant, segmentSeconds = 2, expectEnded, name, uriPattern, maxHeight, playlistType } = {}) {
  name = name || url;
  const problems = [];
  const r = await httpGet(url);
  if (r.status !== 200) return { problems: [`${name}: GET ${url} → ${r.status}`], segments: [], text: r.text };
  const text = r.text;
  problems.push(...mediaPlaylistProblems(text, { expectEnded, segmentSeconds, name, uriPattern, playlistType }));
  const playlist = parseMedia(text);
  fs.mkdirSync(dlDir, { recursive: true });
  const segments = [];
  for (const s of playlist.segments) {
    const segUrl = new URL(s.uri, url).toString();
    const sr = await httpGet(segUrl, { timeoutMs: 20000 });
    if (sr.status !== 200) { problems.push(`${name}: GET ${segUrl} → ${sr.status}`); continue; }
    const file = path.join(dlDir, s.uri.replace(/[^A-Za-z0-9_.-]/g, '_'));
    fs.writeFileSync(file, sr.buf);
    let summary;
    try { summary = await probeSegment(file); } catch (e) { problems.push(`${name}: ${s.uri}: ${e.message}`); continue; }
    segments.push({ uri: s.uri, url: segUrl, file, bytes: sr.buf.length, extinf: s.duration, summary });
  }
  problems.push(...segmentProblems(segments, { name, variant, segmentSeconds, maxHeight }));
  return { text, playlist, problems, segments };
}

/** Media checks over one rendition's probed segments (in playlist order). */
export function segmentProblems(segments, { name, variant, segmentSeconds = 2, maxHeight } = {}) {
  const problems = [];
  let prev = null;
  segments.forEach((seg, i) => {
    const isLast = i === segments.length - 1;
    const { video, audio } = seg.summary;
    const id = `${name} ${seg.uri}`;
    if (!video) { problems.push(`${id}: no video stream`); return; }
    if (video.codec !== 'h264') problems.push(`${id}: video codec ${video.codec}, expected h264`);
    if (!audio) problems.push(`${id}: no audio stream`);
    else {
      if (audio.codec !== 'aac') problems.push(`${id}: audio codec ${audio.codec}, expected aac`);
      // A final segment cut short at stop may hold a few frames and no audio packet yet.
      if (audio.packets === 0 && !(isLast && video.duration < 0.25)) problems.push(`${id}: audio stream has no packets (video lasts ${f3(video.duration)} s)`);
    }
    if (variant && (video.width !== variant.width || video.height !== variant.height)) {
      problems.push(`${id}: video is ${video.width}x${video.height}, master says RESOLUTION=${variant.attrs.RESOLUTION}`);
    }
    if (maxHeight && video.height > maxHeight) problems.push(`${id}: video height ${video.height} above the source's ${maxHeight} (upscaled)`);
    if (video.packets === 0) problems.push(`${id}: no video packets`);
    if (!video.firstPacketIsKey) problems.push(`${id}: first video packet is not a keyframe (flags "${video.firstPacketFlags}")`);
    if (!isLast && !within(video.duration, segmentSeconds, 0.1)) {
      problems.push(`${id}: video duration ${f3(video.duration)} s (${video.packets} frames), expected ${segmentSeconds} ± 0.1`);
    }
    if (Number.isFinite(seg.extinf) && !within(seg.extinf, video.duration, 0.1)) {
      problems.push(`${id}: #EXTINF ${seg.extinf} but the video lasts ${f3(video.duration)} s`);
    }
    if (audio && audio.packets > 0 && !isLast && !within(audio.duration, video.duration, 0.2)) {
      problems.push(`${id}: audio covers ${f3(audio.duration)} s of a ${f3(video.duration)} s segment`);
    }
    if (i === 0 && variant?.codecs) {
      const avc = parseAvc1(variant.codecs);
      const idc = H264_PROFILE_IDC[video.profile];
      if (avc && idc !== undefined && avc.profileIdc !== idc) {
        problems.push(`${id}: stream profile ${video.profile} (${idc}) but CODECS "${variant.codecs}" declares profile_idc ${avc.profileIdc}`);
      }
      if (avc && Number.isFinite(video.level) && video.level > 0 && avc.levelIdc < video.level) {
        problems.push(`${id}: stream level ${video.level} above the CODECS "${variant.codecs}" level ${avc.levelIdc}`);
      }
    }
    if (prev) {
      const expected = prev.summary.video.firstPts + prev.summary.video.duration;
      const tol = (video.frameDur || 1 / 30) + 0.002;
      if (!within(video.firstPts, expected, tol)) {
        problems.push(`${id}: first video pts ${f3(video.firstPts)}, previous segment ${prev.uri} starts ${f3(prev.summary.video.firstPts)} + lasts ${f3(prev.summary.video.duration)} = ${f3(expected)} (gap ${f3(video.firstPts - expected)} s)`);
      }
    }
    prev = seg;
  });
  return problems;
}

/** Segment N of every rendition must start at the same time (GOPs aligned across the ladder). */
export function alignmentProblems(renditions) {
  const problems = [];
  const names = Object.keys(renditions);
  if (names.length < 2) return problems;
  const ref = renditions[names[0]];
  for (const n of names.slice(1)) {
    const other = renditions[n];
    const count = Math.min(ref.segments.length, other.segments.length);
    for (let i = 0; i < count; i++) {
      const a = ref.segments[i], b = other.segments[i];
      if (a.uri !== b.uri) { problems.push(`alignment: ${names[0]} segment #${i} is ${a.uri}, ${n} has ${b.uri}`); continue; }
      const tol = (a.summary.video?.frameDur || 1 / 30) + 0.002;
      if (!within(a.summary.video?.firstPts, b.summary.video?.firstPts, tol)) {
        problems.push(`alignment: ${a.uri} starts at ${f3(a.summary.video?.firstPts)} in ${names[0]} but ${f3(b.summary.video?.firstPts)} in ${n}`);
      }
    }
  }
  return problems;
}

export { parseMaster, parseMedia };
