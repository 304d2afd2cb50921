// NIP-53 live chat end to end: the studio announces its stream on a real relay (@nostr-relay,
// loopback) and subscribes to its chat (kind 1311). A nostr-tools viewer publishes messages (one
// valid, one with a bad signature, one for another stream): GET /chat shows only the valid one.
// `afk-studio chat send` posts as the host with a NIP-98 proof; the signed message reaches the
// relay and the chat. POST /chat without a proof, or with another key's, is refused. No secret
// reaches the output or /status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalizeEvent, generateSecretKey, getPublicKey, nip19, nip98, verifyEvent } from 'nostr-tools';
import { runStudio, startStudio, studioBin } from './lib/studio.mjs';
import { tempDir, waitFor } from './lib/util.mjs';
import { startRelay, publishRaw, query, waitForLine, studioIdentity } from './lib/nostr.mjs';

const getJson = async (url) => {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: await response.json() };
};

test('the chat of a live stream: viewers on a relay, the host through the CLI, NIP-98 on POST', async () => {
  const data = tempDir('afk-chat-data-');
  const relay = await startRelay();
  const identity = studioIdentity('e2e chat password');
  const { keyEnv, nsec, secretHex } = identity;
  const hostPubkey = identity.pubkey;
  const hostSecret = nip19.decode(nsec).data;
  let studio;
  try {

    studio = await startStudio({ dataDir: data.dir, ladder: '360p', extraArgs: ['--relay', relay.url] });
    await waitForLine(studio, /live on Nostr: \S+ nostr:naddr1\S+/);
    const chatUrl = `${studio.base}/chat`;
    const address = `30311:${hostPubkey}:${studio.key}`;

    // Viewers publish: one valid, one with a broken signature (the relay refuses it), one for
    // another stream (not this chat).
    const viewer = generateSecretKey();
    const now = Math.floor(Date.now() / 1000);
    const message = (content, a) => finalizeEvent({ kind: 1311, created_at: now, content,
      tags: [['a', a, relay.url, 'root']] }, viewer);
    const valid = message('hello from a viewer', address);
    const badSignature = JSON.parse(JSON.stringify(message('forged', address)));
    badSignature.sig = (badSignature.sig[0] === '0' ? '1' : '0') + badSignature.sig.slice(1);
    const otherStream = message('wrong stream', `30311:${hostPubkey}:another-stream`);
    assert.deepEqual((await publishRaw(relay.url, valid))[0], true);
    const [isForgedAccepted, forgedReason] = await publishRaw(relay.url, badSignature);
    assert.equal(isForgedAccepted, false);
    assert.match(forgedReason, /invalid/);
    assert.equal((await publishRaw(relay.url, otherStream))[0], true);

    const shown = await waitFor(async () => {
      const { status, body } = await getJson(chatUrl);
      return status === 200 && body.messages.length >= 1 ? body : false;
    }, { timeoutMs: 15000, what: 'the viewer message in GET /chat' });
    await new Promise((r) => setTimeout(r, 1000)); // nothing else arrives later
    const { status: listStatus, headers: listHeaders, body: listed } = await getJson(chatUrl);
    assert.equal(listStatus, 200);
    assert.equal(listHeaders.get('access-control-allow-origin'), '*');
    assert.equal(listed.streamId, studio.key);
    assert.deepEqual(listed.messages, [{ id: valid.id, pubkey: valid.pubkey, npub: nip19.npubEncode(valid.pubkey),
      createdAt: now, content: 'hello from a viewer' }]);
    assert.deepEqual(shown.messages, listed.messages);

    // The host sends through the CLI: NIP-98 signed with the active key.
    const sent = await runStudio(['chat', 'send', '--stream-key', studio.key, '--port', String(studio.port),
      'hello from the host'], { env: keyEnv });
    assert.equal(sent.code, 0, sent.stderr);
    const sentId = sent.stdout.trim();
    assert.match(sentId, /^[0-9a-f]{64}$/);
    const onRelay = await waitFor(async () => (await query(relay.url, { ids: [sentId] }))[0],
      { timeoutMs: 10000, what: 'the host message on the relay' });
    assert.ok(verifyEvent(onRelay), 'nostr-tools verifies the host message');
    assert.equal(onRelay.kind, 1311);
    assert.equal(onRelay.pubkey, hostPubkey);
    assert.equal(onRelay.content, 'hello from the host');
    assert.deepEqual(onRelay.tags, [['a', address, relay.url, 'root']]);
    const afterSend = (await getJson(chatUrl)).body.messages;
    assert.equal(afterSend.length, 2);
    assert.equal(afterSend.at(-1).id, sentId, 'newest last');
    assert.equal(afterSend.at(-1).pubkey, hostPubkey);
    assert.equal((await getJson(`${chatUrl}?since=${now + 3600}`)).body.messages.length, 0);
    assert.equal((await getJson(`${chatUrl}?since=0`)).body.messages.length, 2);

    // chat list prints both, oldest first.
    const list = await runStudio(['chat', 'list', '--stream-key', studio.key, '--port', String(studio.port)]);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /hello from a viewer$/);
    assert.match(lines[1], /npub1\S+ hello from the host$/);

    // POST needs a NIP-98 proof by the host key.
    const body = JSON.stringify({ content: 'sneaky' });
    const post = (headers = {}) => fetch(chatUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const sign = (secret) => (event) => finalizeEvent(event, secret);
    const noAuth = await post();
    assert.equal(noAuth.status, 401);
    assert.match((await noAuth.json()).error, /NIP-98/);
    const otherKey = await post({ authorization: await nip98.getToken(chatUrl, 'POST', sign(generateSecretKey()), true, { content: 'sneaky' }) });
    assert.equal(otherKey.status, 401);
    assert.match((await otherKey.json()).error, /host key/);
    const wrongMethod = await post({ authorization: await nip98.getToken(chatUrl, 'GET', sign(hostSecret), true) });
    assert.equal(wrongMethod.status, 401);
    const wrongUrl = await post({ authorization: await nip98.getToken(`${studio.origin}/livestream/other/chat`, 'POST', sign(hostSecret), true) });
    assert.equal(wrongUrl.status, 401);
    const wrongPayload = await post({ authorization: await nip98.getToken(chatUrl, 'POST', sign(hostSecret), true, { content: 'other' }) });
    assert.equal(wrongPayload.status, 401);
    // nostr-tools' own NIP-98 token from the host key is accepted.
    const byNostrTools = await post({ authorization: await nip98.getToken(chatUrl, 'POST', sign(hostSecret), true, { content: 'sneaky' }) });
    assert.equal(byNostrTools.status, 200);
    const accepted = await byNostrTools.json();
    assert.equal(accepted.content, 'sneaky');
    assert.equal(accepted.pubkey, hostPubkey);
    assert.equal((await getJson(chatUrl)).body.messages.length, 3);

    // Preflight, and a stream without chat.
    const preflight = await fetch(chatUrl, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization/);
    const noChat = await getJson(`${studio.origin}/livestream/no-such-stream/chat`);
    assert.equal(noChat.status, 404);
    assert.match(noChat.body.error, /no chat/);

    // The CLI's errors.
    const wrongPassword = await runStudio(['chat', 'send', '--stream-key', studio.key, '--port', String(studio.port), 'x'],
      { env: { ...keyEnv, AFK_KEY_PASSWORD: 'wrong' } });
    assert.equal(wrongPassword.code, 1);
    assert.match(wrongPassword.stderr, /^afk-studio chat: .*password/);
    const unknownStream = await runStudio(['chat', 'send', '--stream-key', 'nope', '--port', String(studio.port), 'x'], { env: keyEnv });
    assert.equal(unknownStream.code, 1);
    assert.match(unknownStream.stderr, /404/);
    const badUsage = await runStudio(['chat', 'send', '--port', String(studio.port), 'x']);
    assert.equal(badUsage.code, 2);
    assert.match(badUsage.stderr, /--stream-key/);

    const statusText = await fetch(`${studio.base}/status`).then((r) => r.text());
    const stopped = await studio.stop();
    assert.equal(stopped.code, 0, studio.describe());
    const outputs = [statusText, stopped.stdout, stopped.stderr, sent.stdout, sent.stderr, list.stdout, list.stderr];
    for (const secret of [nsec, secretHex])
      for (const text of outputs) assert.ok(!text.includes(secret), 'no secret in the output or /status');
    assert.equal(getPublicKey(hostSecret), hostPubkey);
  } finally {
    if (studio && !studio.exitInfo) await studio.stop({ killAfterMs: 3000 });
    relay.child.kill('SIGTERM');
    identity.restore();
    data.cleanup();
  }
});
