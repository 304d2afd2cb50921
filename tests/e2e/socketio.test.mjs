// Socket.IO ingest and viewer rooms (afk-protocol.md) against the real afk-studio binary with
// socket.io-client@4, raw WebSockets and NIP-98 tokens from nostr-tools.
//   node --test tests/e2e/socketio.test.mjs        (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, httpGet, randomKey, waitFor } from './lib/util.mjs';
import { startStudio, runStudio } from './lib/studio.mjs';
import { connectClient, rawSocket, nostrIdentity, startNoSource, sleep } from './lib/socketio.mjs';

const MiB = 1024 * 1024;

describe('Socket.IO with --open-ingest', () => {
  let tmp;
  let studio;
  const clients = [];
  const client = async (options) => {
    const c = connectClient(studio.origin, options);
    clients.push(c);
    return c.connected();
  };

  before(async () => {
    tmp = tempDir();
    studio = await startNoSource(`${tmp.dir}/data`, ['--open-ingest']);
  });
  after(async () => {
    for (const c of clients) c.close();
    const r = await studio.stop();
    tmp.cleanup();
    assert.equal(r.code, 0, `afk-studio exit code ${r.code}\n${studio.describe()}`);
  });

  const key = randomKey();
  let publisher;
  let healthy;

  test('connect (websocket transport, query streamKey) → channel-join', async () => {
    publisher = await client({ query: { streamKey: key } });
    assert.deepEqual(await publisher.next('channel-join'), { channel: 'general', nickname: 'system' });
    assert.ok(publisher.socket.id, 'socket.id is set from the CONNECT answer');
  });

  test('start-stream → stream-started, and the stream exists over HTTP', async () => {
    publisher.socket.emit('start-stream', { userId: 'host-1', streamKey: key });
    assert.deepEqual(await publisher.next('stream-started'), { streamKey: key, status: 'broadcasting' });
    const status = await httpGet(`${studio.origin}/livestream/${key}/status`);
    assert.equal(status.status, 200, status.text);
  });

  test('start-stream with an ack callback is acknowledged', async () => {
    const answer = await publisher.socket.timeout(5000).emitWithAck('start-stream', { userId: 'host-1', streamKey: key });
    assert.equal(answer.status, 'broadcasting');
    assert.equal(answer.streamKey, key);
  });

  test('a viewer joins → stream-joined (1) to it, viewer-joined (1) to the publisher', async () => {
    const viewer = await client({ query: { streamKey: key } });
    viewer.socket.emit('join-stream', { userId: `viewer-${Date.now()}`, streamKey: key });
    assert.deepEqual(await viewer.next('stream-joined'), { streamKey: key, viewerCount: 1, status: 'waiting' });
    assert.deepEqual(await publisher.next('viewer-joined'), { streamKey: key, viewerCount: 1 });

    viewer.socket.emit('leave-stream', { streamKey: key });
    assert.deepEqual(await publisher.next('viewer-left'), { streamKey: key, viewerCount: 0 });
    healthy = viewer; // stays connected for the checks below
  });

  test('a viewer that drops its TCP connection → viewer-left', async () => {
    const viewer = await client({ query: { streamKey: key } });
    viewer.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    assert.equal((await viewer.next('stream-joined')).viewerCount, 1);
    assert.equal((await publisher.next('viewer-joined')).viewerCount, 1);
    viewer.socket.io.engine.transport.ws.terminate(); // no close frame: an abrupt disconnect
    assert.deepEqual(await publisher.next('viewer-left', { timeoutMs: 10000 }), { streamKey: key, viewerCount: 0 });
  });

  test('stream-data with a binary chunk from the owner is accepted', async () => {
    const chunk = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(64 * 1024, 7)]);
    const answer = await publisher.socket.timeout(5000).emitWithAck('stream-data', { streamKey: key, chunk });
    assert.deepEqual(answer, { streamKey: key, bytes: chunk.length });
    assert.ok(!publisher.names().includes('stream-error'), `unexpected stream-error: ${JSON.stringify(publisher.events)}`);
    // /status shows the browser stream's ingest counters.
    const status = JSON.parse((await httpGet(`${studio.origin}/livestream/${key}/status`)).text);
    const ingest = status.local.streamData.ingest;
    assert.equal(ingest.bytesReceived, chunk.length);
    assert.ok(ingest.bytesBuffered <= chunk.length);
    assert.ok(ingest.bufferLimitBytes > 0);
    assert.equal(ingest.recorderRestarts, 0);
  });

  test('stream-data from another client → stream-error, not accepted', async () => {
    const intruder = await client();
    intruder.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(10) });
    assert.match((await intruder.next('stream-error')).error, /not the publisher/);
  });

  test('a publisher that reconnects without a new start-stream goes on (open ingest)', async () => {
    const resumedKey = randomKey();
    const first = await client({ query: { streamKey: resumedKey } });
    first.socket.emit('start-stream', { userId: 'host-2', streamKey: resumedKey });
    await first.next('stream-started');
    const header = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(1024, 7)]);
    await first.socket.timeout(5000).emitWithAck('stream-data', { streamKey: resumedKey, chunk: header });
    first.close();
    await sleep(300); // the server sees the close
    const again = await client({ query: { streamKey: resumedKey } });
    const chunk = Buffer.alloc(2048, 9);
    assert.deepEqual(await again.socket.timeout(5000).emitWithAck('stream-data', { streamKey: resumedKey, chunk }),
      { streamKey: resumedKey, bytes: chunk.length });
    assert.ok(!again.names().includes('stream-error'), JSON.stringify(again.events));
    // While it is connected, nobody else takes the key over.
    const intruder = await client();
    intruder.socket.emit('stream-data', { streamKey: resumedKey, chunk: Buffer.alloc(10) });
    assert.match((await intruder.next('stream-error')).error, /not the publisher/);
    again.socket.emit('end-stream', { streamKey: resumedKey });
    await again.next('stream-ended', { timeoutMs: 10000 });
  });

  test('a 2 MB stream-data → stream-error "message too large" and that connection closes; others unaffected', async () => {
    const big = await client();
    const disconnected = new Promise((resolve) => big.socket.once('disconnect', resolve));
    big.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(2 * MiB, 1) });
    assert.match((await big.next('stream-error', { timeoutMs: 10000 })).error, /message too large/);
    await disconnected;
    await sleep(300);
    assert.ok(healthy.socket.connected, 'the healthy client was disconnected');
    assert.ok(publisher.socket.connected, 'the publisher was disconnected');
    healthy.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    assert.equal((await healthy.next('stream-joined')).viewerCount, 1);
    assert.equal((await publisher.next('viewer-joined')).viewerCount, 1);
  });

  test('the Engine.IO handshake over a raw WebSocket', async () => {
    const raw = await rawSocket(studio.port);
    const open = await raw.message(0);
    assert.equal(open[0], '0', `open packet: ${open}`);
    const handshake = JSON.parse(open.slice(1));
    assert.equal(typeof handshake.sid, 'string');
    assert.deepEqual(handshake.upgrades, []);
    assert.equal(handshake.pingInterval, 25000);
    assert.equal(handshake.pingTimeout, 20000);
    assert.equal(handshake.maxPayload, MiB);
    raw.ws.send('40');
    assert.match(await raw.message(1), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await raw.message(2), '42["channel-join",{"channel":"general","nickname":"system"}]');
    raw.ws.send('2probe');
    assert.equal(await raw.message(3), '3probe');
    raw.ws.close();
  });

  for (const [what, send] of [
    ['bad JSON', (ws) => ws.send('42["start-stream",{')],
    ['bad Engine.IO type', (ws) => ws.send('9hello')],
    ['bad Socket.IO type', (ws) => ws.send('49["x"]')],
    ['attachment count mismatch', (ws) => ws.send('451-["stream-data",{"chunk":{"_placeholder":true,"num":7}}]')],
    ['huge attachment count', (ws) => ws.send('45999999999-["stream-data",{}]')],
    ['stray binary frame', (ws) => ws.send(Buffer.from([1, 2, 3]))],
    ['empty text frame', (ws) => ws.send('')],
    ['NUL bytes', (ws) => ws.send('\u0000\u0000\u0000')],
  ]) {
    test(`invalid input over a raw WebSocket (${what}) → closed, the server still serves`, async () => {
      const raw = await rawSocket(studio.port);
      await raw.message(0);
      raw.ws.send('40');
      await raw.message(2);
      send(raw.ws);
      const info = await Promise.race([raw.closed, sleep(5000).then(() => null)]);
      assert.ok(info, 'the connection was not closed');
      const health = await httpGet(`${studio.origin}/health`);
      assert.equal(health.status, 200);
      assert.ok(healthy.socket.connected, 'the healthy client was disconnected');
    });
  }

  test('a client that stops reading is dropped once its backlog passes the cap; others unaffected', async () => {
    const raw = await rawSocket(studio.port);
    await raw.message(0);
    raw.ws.send('40');
    await raw.message(2);
    raw.ws._socket.pause(); // reads nothing more: the kernel's buffers fill, then the studio's backlog
    // Engine.IO answers a ping with its payload: 512 KiB pings make 512 KiB answers it never reads.
    const ping = `2${'x'.repeat(512 * 1024)}`;
    const dropped = () => /closed: the client does not read: \d+ bytes waiting/.test(studio.out.stdout + studio.out.stderr);
    let sent = 0;
    while (!dropped() && sent < 120) {
      raw.ws.send(ping);
      sent += 1;
      await sleep(50);
    }
    await waitFor(dropped, { timeoutMs: 10000, what: 'the slow reader to be dropped' });
    assert.ok(healthy.socket.connected, 'the healthy client was disconnected');
    assert.ok(publisher.socket.connected, 'the publisher was disconnected');
    const health = await httpGet(`${studio.origin}/health`);
    assert.equal(health.status, 200);
    const answer = await healthy.socket.timeout(5000).emitWithAck('leave-stream', { streamKey: 'never-joined' });
    assert.deepEqual(answer, { streamKey: 'never-joined', viewerCount: 0 });
    raw.ws.terminate();
  });

  test('stream-data for a key never started → stream-error "Stream not found"', async () => {
    const c = await client();
    c.socket.emit('stream-data', { streamKey: randomKey(), chunk: Buffer.alloc(100) });
    assert.equal((await c.next('stream-error')).error, 'Stream not found');
  });

  test('join-stream for a key never started → stream-joined, waiting for its host', async () => {
    const waitingKey = randomKey();
    healthy.socket.emit('join-stream', { userId: 'viewer', streamKey: waitingKey });
    assert.deepEqual(await healthy.next('stream-joined', { where: (p) => p.streamKey === waitingKey }),
      { streamKey: waitingKey, viewerCount: 1, status: 'waiting' });
    healthy.socket.emit('leave-stream', { streamKey: waitingKey });
  });

  test('unknown events are ignored', async () => {
    healthy.socket.emit('no-such-event', { x: 1 });
    await sleep(200);
    assert.ok(healthy.socket.connected);
  });

  test('end-stream from the owner → stream-ended to the room', async () => {
    publisher.socket.emit('end-stream', { streamKey: key, userId: 'host-1' });
    assert.deepEqual(await healthy.next('stream-ended'), { streamKey: key });
    assert.deepEqual(await publisher.next('stream-ended'), { streamKey: key });
    publisher.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(10) });
    assert.equal((await publisher.next('stream-error')).error, 'Stream not found');
  });

  test('the key stays with its first publisher', async () => {
    const other = await client();
    other.socket.emit('start-stream', { userId: 'host-2', streamKey: key });
    assert.match((await other.next('stream-error')).error, /another publisher/);
    publisher.socket.emit('start-stream', { userId: 'host-1', streamKey: key });
    assert.equal((await publisher.next('stream-started')).status, 'broadcasting');
  });
});

