// Minimal HLS playlist parsing for assertions (RFC 8216).

/** Parse an attribute list: BANDWIDTH=1,RESOLUTION=1280x720,CODECS="a,b" → object. */
export function parseAttributes(s) {
  const attrs = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  let m;
  while ((m = re.exec(s)) && m[0] !== '') {
    let v = m[2];
    if (v.startsWith('"')) v = v.slice(1, -1);
    attrs[m[1]] = v;
  }
  return attrs;
}

/** Master playlist → { lines, variants: [{ attrs, uri, width, height, bandwidth, codecs, frameRate }] }. */
export function parseMaster(text) {
  const lines = text.split(/\r?\n/);
  const variants = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = parseAttributes(l.slice('#EXT-X-STREAM-INF:'.length));
    let j = i + 1;
    while (j < lines.length && (lines[j].trim() === '' || lines[j].trim().startsWith('#'))) j++;
    const uri = lines[j]?.trim();
    const [w, h] = (attrs.RESOLUTION || '').split('x').map(Number);
    variants.push({
      attrs, uri, width: w, height: h,
      bandwidth: Number(attrs.BANDWIDTH),
      averageBandwidth: attrs['AVERAGE-BANDWIDTH'] !== undefined ? Number(attrs['AVERAGE-BANDWIDTH']) : undefined,
      codecs: attrs.CODECS,
      frameRate: attrs['FRAME-RATE'] !== undefined ? Number(attrs['FRAME-RATE']) : undefined,
    });
  }
  return { lines, variants, isMaster: variants.length > 0 };
}

/**
 * Media playlist → { tags: {NAME: [values]}, version, targetDuration, mediaSequence,
 *   discontinuitySequence, playlistType,
 *   independent, ended, segments: [{ uri, duration, title, pdt (Date|null), discontinuity }] }.
 */
export function parseMedia(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const tags = {};
  const segments = [];
  let pending = { pdt: null, discontinuity: false };
  let extinf = null;
  for (const l of lines) {
    if (!l) continue;
    if (l.startsWith('#EXT')) {
      const i = l.indexOf(':');
      const name = i < 0 ? l.slice(1) : l.slice(1, i);
      const value = i < 0 ? '' : l.slice(i + 1);
      (tags[name] ||= []).push(value);
      if (name === 'EXTINF') {
        const [d, ...title] = value.split(',');
        extinf = { duration: Number(d), title: title.join(',') };
      } else if (name === 'EXT-X-PROGRAM-DATE-TIME') {
        pending.pdt = new Date(value);
      } else if (name === 'EXT-X-DISCONTINUITY') {
        pending.discontinuity = true;
      }
      continue;
    }
    if (l.startsWith('#')) continue;
    segments.push({ uri: l, duration: extinf?.duration ?? NaN, title: extinf?.title, pdt: pending.pdt, discontinuity: pending.discontinuity, hadExtinf: !!extinf });
    extinf = null;
    pending = { pdt: null, discontinuity: false };
  }
  const one = (n) => (tags[n] ? tags[n][0] : undefined);
  return {
    lines, tags, segments,
    version: one('EXT-X-VERSION') !== undefined ? Number(one('EXT-X-VERSION')) : undefined,
    targetDuration: one('EXT-X-TARGETDURATION') !== undefined ? Number(one('EXT-X-TARGETDURATION')) : undefined,
    mediaSequence: one('EXT-X-MEDIA-SEQUENCE') !== undefined ? Number(one('EXT-X-MEDIA-SEQUENCE')) : undefined,
    discontinuitySequence: one('EXT-X-DISCONTINUITY-SEQUENCE') !== undefined ? Number(one('EXT-X-DISCONTINUITY-SEQUENCE')) : undefined,
    playlistType: one('EXT-X-PLAYLIST-TYPE'),
    independent: 'EXT-X-INDEPENDENT-SEGMENTS' in tags,
    ended: 'EXT-X-ENDLIST' in tags,
    lastLineIsEndlist: lines.filter(Boolean).at(-1) === '#EXT-X-ENDLIST',
  };
}

/**
 * Check a media playlist against the studio's contract. Returns a list of problems (strings);
 * empty means it conforms. `expectEnded`: true/false/undefined (don't care). `playlistType`: the
 * expected #EXT-X-PLAYLIST-TYPE — absent (the default) for the sliding live playlists, which
 * carry #EXT-X-DISCONTINUITY-SEQUENCE instead; 'EVENT' for recording.m3u8.
 */
