// The studio's own pages (issue 10) in headless Chromium, served by the studio alone: "/" lists
// the live stream; /watch/<key> plays it with the embedded hls.js under the page's CSP, shows the
// title (publisher text, never markup), the viewer count and the chat; a viewer with a NIP-07
// signer writes to the chat through the relay named in /status. The page's states follow the
// stream: "live"; "reconnecting" while the studio is frozen (SIGSTOP) and "live" again after
// SIGCONT; after SIGTERM a studio serving the same data shows "ended" with a playable recording;
// the same key started again is "live" and plays. A key never started is "not live yet".
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools';
import { launchChromium } from './lib/browser.mjs';
import { startStudio, studioBin } from './lib/studio.mjs';
import { startRelay, query, studioIdentity } from './lib/nostr.mjs';
import { freePort, httpGet, randomKey, tempDir, trackChild, waitFor } from './lib/util.mjs';

const TITLE = 'Test <img src=x onerror="window.__xss=1"> & <b>pattern</b>';

/** Opens a page of the studio; snapshot() reads what a viewer sees. */
async function openPage(browser, url, { signerSecret, contextOptions } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  if (signerSecret) {
    // A NIP-07 signer, as a browser extension provides it, backed by nostr-tools in this process.
    const pubkey = getPublicKey(signerSecret);
    await page.exposeFunction('__testSign', (event) => finalizeEvent(event, signerSecret));
    await context.addInitScript((pk) => {
      window.nostr = { getPublicKey: async () => pk, signEvent: (event) => window.__testSign(event) };
    }, pubkey);
  }
  await page.goto(url);
  const snapshot = () => page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const video = $('video');
    return {
      state: $('state')?.dataset.state,
      stateText: $('state')?.textContent,
      overlay: $('overlay')?.textContent,
      title: $('title')?.textContent,
      titleElements: $('title')?.children.length,
      viewers: $('viewers')?.textContent,
      engine: video?.dataset.engine,
      src: video?.dataset.src,
      currentTime: video?.currentTime,
      isEndedShown: $('ended') ? !$('ended').hidden : false,
      isRecordingOffered: $('play-recording') ? !$('play-recording').hidden : false,
      messages: [...document.querySelectorAll('#messages li')].map((li) => ({
        text: li.querySelector('.text').textContent, elements: li.querySelector('.text').children.length,
      })),
      chatNote: $('chat-note')?.textContent,
      chatResult: $('chat-result')?.textContent,
      isChatFormShown: $('chat-form') ? !$('chat-form').hidden : false,
      links: [...document.querySelectorAll('#streams a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent })),
      csp: window.__csp, xss: window.__xss,
      pageWidth: document.documentElement.scrollWidth, viewportWidth: window.innerWidth,
      videoWidth: video?.getBoundingClientRect().width,
    };
  });
  const waitUntil = async (pred, what, timeoutMs = 60000) => {
    let last = null;
    try {
      return await waitFor(async () => { last = await snapshot(); return pred(last) ? last : false; }, { timeoutMs, intervalMs: 250, what });
    } catch (e) {
      throw new Error(`${e.message}\npage: ${JSON.stringify(last)}\nproblems: ${problems.join('\n')}`);
    }
  };
  /** Waits until the video plays on by `seconds` from where it is once playing. */
  const waitPlaying = async (seconds, what) => {
    const start = await waitUntil((s) => s.currentTime > 0 && s.engine === 'hls.js', `${what}: playback to start`, 90000);
    return waitUntil((s) => s.currentTime >= start.currentTime + seconds, `${what}: ${seconds} s of playback`, 90000);
  };
  return { page, context, snapshot, waitUntil, waitPlaying, problems };
}

/** A studio serving dataDir on port without a source (what was recorded stays watchable). */
async function startServeOnly(dataDir, port) {
  const child = spawn(studioBin(), ['--headless', '--source', 'none', '--port', String(port), '--rtmp-port', '0', '--bind', '127.0.0.1',
    '--data-dir', dataDir, '--retain-hours', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, { timeoutMs: 2000 })).status === 200,
    { timeoutMs: 30000, what: `the serve-only studio on ${port} (${stderr})` });
  return { stop: async () => { child.kill('SIGTERM'); return exited; } };
}

