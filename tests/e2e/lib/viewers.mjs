// Many Socket.IO viewers from one Node process, for the scale suite and the viewer benchmark: each
// viewer is a raw `ws` WebSocket speaking Engine.IO v4 / Socket.IO v5 by hand (socket.io-client
// costs too much per connection for thousands). A viewer answers pings, records every event with
// its arrival time, and can join a stream's room. Works against afk-studio and the Node
// `socket.io` server alike.
import fs from 'node:fs';
import WebSocket from 'ws';

/**
 * Opens one viewer: WebSocket upgrade, Engine.IO open, namespace CONNECT ("40" → "40{sid}").
 * Resolves with the viewer once connected; rejects on connect_error, close or timeout.
 * clock() stamps each event on arrival (before it is parsed); performance.now by default.
 */
export function openViewer(port, { host = '127.0.0.1', timeoutMs = 60000, clock = () => performance.now() } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${host}:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    const viewer = {
      ws,
      sid: null,
      events: [], // { name, payload, at } in arrival order
      pings: 0,
      closeInfo: null,
      onEvent: null, // (name, payload, at) => void, for callers that count instead of store
      keepEvents: true,
      emit(name, payload) { ws.send(`42${JSON.stringify([name, payload])}`); },
      join(streamKey) { viewer.emit('join-stream', { streamKey }); },
      count(name) { return viewer.events.filter((e) => e.name === name).length; },
      close() { ws.terminate(); },
    };
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`viewer not connected within ${timeoutMs} ms`)), timeoutMs);
    ws.on('error', (e) => fail(e));
    ws.on('close', (code, reason) => {
      viewer.closeInfo = { code, reason: reason.toString() };
      fail(new Error(`closed before connecting (${code} ${reason})`));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString('utf8');
      const type = text[0];
      if (type === '2') { // Engine.IO ping
        viewer.pings += 1;
        ws.send('3');
      } else if (type === '0') { // Engine.IO open
        ws.send('40');
      } else if (text.startsWith('40')) {
        viewer.sid = JSON.parse(text.slice(2)).sid;
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(viewer);
        }
      } else if (text.startsWith('44')) {
        fail(new Error(`connect_error: ${text.slice(2)}`));
      } else if (text.startsWith('42')) {
        const at = clock();
        const [name, payload] = JSON.parse(text.slice(2));
        if (viewer.keepEvents) viewer.events.push({ name, payload, at });
        if (viewer.onEvent) viewer.onEvent(name, payload, at);
      }
    });
  });
}

/**
 * Opens n viewers at once (every connect started before any finished, like a raid) and waits for
 * all of them. Resolves { viewers, failures: [Error], ms } — failed ones are not in viewers.
 */
export async function burst(port, n, options = {}) {
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, () => openViewer(port, options)));
  const ms = performance.now() - t0;
  const viewers = [];
  const failures = [];
  for (const r of results) (r.status === 'fulfilled' ? viewers : failures).push(r.status === 'fulfilled' ? r.value : r.reason);
  return { viewers, failures, ms };
}

/** Closes every viewer and waits (up to timeoutMs) until their sockets are closed. */
export async function closeAll(viewers, timeoutMs = 30000) {
  await Promise.race([
    Promise.all(viewers.map((v) => new Promise((resolve) => {
      if (v.ws.readyState === WebSocket.CLOSED) return resolve();
      v.ws.once('close', resolve);
      v.ws.terminate();
    }))),
    new Promise((resolve) => setTimeout(resolve, timeoutMs)),
  ]);
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat, clock ticks of 100 Hz). */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
}

/** Resident set size of a process now, in bytes (/proc/<pid>/status VmRSS). */
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
