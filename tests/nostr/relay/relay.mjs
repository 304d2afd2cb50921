// A real Nostr relay (@nostr-relay/core) on 127.0.0.1, for afk_nostr's end-to-end test
// (tst_relaypool). Events live in memory only: a restarted relay starts empty.
//
//   node relay.mjs [--port N] [--require-auth] [--garbage]
//
// --port N        listen on N (default 0: a free port)
// --require-auth  NIP-42: send AUTH on connect; refuse EVENT ("OK" false, "auth-required: …") and
//                 REQ ("CLOSED", "auth-required: …") until the client authenticated
// --garbage       debug: send malformed frames to every client on connect and after each REQ
//                 (bad JSON, unknown types, wrong arity, tampered events, oversize, binary)
//
// Prints {"port":N,"url":"ws://127.0.0.1:N"} on one stdout line once listening. Exits on SIGTERM,
// SIGINT or when stdin closes (the test process went away).
import { NostrRelay } from '@nostr-relay/core';
import {
  EventRepository,
  EventType,
  EventUtils,
  LogLevel,
  createOutgoingClosedMessage,
  createOutgoingOkMessage,
} from '@nostr-relay/common';
import { Validator } from '@nostr-relay/validator';
import { matchFilter } from 'nostr-tools/filter';
import { finalizeEvent, generateSecretKey, verifyEvent } from 'nostr-tools/pure';
import { WebSocketServer } from 'ws';

const HOST = '127.0.0.1';

function parseArgs(argv) {
  const options = { port: 0, requireAuth: false, garbage: false };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number.parseInt(argv[++i], 10);
    else if (arg === '--require-auth') options.requireAuth = true;
    else if (arg === '--garbage') options.garbage = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new Error('--port needs a number between 0 and 65535');
  return options;
}

// Keeps every event, but only the newest per kind:pubkey(:d) for replaceable and addressable
// kinds (on a created_at tie, the lowest id wins, as NIP-01 says).
class MemoryEventRepository extends EventRepository {
  events = new Map();

  isSearchSupported() {
    return false;
  }

  upsert(event) {
    if (this.events.has(event.id)) return { isDuplicate: true };
    const type = EventUtils.getType(event.kind);
    if (type === EventType.REPLACEABLE || type === EventType.PARAMETERIZED_REPLACEABLE) {
      const d = EventUtils.extractDTagValue(event);
      for (const old of [...this.events.values()]) {
        if (old.kind !== event.kind || old.pubkey !== event.pubkey) continue;
        if (EventUtils.extractDTagValue(old) !== d) continue;
        const oldIsNewer =
          old.created_at > event.created_at ||
          (old.created_at === event.created_at && old.id < event.id);
        if (oldIsNewer) return { isDuplicate: true };
        this.events.delete(old.id);
      }
    }
    this.events.set(event.id, event);
    return { isDuplicate: false };
  }

  find(filter) {
    const found = [...this.events.values()]
      .filter((event) => matchFilter(filter, event))
      .sort((a, b) => b.created_at - a.created_at);
    return filter.limit !== undefined ? found.slice(0, filter.limit) : found;
  }

  async destroy() {
    this.events.clear();
  }
}

// NIP-42 enforcement: @nostr-relay/core checks AUTH events but accepts EVENT and REQ from anyone.
// A message plugin (not beforeHandleEvent, whose refusals are cached per event id) refuses them
// per connection until AUTH succeeded.
const authGuard = {
  async handleMessage(ctx, message, next) {
    if (!ctx.pubkey && message[0] === 'EVENT') {
      const id = message[1]?.id ?? '';
      ctx.sendMessage(
        createOutgoingOkMessage(id, false, 'auth-required: this relay only accepts authenticated users'),
      );
      return { messageType: 'EVENT', success: false };
    }
    if (!ctx.pubkey && message[0] === 'REQ') {
      ctx.sendMessage(
        createOutgoingClosedMessage(message[1], 'auth-required: this relay only serves authenticated users'),
      );
      return { messageType: 'REQ', events: [] };
    }
    return next();
  },
};

// A signed event, and two broken copies of it that must fail verification.
function brokenEvents() {
  const valid = finalizeEvent(
    { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'garbage-mode original' },
    generateSecretKey(),
  );
  // Plain JSON copies: nostr-tools caches a verification result on the object under a symbol.
  const plain = () => JSON.parse(JSON.stringify(valid));
  const wrongId = { ...plain(), content: 'tampered content' };
  const flipped = valid.sig[0] === '0' ? '1' : '0';
  const wrongSig = { ...plain(), sig: flipped + valid.sig.slice(1) };
  for (const event of [wrongId, wrongSig])
    if (verifyEvent(JSON.parse(JSON.stringify(event)))) throw new Error('a tampered event verifies');
  return [wrongId, wrongSig];
}

function sendGarbage(ws, subscriptionId) {
  const frames = [
    'this is not json',
    '{"an":"object"}',
    '[]',
    '[42,"x"]',
    '["WHAT","x"]',
    '["OK"]',
    '["OK","zz",true,""]',
    `["OK","${'ab'.repeat(32)}",true,""]`,
    `["OK","${'cd'.repeat(32)}","yes",1]`,
    '["EVENT"]',
    '["EVENT","no-such-subscription",{}]',
    '["EOSE"]',
    '["EOSE",5]',
    '["NOTICE"]',
    '["AUTH"]',
    '["AUTH",7]',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `["NOTICE","${'x'.repeat(300 * 1024)}"]`,
  ];
  if (subscriptionId !== undefined) {
    frames.push(
      JSON.stringify(['EVENT', subscriptionId, 'not an object']),
      JSON.stringify(['EVENT', subscriptionId, { id: 'x' }]),
      JSON.stringify(['CLOSED', subscriptionId]),
      ...brokenEvents().map((event) => JSON.stringify(['EVENT', subscriptionId, event])),
    );
  }
  for (const frame of frames) ws.send(frame);
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
}

const options = parseArgs(process.argv.slice(2));
const relay = new NostrRelay(new MemoryEventRepository(), {
  hostname: options.requireAuth ? HOST : undefined,
  logLevel: LogLevel.ERROR,
  // No caches: a test may ask the same thing twice within a second and expect fresh answers.
  filterResultCacheTtl: 0,
  eventHandlingResultCacheTtl: 0,
});
if (options.requireAuth) relay.register(authGuard);
const validator = new Validator();

const server = new WebSocketServer({ host: HOST, port: options.port, maxPayload: 1024 * 1024 });
server.on('connection', (ws) => {
  relay.handleConnection(ws, HOST);
  if (options.garbage) sendGarbage(ws);
  ws.on('message', async (data) => {
    let message;
    try {
      message = await validator.validateIncomingMessage(data);
    } catch (error) {
      ws.send(JSON.stringify(['NOTICE', `invalid: ${error.message}`]));
      return;
    }
    await relay.handleMessage(ws, message);
    if (options.garbage && message[0] === 'REQ') sendGarbage(ws, message[1]);
  });
  ws.on('close', () => relay.handleDisconnect(ws));
  ws.on('error', () => {});
});
server.on('listening', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ port, url: `ws://${HOST}:${port}` })}\n`);
});
server.on('error', (error) => {
  process.stderr.write(`relay: ${error.message}\n`);
  process.exit(1);
});

function shutdown() {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