test('the watch page and the list of live streams, served by the studio itself', async () => {
  const data = tempDir('afk-watch-');
  const relay = await startRelay();
  const identity = studioIdentity('e2e watch password');
  const key = randomKey();
  const port = await freePort();
  const studioArgs = { dataDir: data.dir, key, port, ladder: '360p', extraArgs: ['--relay', relay.url, '--title', TITLE] };
  let browser;
  let studio;
  try {
    studio = await startStudio(studioArgs);
    assert.match(studio.out.stdout, new RegExp(`watch page .*:\\s+http://127\\.0\\.0\\.1:${port}/watch/${key}\\n`));
    browser = await launchChromium();
    const watchUrl = `${studio.origin}/watch/${key}`;

    // Live: hls.js from the studio plays the ABR master; title as text; a viewer counted.
    const viewer = await openPage(browser, watchUrl, { signerSecret: generateSecretKey() });
    const live = await viewer.waitUntil((s) => s.state === 'live', 'the watch page to say live');
    assert.equal(live.stateText, 'Live');
    await viewer.waitPlaying(3, 'live stream');
    const playing = await viewer.waitUntil((s) => /^[1-9]\d* watching$/.test(s.viewers), 'a viewer count of at least 1');
    // The page plays the LL-HLS master when /status names it (the studio makes one by default).
    assert.equal(playing.src, `/livestream/${key}/ll.m3u8`);
    assert.equal(playing.title, TITLE);
    assert.equal(playing.titleElements, 0, 'the title is text, not markup');

    // The list at "/".
    const list = await openPage(browser, `${studio.origin}/`);
    const listed = await list.waitUntil((s) => s.links.length > 0, 'the live stream in the list at /');
    assert.deepEqual(listed.links.map((l) => l.href), [`/watch/${key}`]);
    assert.ok(listed.links[0].text.startsWith(TITLE), listed.links[0].text);
    await list.context.close();

    // A key never started.
    const waiting = await openPage(browser, `${studio.origin}/watch/never-started`);
    const notLive = await waiting.waitUntil((s) => s.state === 'not-live', 'a key never started to say not live yet');
    assert.equal(notLive.stateText, 'Not live yet');
    assert.equal(notLive.engine, undefined);
    await waiting.context.close();

    // Bad keys never get a page.
    for (const bad of ['bad.key', 'k'.repeat(65), 'a%20b']) {
      assert.equal((await httpGet(`${studio.origin}/watch/${bad}`)).status, 400, bad);
    }
    assert.equal((await httpGet(`${studio.origin}/watch/${key}/x`)).status, 404);

    // Chat: the signer's message goes through the relay in /status to the studio and back.
    const chatText = '<script>window.__xss=2</script>hello from the watch page';
    await viewer.waitUntil((s) => s.isChatFormShown, 'the chat form (a signer and a relay)', 30000);
    await viewer.page.fill('#chat-input', chatText);
    await viewer.page.click('#chat-form button');
    await viewer.waitUntil((s) => s.chatResult === 'Sent to 1 of 1 relays.', 'the message sent to the relay', 30000);
    const stored = await query(relay.url, { kinds: [1311] });
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0].tags[0].slice(0, 2), ['a', `30311:${identity.pubkey}:${key}`]);
    // The read-only viewer is on a phone: nothing wider than its screen.
    const phone = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const reader = await openPage(browser, watchUrl, { contextOptions: phone });
    const read = await reader.waitUntil((s) => s.messages.length === 1, 'the message in a read-only viewer\'s chat', 30000);
    assert.equal(read.viewportWidth, 375);
    assert.ok(read.pageWidth <= 375 && read.videoWidth <= 375 && read.videoWidth > 300, JSON.stringify(read));
    await reader.waitPlaying(1, 'on the phone');
    assert.deepEqual(read.messages, [{ text: chatText, elements: 0 }]);
    assert.equal(read.isChatFormShown, false);
    assert.match(read.chatNote, /^Read-only/);
    await viewer.waitUntil((s) => s.messages.length === 1, 'the message in the sender\'s chat', 30000);
    await reader.context.close();

    // Frozen studio: reconnecting; thawed: live and playing again.
    process.kill(studio.child.pid, 'SIGSTOP');
    try {
      await viewer.waitUntil((s) => s.state === 'reconnecting', 'reconnecting while the studio is stopped', 30000);
    } finally {
      process.kill(studio.child.pid, 'SIGCONT');
    }
    await viewer.waitUntil((s) => s.state === 'live', 'live again after SIGCONT', 60000);
    await viewer.waitPlaying(2, 'after the studio came back');

    // Ended: the studio stops; one serving the same folder shows the recording.
    const stopped = await studio.stop();
    assert.equal(stopped.code, 0, studio.describe());
    await viewer.waitUntil((s) => s.state !== 'live', 'the page to leave live after SIGTERM', 30000);
    const serveOnly = await startServeOnly(data.dir, port);
    const ended = await viewer.waitUntil((s) => s.state === 'ended' && s.isRecordingOffered, 'ended with a recording', 30000);
    assert.equal(ended.stateText, 'Ended');
    assert.ok(ended.isEndedShown);
    await viewer.page.click('#play-recording');
    const recording = await viewer.waitPlaying(2, 'the recording');
    assert.match(recording.src, new RegExp(`^/livestream/${key}/recording\\.m3u8$`));
    assert.equal(recording.state, 'ended');
    assert.equal(await serveOnly.stop(), 0);

    // The same key again: live and playing.
    studio = await startStudio(studioArgs);
    await viewer.waitUntil((s) => s.state === 'live', 'live again after a restart', 60000);
    await viewer.waitPlaying(2, 'the restarted stream');

    const last = await viewer.snapshot();
    assert.deepEqual(last.csp, [], 'no Content-Security-Policy violation');
    assert.equal(last.xss, undefined);
    assert.deepEqual(viewer.problems, []);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (studio) await studio.stop({ killAfterMs: 5000 }).catch(() => {});
    relay.child.kill();
    identity.restore();
    data.cleanup();
  }
});