describe('Socket.IO publisher auth (NIP-98, no --open-ingest)', () => {
  let tmp;
  let studio;
  const clients = [];
  const client = async (options) => {
    const c = connectClient(studio.origin, options);
    clients.push(c);
    return c.connected();
  };
  const socketUrl = () => `ws://127.0.0.1:${studio.port}/socket.io/`;

  before(async () => {
    tmp = tempDir();
    studio = await startNoSource(`${tmp.dir}/data`, []);
  });
  after(async () => {
    for (const c of clients) c.close();
    const r = await studio.stop();
    tmp.cleanup();
    assert.equal(r.code, 0, `afk-studio exit code ${r.code}\n${studio.describe()}`);
  });

  const key = randomKey();
  const alice = nostrIdentity();
  const mallory = nostrIdentity();

  test('an unauthenticated start-stream → stream-error, no stream', async () => {
    const c = await client({ query: { streamKey: key } });
    c.socket.emit('start-stream', { userId: alice.pubkey, streamKey: key });
    assert.match((await c.next('stream-error')).error, /^authentication required: /);
    const status = await httpGet(`${studio.origin}/livestream/${key}/status`);
    assert.ok(!status.text.includes('"isActive":true'), `a stream was created: ${status.text}`);
  });

  test('a NIP-98 token for another URL → stream-error naming the u tag', async () => {
    const token = await alice.token(`ws://127.0.0.1:${studio.port}/elsewhere/`);
    const c = await client({ query: { streamKey: key }, auth: { authorization: token } });
    c.socket.emit('start-stream', { userId: alice.pubkey, streamKey: key });
    assert.match((await c.next('stream-error')).error, /authentication required: .*u tag/);
  });

  let alicePublisher;
  test('a NIP-98 token (nostr-tools) in the Socket.IO auth → stream-started', async () => {
    const token = await alice.token(socketUrl());
    alicePublisher = await client({ query: { streamKey: key }, auth: { authorization: token } });
    alicePublisher.socket.emit('start-stream', { userId: alice.pubkey, streamKey: key });
    assert.deepEqual(await alicePublisher.next('stream-started'), { streamKey: key, status: 'broadcasting' });
  });

  test('userId other than the proven pubkey → stream-error', async () => {
    alicePublisher.socket.emit('start-stream', { userId: mallory.pubkey, streamKey: randomKey() });
    assert.match((await alicePublisher.next('stream-error')).error, /does not match/);
  });

  test('another pubkey (with a valid token, in the query) on the same key → stream-error', async () => {
    const token = await mallory.token(`http://127.0.0.1:${studio.port}/socket.io/`);
    const c = await client({ query: { streamKey: key, authorization: token } });
    c.socket.emit('start-stream', { userId: mallory.pubkey, streamKey: key });
    assert.match((await c.next('stream-error')).error, /another publisher/);
    c.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(10) });
    assert.match((await c.next('stream-error')).error, /not the publisher/);
    c.socket.emit('end-stream', { streamKey: key });
    assert.match((await c.next('stream-error')).error, /not the publisher/);
  });

  test('the owner reconnecting with a new token resumes the stream', async () => {
    alicePublisher.close();
    const token = await alice.token(socketUrl());
    const again = await client({ auth: { authorization: token } });
    // The stream's first bytes: a WebM recording starts with its EBML header.
    const chunk = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(6)]);
    const answer = await again.socket.timeout(5000).emitWithAck('stream-data', { streamKey: key, chunk });
    assert.deepEqual(answer, { streamKey: key, bytes: 10 });
    again.socket.emit('end-stream', { streamKey: key });
    assert.deepEqual(await again.next('stream-ended'), { streamKey: key });
  });
});

