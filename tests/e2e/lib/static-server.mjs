// A tiny static HTTP server (node:http): the second origin that hosts the player page, and the
// server beside the ffmpeg program's reference HLS output.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './util.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.webm': 'video/webm',
};

/**
 * startStaticServer({ root?, routes?, rewrite?, cors? })
 *  - routes: { '/path': { body, type } | (req, res) => void } answered first;
 *  - root: folder served for other GETs (paths that resolve outside it are 404);
 *  - rewrite(pathname) → pathname relative to root (aliases), or null to 404.
 * Resolves { port, origin, url(p), close() }.
 */
export async function startStaticServer({ root = null, routes = {}, rewrite = (p) => p, cors = true, port } = {}) {
  port = port ?? (await freePort());
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    }
    if (req.method === 'OPTIONS') { res.writeHead(204); return res.end(); }
    const route = routes[u.pathname];
    if (route) {
      if (typeof route === 'function') return route(req, res);
      const body = typeof route.body === 'function' ? route.body() : route.body;
      res.writeHead(200, { 'Content-Type': route.type || 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      return res.end(body);
    }
    if (!root) { res.writeHead(404); return res.end('not found'); }
    let rel;
    try { rel = rewrite(decodeURIComponent(u.pathname)); } catch { rel = null; }
    const file = rel === null ? null : path.resolve(root, '.' + path.posix.normalize('/' + rel));
    if (!file || !file.startsWith(path.resolve(root) + path.sep)) { res.writeHead(404); return res.end('not found'); }
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404, { 'Content-Type': 'application/json' }); return res.end('{"error":"not found"}'); }
      const ext = path.extname(file);
      res.writeHead(200, {
        'Content-Type': TYPES[ext] || 'application/octet-stream',
        'Cache-Control': ext === '.m3u8' ? 'no-cache' : 'public, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    port, origin, server,
    url: (p) => origin + p,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