export function mediaPlaylistProblems(text, { expectEnded, segmentSeconds = 2, name = 'playlist', uriPattern, playlistType } = {}) {
  const p = parseMedia(text);
  const bad = [];
  if (!text.startsWith('#EXTM3U')) bad.push(`${name}: does not start with #EXTM3U`);
  if (p.version !== 6) bad.push(`${name}: #EXT-X-VERSION is ${p.version}, expected 6`);
  if (!Number.isInteger(p.targetDuration)) bad.push(`${name}: #EXT-X-TARGETDURATION missing or not an integer (${p.tags['EXT-X-TARGETDURATION']})`);
  if (!Number.isInteger(p.mediaSequence)) bad.push(`${name}: #EXT-X-MEDIA-SEQUENCE missing or not an integer`);
  if (p.playlistType !== playlistType) bad.push(`${name}: #EXT-X-PLAYLIST-TYPE is ${p.playlistType}, expected ${playlistType ?? 'none (a sliding live playlist)'}`);
  if (playlistType === undefined && !Number.isInteger(p.discontinuitySequence)) bad.push(`${name}: #EXT-X-DISCONTINUITY-SEQUENCE missing or not an integer`);
  if (!p.independent) bad.push(`${name}: #EXT-X-INDEPENDENT-SEGMENTS missing`);
  for (const t of ['EXT-X-VERSION', 'EXT-X-TARGETDURATION', 'EXT-X-MEDIA-SEQUENCE', 'EXT-X-DISCONTINUITY-SEQUENCE', 'EXT-X-PLAYLIST-TYPE', 'EXT-X-ENDLIST']) {
    if ((p.tags[t]?.length ?? 0) > 1) bad.push(`${name}: #${t} appears ${p.tags[t].length} times`);
  }
  if (p.segments.length === 0) bad.push(`${name}: no segments`);
  let prevEnd = null;
  p.segments.forEach((s, i) => {
    if (!s.hadExtinf || !(s.duration > 0)) bad.push(`${name}: segment ${s.uri} has no valid #EXTINF`);
    if (Number.isInteger(p.targetDuration) && Math.round(s.duration) > p.targetDuration) {
      bad.push(`${name}: #EXTINF ${s.duration} of ${s.uri} rounds above TARGETDURATION ${p.targetDuration}`);
    }
    if (s.discontinuity) prevEnd = null; // a new run or a restarted source: a new timeline
    if (!s.pdt) bad.push(`${name}: segment ${s.uri} has no #EXT-X-PROGRAM-DATE-TIME`);
    else if (Number.isNaN(s.pdt.getTime())) bad.push(`${name}: segment ${s.uri} has an unparsable #EXT-X-PROGRAM-DATE-TIME`);
    else if (prevEnd !== null && Math.abs(s.pdt.getTime() - prevEnd) > 500) {
      bad.push(`${name}: PROGRAM-DATE-TIME of ${s.uri} is ${s.pdt.toISOString()}, previous one + its EXTINF gives ${new Date(prevEnd).toISOString()} (off by ${s.pdt.getTime() - prevEnd} ms)`);
    }
    if (s.pdt) prevEnd = s.pdt.getTime() + s.duration * 1000;
    if (uriPattern && !uriPattern.test(s.uri)) bad.push(`${name}: segment URI ${s.uri} does not match ${uriPattern}`);
    // The last segment, and the last before a discontinuity (a run or a recording ended), may be short.
    const isLastOfTimeline = i === p.segments.length - 1 || p.segments[i + 1].discontinuity;
    if (!isLastOfTimeline && Math.abs(s.duration - segmentSeconds) > 0.1) {
      bad.push(`${name}: #EXTINF of ${s.uri} is ${s.duration}, expected ${segmentSeconds} ± 0.1`);
    }
  });
  if (Number.isInteger(p.targetDuration) && p.targetDuration !== segmentSeconds) {
    bad.push(`${name}: #EXT-X-TARGETDURATION is ${p.targetDuration}, expected ${segmentSeconds}`);
  }
  if (expectEnded === true && !p.lastLineIsEndlist) bad.push(`${name}: does not end with #EXT-X-ENDLIST`);
  if (expectEnded === false && p.ended) bad.push(`${name}: has #EXT-X-ENDLIST while live`);
  return bad;
}
