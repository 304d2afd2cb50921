// nostr-tools as an oracle for afk_nostr: our ids equal getEventHash, verifyEvent accepts every
// event we sign, our NIP-19 / NIP-49 strings decode in nostr-tools and theirs decode in ours.
// Run by ctest (nostr_oracle) with AFK_NOSTR_TOOL pointing at the afk-nostr-tool binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getEventHash, verifyEvent, finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import * as nip19 from 'nostr-tools/nip19';
import * as nip49 from 'nostr-tools/nip49';
import { bytesToHex, hexToBytes } from 'nostr-tools/utils';

const tool = process.env.AFK_NOSTR_TOOL;
if (!tool) throw new Error('AFK_NOSTR_TOOL is not set (run through ctest -R nostr_oracle)');

function runTool(args, input) {
  const out = execFileSync(tool, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out);
}

const fixtures = runTool(['fixtures']);

// What nostr-tools' decode returns, with nsec bytes as hex so it compares as JSON.
function theirDecode(text) {
  const { type, data } = nip19.decode(text);
  if (type === 'nsec') return { type, data: bytesToHex(data) };
  if (type === 'nevent') {
    const out = { id: data.id, relays: data.relays };
    if (data.author !== undefined) out.author = data.author;
    if (data.kind !== undefined) out.kind = data.kind;
    return { type, data: out };
  }
  return { type, data };
}

test('our ids equal getEventHash for hard strings', () => {
  assert.ok(fixtures.ids.length >= 10);
  for (const [i, event] of fixtures.ids.entries()) {
    const theirs = getEventHash(event);
    if (theirs !== event.id) {
      const theirBytes = Buffer.from(JSON.stringify([0, event.pubkey, event.created_at, event.kind,
        event.tags, event.content]), 'utf8').toString('hex');
      assert.equal(event.serializedHex, theirBytes, `serialization of fixture ${i} differs`);
    }
    assert.equal(event.id, theirs, `id of fixture ${i}`);
  }
});

test('verifyEvent accepts every event we sign, and refuses it once changed', () => {
  assert.equal(fixtures.signed.length, fixtures.ids.length);
  for (const [i, event] of fixtures.signed.entries()) {
    assert.equal(event.pubkey, fixtures.keys.pubkeyHex);
    assert.equal(event.id, fixtures.ids[i].id, `signed fixture ${i} has the unsigned id`);
    assert.ok(verifyEvent({ ...event }), `verifyEvent(fixture ${i})`);
    assert.ok(!verifyEvent({ ...event, content: event.content + ' ' }), `changed fixture ${i}`);
  }
});

test('our npub / nsec / note / nprofile / nevent / naddr decode in nostr-tools', () => {
  const { keys } = fixtures;
  assert.equal(getPublicKey(hexToBytes(keys.secretHex)), keys.pubkeyHex);
  assert.deepEqual(theirDecode(keys.npub), { type: 'npub', data: keys.pubkeyHex });
  assert.deepEqual(theirDecode(keys.nsec), { type: 'nsec', data: keys.secretHex });
  assert.equal(nip19.npubEncode(keys.pubkeyHex), keys.npub);
  assert.equal(nip19.nsecEncode(hexToBytes(keys.secretHex)), keys.nsec);
  assert.ok(fixtures.entities.length >= 6);
  for (const { text, expected } of fixtures.entities)
    assert.deepEqual(theirDecode(text), expected, text);
});

test('our ncryptsec decrypts in nostr-tools (NFKC password)', () => {
  const { text, password, secretHex } = fixtures.ncryptsec;
  assert.equal(bytesToHex(nip49.decrypt(text, password)), secretHex);
  assert.equal(bytesToHex(nip49.decrypt(text, password.normalize('NFD'))), secretHex);
  assert.throws(() => nip49.decrypt(text, password + 'x'));
});

test('nostr-tools events, entities and ncryptsec are accepted by ours', () => {
  const secret = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
  const pubkey = getPublicKey(secret);
  const contents = ['', 'hello', '"quoted" \\ / \n\t\r\b\f \u0000\u001f\u007f', '\u2028\u2029',
    'é e\u0301 日本 🤙🏽 👨‍👩‍👧', 'x'.repeat(20000)];
  const events = contents.map((content, i) => finalizeEvent({
    kind: [1, 1311, 30311, 0, 7, 65535][i],
    created_at: 1700000000 + i,
    tags: [['t', content.slice(0, 40)], ['p', pubkey, '', 'Host'], []],
    content,
  }, secret));
  const forged = { ...events[1], content: 'hellO' };
  const relays = ['wss://relay.damus.io', 'wss://r.example/é?x=1'];
  const id = events[1].id;
  const entities = [
    nip19.npubEncode(pubkey),
    nip19.nsecEncode(secret),
    nip19.noteEncode(id),
    nip19.nprofileEncode({ pubkey, relays }),
    nip19.neventEncode({ id, relays, author: pubkey, kind: 1311 }),
    nip19.neventEncode({ id }),
    nip19.naddrEncode({ identifier: 'stream-🤙', pubkey, kind: 30311, relays }),
    nip19.naddrEncode({ identifier: '', pubkey, kind: 30023 }),
  ];
  const password = 'Å pässwörd';
  const ncryptsec = [0, 1, 2].map(ksb => ({ text: nip49.encrypt(secret, password, 8, ksb), password }));
  ncryptsec.push({ text: ncryptsec[0].text, password: 'wrong' });

  const ours = runTool(['check'], JSON.stringify({ events: [...events, forged], entities, ncryptsec }));

  for (const [i, event] of events.entries()) {
    assert.deepEqual(ours.events[i], { valid: true, id: event.id }, `their event ${i}`);
  }
  assert.equal(ours.events[events.length].valid, false);
  assert.match(ours.events[events.length].error, /id does not match/);

  for (const [i, text] of entities.entries())
    assert.deepEqual(ours.entities[i], theirDecode(text), text);

  for (const ksb of [0, 1, 2])
    assert.deepEqual(ours.ncryptsec[ksb], { secretHex: bytesToHex(secret), logN: 8, keySecurity: ksb });
  assert.match(ours.ncryptsec[3].error, /wrong password/);
});