test('the pages\' headers: CSP, deflate from the build, ETag revalidation', async () => {
  const data = tempDir('afk-watch-headers-');
  const port = await freePort();
  const studio = await startServeOnly(data.dir, port);
  try {
    const base = `http://127.0.0.1:${port}`;
    for (const path of ['/', '/watch/some-key']) {
      const page = await httpGet(base + path, { method: 'HEAD' });
      assert.equal(page.status, 200, path);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy');
      assert.match(csp, /(^|; )script-src 'self'(;|$)/);
      assert.match(csp, /(^|; )connect-src 'self' ws: wss:(;|$)/);
      assert.match(csp, /(^|; )default-src 'none'(;|$)/);
    }
    // hls.js, compressed once by rcc at build time, identical once inflated.
    const plain = await httpGet(`${base}/assets/hls.light.min.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.match(plain.text, /hls/i);
    const { inflateSync } = await import('node:zlib');
    const raw = await new Promise((resolve, reject) => {
      import('node:http').then(({ get }) => get(`${base}/assets/hls.light.min.js`, { headers: { 'accept-encoding': 'deflate' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject));
    });
    assert.equal(raw.headers['content-encoding'], 'deflate');
    assert.ok(raw.body.length < plain.buf.length / 2, `${raw.body.length} bytes compressed of ${plain.buf.length}`);
    assert.ok(inflateSync(raw.body).equals(plain.buf));
    // Revalidation: the ETag gets a 304 without a body.
    const etag = plain.headers.get('etag');
    const again = await httpGet(`${base}/assets/hls.light.min.js`, { headers: { 'if-none-match': etag, 'accept-encoding': 'identity' } });
    assert.equal(again.status, 304);
    assert.equal(again.buf.length, 0);
    assert.equal((await httpGet(`${base}/assets/nothing.js`)).status, 404);
  } finally {
    await studio.stop();
    data.cleanup();
  }
});
