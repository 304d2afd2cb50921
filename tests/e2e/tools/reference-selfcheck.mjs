#!/usr/bin/env node
// Harness self-check (not a test of afk-studio, not run by ctest): runs the e2e checks against
// the ffmpeg program's own live 3-rung HLS ladder, served with the studio's URL layout by the
// static server. Use it to tell a harness problem from a product problem:
//   node tests/e2e/tools/reference-selfcheck.mjs
// ffmpeg's output is known to differ from the studio's contract in a few tags (its master has no
// AVERAGE-BANDWIDTH / FRAME-RATE); those are printed as "problems", everything else should be clean.
import path from 'node:path';
import { tempDir, sleep } from '../lib/util.mjs';
import { startReferenceLive } from '../lib/media.mjs';
import { httpGet } from '../lib/util.mjs';
import { waitForSegments } from '../lib/studio.mjs';
import { masterProblems, checkRendition, alignmentProblems } from '../lib/hls-checks.mjs';
import { launchChromium, startPlayerOrigin } from '../lib/browser.mjs';
import { playUntilAdvanced, switchEveryLevel } from '../lib/playback.mjs';

const log = (...a) => console.log('#', ...a);
const { dir, cleanup } = tempDir('afk-ref-');
const ref = await startReferenceLive({ root: path.join(dir, 'www'), seconds: 120 });
let failed = 0;
try {
  await waitForSegments(`${ref.base}/720p/index.m3u8`, 4, { timeoutMs: 60000 });
  const master = await httpGet(ref.masterUrl);
  const m = masterProblems(master.text, { expectHeights: [720, 480, 360] });
  log('master problems:', m.problems);
  const rends = {};
  for (const v of m.variants) {
    // The reference is an EVENT playlist (-hls_playlist_type event), not a sliding one.
    const r = await checkRendition(new URL(v.uri, ref.masterUrl).toString(), { dlDir: path.join(dir, 'dl', path.dirname(v.uri)), variant: v, name: v.uri, playlistType: 'EVENT' });
    rends[v.uri] = r;
    log(`${v.uri}: ${r.segments.length} segments;`, r.segments.map((s) => `${s.uri}@${s.summary.video.firstPts.toFixed(3)}+${s.summary.video.duration.toFixed(3)} a=${s.summary.audio?.duration.toFixed(3)}`).join(' '));
    log(`${v.uri} problems:`, r.problems);
  }
  log('alignment problems:', alignmentProblems(rends));

  const browser = await launchChromium();
  const origin = await startPlayerOrigin();
  try {
    const { player, levels } = await playUntilAdvanced(browser, origin, ref.masterUrl, { log });
    if (levels.length !== 3) { failed++; log(`FAIL: ${levels.length} levels`); }
    await switchEveryLevel(player, levels, { log });
    const s = await player.state();
    log('errors seen (non-fatal):', JSON.stringify(s.errors));
    await player.close();
    const p2 = await playUntilAdvanced(browser, origin, ref.streamUrl, { log });
    log('stream.m3u8 levels:', p2.levels.length);
    await p2.player.close();
  } finally {
    await browser.close();
    await origin.close();
  }
} catch (e) {
  failed++;
  console.error('FAIL:', e.message);
} finally {
  await ref.stop();
  cleanup();
}
await sleep(10);
process.exit(failed ? 1 : 0);
