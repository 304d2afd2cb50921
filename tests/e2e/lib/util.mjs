// Small shared helpers for the e2e suites and the benchmark (Node built-ins only).
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh temp folder, removed by the returned cleanup (kept when AFK_E2E_KEEP=1). */
export function tempDir(prefix = 'afk-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanup = () => {
    if (process.env.AFK_E2E_KEEP === '1') {
      console.error(`# kept ${dir}`);
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, cleanup };
}

/** A stream key like the PWA's (32 hex chars). */
export const randomKey = () => crypto.randomBytes(16).toString('hex');

/**
 * Poll fn() until it returns a truthy value; returns that value. On timeout throws an Error
 * whose message includes `what` and the last value/error seen. An error thrown with
 * `.fatal = true` stops the wait at once.
 */
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      if (e && e.fatal) throw e; // give up at once (process exited, fatal player error)
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** fetch() with a timeout; returns { status, headers, text, buf }. */
export async function httpGet(url, { method = 'GET', headers = {}, timeoutMs = 10000 } = {}) {
  const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8') };
}

/**
 * A raw HTTP/1.1 request over a TCP socket, so that nothing (WHATWG URL, fetch) normalizes
 * the request target. Resolves { status, statusLine, headers (lower-case keys), body (Buffer), raw }.
 */
export function rawHttp(port, target, { method = 'GET', host = '127.0.0.1', extraHeaders = '', timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const chunks = [];
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      const sep = raw.indexOf('\r\n\r\n');
      if (sep < 0) {
        if (err) return reject(err);
        return reject(new Error(`no complete HTTP response to ${method} ${target} (got ${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 200))})`));
      }
      const head = raw.subarray(0, sep).toString('latin1').split('\r\n');
      const statusLine = head.shift();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      const headers = {};
      for (const h of head) {
        const i = h.indexOf(':');
        if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : NaN, statusLine, headers, body: raw.subarray(sep + 4), raw });
    };
    const timer = setTimeout(() => finish(new Error(`raw request ${method} ${target} timed out`)), timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      // Stop once Content-Length bytes of body are in (the server may keep the connection).
      const raw = Buffer.concat(chunks);
      const sep = raw.indexOf('\r\n\r\n');
      if (sep >= 0) {
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(raw.subarray(0, sep).toString('latin1'));
        if (m && raw.length - (sep + 4) >= Number(m[1])) finish();
      }
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish(e));
    sock.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n${extraHeaders}\r\n`);
  });
}

/** Kill every child registered here when this Node process exits (no orphans on failures). */
const children = new Set();
export function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.once('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* gone */ }
  }
});

/** mulberry32, a small seeded PRNG (the fuzz suites' mutations replay from their seed). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    next, int,
    pick: (arr) => arr[int(arr.length)],
    bytes: (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; },
  };
}