describe('Socket.IO limits and flags', () => {
  let tmp;
  let studio;
  const clients = [];
  const client = async (options) => {
    const c = connectClient(studio.origin, options);
    clients.push(c);
    return c.connected();
  };
  const alice = nostrIdentity();
  const bob = nostrIdentity();
  const mallory = nostrIdentity();
  const socketUrl = () => `ws://127.0.0.1:${studio.port}/socket.io/`;

  before(async () => {
    tmp = tempDir();
    studio = await startNoSource(`${tmp.dir}/data`, ['--allow-pubkey', alice.pubkey, '--allow-pubkey', bob.pubkey.toUpperCase(),
      '--max-message-bytes', '65536', '--max-publishers', '1', '--max-viewers', '1']);
  });
  after(async () => {
    for (const c of clients) c.close();
    const r = await studio.stop();
    tmp.cleanup();
    assert.equal(r.code, 0, `afk-studio exit code ${r.code}\n${studio.describe()}`);
  });

  test('--help documents the ingest flags; bad values exit 2 with one line', async () => {
    const help = await runStudio(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--open-ingest', '--allow-pubkey', '--max-message-bytes', '--max-publishers', '--max-viewers']) {
      assert.ok(help.stdout.includes(flag), `--help does not mention ${flag}`);
    }
    for (const args of [['--allow-pubkey', 'xyz'], ['--max-message-bytes', '0'], ['--max-publishers', '-1'], ['--max-viewers', 'many']]) {
      const r = await runStudio(['--headless', '--source', 'none', '--port', '0', '--data-dir', `${tmp.dir}/x`, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(args[0]), `${args.join(' ')}: the error does not name the flag: ${r.stderr}`);
    }
  });

  test('the handshake advertises --max-message-bytes as maxPayload', async () => {
    const raw = await rawSocket(studio.port);
    assert.equal(JSON.parse((await raw.message(0)).slice(1)).maxPayload, 65536);
    raw.ws.close();
  });

  test('a pubkey outside --allow-pubkey → stream-error', async () => {
    const c = await client({ auth: { authorization: await mallory.token(socketUrl()) } });
    c.socket.emit('start-stream', { userId: mallory.pubkey, streamKey: randomKey() });
    assert.match((await c.next('stream-error')).error, /not allowed/);
  });

  const key = randomKey();
  let publisher;
  test('an allowed pubkey publishes; --max-publishers 1 refuses a second stream', async () => {
    publisher = await client({ auth: { authorization: await alice.token(socketUrl()) } });
    publisher.socket.emit('start-stream', { userId: alice.pubkey, streamKey: key });
    assert.equal((await publisher.next('stream-started')).streamKey, key);
    const second = await client({ auth: { authorization: await bob.token(socketUrl()) } });
    second.socket.emit('start-stream', { userId: bob.pubkey, streamKey: randomKey() });
    assert.match((await second.next('stream-error')).error, /too many publishers/);
  });

  test('--max-viewers 1 refuses a second viewer', async () => {
    const first = await client();
    first.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    assert.equal((await first.next('stream-joined')).viewerCount, 1);
    const second = await client();
    second.socket.emit('join-stream', { userId: 'viewer', streamKey: key });
    assert.match((await second.next('stream-error')).error, /full/);
  });

  test('--max-message-bytes: 64 KiB passes, 64 KiB + 1 kB is refused', async () => {
    const small = Buffer.alloc(60 * 1024);
    small.set([0x1a, 0x45, 0xdf, 0xa3]); // the start of a WebM recording
    assert.equal((await publisher.socket.timeout(5000).emitWithAck('stream-data', { streamKey: key, chunk: small })).bytes, small.length);
    publisher.socket.emit('stream-data', { streamKey: key, chunk: Buffer.alloc(65 * 1024) });
    assert.match((await publisher.next('stream-error')).error, /message too large \(66560 bytes; the limit is 65536\)/);
  });
});
