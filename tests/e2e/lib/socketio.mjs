// Socket.IO clients for the e2e suites: socket.io-client@4 (what the PWA uses) with an event
// recorder, a raw `ws` client speaking Engine.IO by hand, and NIP-98 tokens made with nostr-tools.
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { getToken } from 'nostr-tools/nip98';
import { httpGet, sleep, waitFor } from './util.mjs';
import { startStudio } from './studio.mjs';

/** Start afk-studio's handle helpers: wait until /health answers (for --source none). */
export async function waitHealthy(handle, { timeoutMs = 20000 } = {}) {
  await waitFor(async () => {
    if (handle.exitInfo) throw Object.assign(new Error(`afk-studio exited (code ${handle.exitInfo.code})`), { fatal: true });
    return (await httpGet(`${handle.origin}/health`, { timeoutMs: 2000 })).status === 200;
  }, { timeoutMs, what: 'GET /health = 200' });
}

/** afk-studio with `--source none` (a backend for browser hosts), once /health answers. */
export async function startNoSource(dataDir, extraArgs = []) {
  const handle = await startStudio({ dataDir, source: 'none', waitReady: false, extraArgs });
  try {
    await waitHealthy(handle);
  } catch (e) {
    await handle.stop({ killAfterMs: 3000 });
    throw new Error(`${e.message}\n${handle.describe()}`);
  }
  return handle;
}

/**
 * A socket.io-client socket (websocket transport, as the PWA connects) that records every event.
 * rec.next(name, { where, timeoutMs }) resolves with the payload of the first not yet taken
 * event of that name (already received or still to come).
 */
export function connectClient(origin, { query = {}, auth, reconnection = false } = {}) {
  const socket = io(origin, { transports: ['websocket'], query, auth, reconnection, forceNew: true, timeout: 5000 });
  const events = [];
  const taken = new Set();
  let wake = () => {};
  socket.onAny((name, payload) => { events.push({ name, payload }); wake(); });
  const find = (name, where) => events.findIndex((e, i) => !taken.has(i) && e.name === name && where(e.payload));
  const rec = {
    socket,
    events,
    async next(name, { where = () => true, timeoutMs = 5000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = find(name, where);
        if (i >= 0) { taken.add(i); return events[i].payload; }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`no '${name}' event within ${timeoutMs} ms; got: ${JSON.stringify(events.map((e) => e.name))}`);
        }
        await new Promise((resolve) => { wake = resolve; setTimeout(resolve, Math.min(left, 100)); });
      }
    },
    /** Names of the events received so far. */
    names() { return events.map((e) => e.name); },
    async connected() {
      if (socket.connected) return rec;
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', (e) => reject(new Error(`connect_error: ${e.message}`)));
      });
      return rec;
    },
    close() { socket.close(); },
  };
  return rec;
}

/** A raw WebSocket on /socket.io/ (Engine.IO by hand). Resolves once open. */
export function rawSocket(port, path = '/socket.io/?EIO=4&transport=websocket') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const messages = [];
  let closeInfo = null;
  ws.on('message', (data, isBinary) => messages.push(isBinary ? data : data.toString('utf8')));
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    closeInfo = { code, reason: reason.toString() };
    resolve(closeInfo);
  }));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => resolve({
      ws, messages, closed,
      get closeInfo() { return closeInfo; },
      async message(index, timeoutMs = 5000) {
        await waitFor(() => messages.length > index, { timeoutMs, intervalMs: 20, what: `message #${index}` });
        return messages[index];
      },
    }));
  });
}

/** A Nostr identity and NIP-98 "Nostr <base64>" tokens for the studio's Socket.IO URL. */
export function nostrIdentity() {
  const secretKey = generateSecretKey();
  return {
    pubkey: getPublicKey(secretKey),
    token: (url, method = 'GET') => getToken(url, method, (event) => finalizeEvent(event, secretKey), true),
  };
}

export { sleep };
