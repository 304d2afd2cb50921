// NIP-53 end to end: the studio announces its stream on a real relay (@nostr-relay, loopback) —
// live once the first segment is servable, ended on SIGTERM — signed with the key manager's key;
// nostr-tools verifies every event and decodes the printed naddr. No secret reaches the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { nip19, verifyEvent, getPublicKey } from 'nostr-tools';
import fs from 'node:fs';
import { startStudio, studioBin } from './lib/studio.mjs';
import { makeWebm } from './lib/media.mjs';
import { connectClient, waitHealthy } from './lib/socketio.mjs';
import { tempDir } from './lib/util.mjs';
import { startRelay, query, tagValues, waitForLine, studioIdentity } from './lib/nostr.mjs';

test('a stream goes live and ends on a real relay, signed by the active key', async () => {
  const data = tempDir('afk-nostr-data-');
  const relay = await startRelay();
  const identity = studioIdentity();
  const { pubkey, nsec, secretHex } = identity;
  let studio;
  try {
    assert.equal(getPublicKey(nip19.decode(nsec).data), pubkey);

    studio = await startStudio({
      dataDir: data.dir,
      ladder: '360p',
      // --announce-playlist master: Nostr clients that take an ABR master get master.m3u8.
      extraArgs: ['--announce-playlist', 'master', '--relay', relay.url, '--title', 'E2E live', '--summary', 'a test stream',
        '--image', 'https://example.invalid/cover.png', '--tag', 'afk', '--tag', 'test'],
    });
    const [, naddr] = await waitForLine(studio, /live on Nostr: \S+ nostr:(naddr1\S+)/);
    const address = nip19.decode(naddr);
    assert.equal(address.type, 'naddr');
    assert.equal(address.data.kind, 30311);
    assert.equal(address.data.pubkey, pubkey);
    assert.equal(address.data.identifier, studio.key);
    assert.deepEqual(address.data.relays, [relay.url]);

    // The segment was servable before the event said live.
    const playlist = await fetch(studio.streamUrl).then((r) => r.text());
    assert.match(playlist, /segment_0\.ts/);

    const filter = { kinds: [30311], authors: [pubkey], '#d': [studio.key] };
    let live;
    for (let i = 0; i < 50 && !live; ++i) {
      [live] = await query(relay.url, filter);
      if (!live) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(live, 'the live event reached the relay');
    assert.ok(verifyEvent(live), 'nostr-tools verifies the live event');
    assert.deepEqual(tagValues(live, 'status'), ['live']);
    assert.deepEqual(tagValues(live, 'streaming'), [studio.masterUrl]);
    assert.deepEqual(tagValues(live, 'title'), ['E2E live']);
    assert.deepEqual(tagValues(live, 'summary'), ['a test stream']);
    assert.deepEqual(tagValues(live, 'image'), ['https://example.invalid/cover.png']);
    assert.deepEqual(tagValues(live, 't'), ['afk', 'test']);
    assert.deepEqual(tagValues(live, 'relays'), [relay.url]);
    assert.equal(tagValues(live, 'starts').length, 1);
    assert.deepEqual(live.tags.find((t) => t[0] === 'p'), ['p', pubkey, '', 'Host']);

    // Relay state is visible to operators, and no secret is in it.
    const health = await fetch(`${studio.origin}/health`).then((r) => r.json());
    assert.equal(health.relays.length, 1);
    assert.equal(health.relays[0].url, relay.url);
    assert.equal(health.relays[0].state, 'connected');
    assert.ok(health.relays[0].accepted >= 1);
    const metrics = await fetch(`${studio.origin}/metrics`).then((r) => r.text());
    assert.ok(metrics.includes(`afk_relay_connected{relay="${relay.url}"} 1`), metrics);
    assert.match(metrics, /^afk_relay_accepted_events_total\{relay="[^"]+"\} [1-9]/m);
    assert.match(metrics, /^afk_socketio_connections 0$/m);
    const statusText = await fetch(`${studio.base}/status`).then((r) => r.text());
    assert.equal(JSON.parse(statusText).relays[0].state, 'connected');
    for (const secret of [nsec, secretHex]) assert.ok(!statusText.includes(secret));

    const stopped = await studio.stop();
    assert.equal(stopped.code, 0, studio.describe());
    const [ended] = await query(relay.url, filter);
    assert.ok(verifyEvent(ended));
    assert.deepEqual(tagValues(ended, 'status'), ['ended']);
    assert.equal(tagValues(ended, 'ends').length, 1);
    // The ended stream stays playable: recording.m3u8 lists every segment (the live playlists slide).
    assert.deepEqual(tagValues(ended, 'recording'), [`${studio.base}/recording.m3u8`]);
    assert.ok(ended.created_at > live.created_at);
    // A deletion is never published.
    assert.deepEqual(await query(relay.url, { kinds: [5], authors: [pubkey] }), []);

    for (const secret of [nsec, secretHex])
      assert.ok(!(stopped.stdout + stopped.stderr).includes(secret), 'no secret in the output');
  } finally {
    if (studio && !studio.exitInfo) await studio.stop({ killAfterMs: 3000 });
    relay.child.kill('SIGTERM');
    identity.restore();
    data.cleanup();
  }
});

test('a browser host\'s stream is announced only when start-stream asks for it', async () => {
  const data = tempDir('afk-nostr-data-');
  const relay = await startRelay();
  const identity = studioIdentity();
  const { pubkey } = identity;
  let studio;
  const clients = [];
  try {
    const webm = path.join(data.dir, 'host.webm');
    await makeWebm(webm, { seconds: 5, size: '640x360' });
    const bytes = fs.readFileSync(webm);

    studio = await startStudio({ dataDir: data.dir, source: 'none', ladder: '360p',
      extraArgs: ['--open-ingest', '--relay', relay.url, '--title', 'Browser show'], waitReady: false });
    await waitHealthy(studio);
    const publish = async (streamKey, announce) => {
      const host = await connectClient(studio.origin, { query: { streamKey } }).connected();
      clients.push(host);
      host.socket.emit('start-stream', { userId: 'host', streamKey, ...(announce ? { announce: true } : {}) });
      await host.next('stream-started');
      const size = Math.ceil(bytes.length / 5);
      for (let i = 0; i < 5; ++i)
        await host.socket.timeout(10000).emitWithAck('stream-data', { streamKey, chunk: bytes.subarray(i * size, (i + 1) * size) });
      await host.next('stream-segments-updated', { timeoutMs: 30000 });
      return host;
    };
    const announcedKey = 'announced-' + Date.now();
    const quietKey = 'quiet-' + Date.now();
    await publish(announcedKey, true);
    await publish(quietKey, false);
    await waitForLine(studio, new RegExp(`live on Nostr: ${announcedKey} nostr:naddr1`));

    const events = await query(relay.url, { kinds: [30311], authors: [pubkey] });
    assert.deepEqual(events.map((e) => tagValues(e, 'd')[0]), [announcedKey]);
    assert.ok(verifyEvent(events[0]));
    assert.deepEqual(tagValues(events[0], 'status'), ['live']);
    // By default the media playlist, whose .ts lines the AFK PWA's pre-check looks for.
    assert.deepEqual(tagValues(events[0], 'streaming'), [`${studio.origin}/livestream/${announcedKey}/stream.m3u8`]);
  } finally {
    for (const c of clients) c.close();
    if (studio && !studio.exitInfo) await studio.stop({ killAfterMs: 5000 });
    relay.child.kill('SIGTERM');
    identity.restore();
    data.cleanup();
  }
});

test('--relay without a key, or with a wrong password, is a clear set-up error', async () => {
  const config = tempDir('afk-nostr-config-');
  const data = tempDir('afk-nostr-data-');
  try {
    const env = { ...process.env, XDG_CONFIG_HOME: config.dir, AFK_KEY_PASSWORD: 'right', AFK_KEY_SCRYPT_LOG_N: '12' };
    const run = (extra, overrides = {}) => spawnSync(studioBin(), ['--headless', '--port', '0', '--rtmp-port', '0', '--data-dir', data.dir,
      '--relay', 'ws://127.0.0.1:9', ...extra], { env: { ...env, ...overrides }, encoding: 'utf8', timeout: 15000 });
    const noKey = run([]);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /keys generate/);
    assert.equal(spawnSync(studioBin(), ['keys', 'generate'], { env, encoding: 'utf8' }).status, 0);
    const wrong = run([], { AFK_KEY_PASSWORD: 'wrong' });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /wrong password/);
    const badUrl = spawnSync(studioBin(), ['--headless', '--relay', 'http://x'], { env, encoding: 'utf8' });
    assert.equal(badUrl.status, 2);
    assert.match(badUrl.stderr, /ws:\/\//);
  } finally {
    config.cleanup();
    data.cleanup();
  }
});
