// A real S3 API on loopback for the upload tests and the benchmark: s3rver (signatures checked)
// behind a small counting proxy that can inject faults, read back with @aws-sdk/client-s3.
import crypto from 'node:crypto';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { S3Client, ListObjectsV2Command, HeadObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { freePort } from './util.mjs';

const require = createRequire(import.meta.url);
const AWSAccount = require('s3rver/lib/models/account.js');

export const BUCKET = 'afk';
// Distinctive test credentials, so a grep of the logs for them means something.
export const ACCESS_KEY_ID = 'AFKTESTKEY7Q2ZP';
export const SECRET_ACCESS_KEY = 'afk-test-secret-3b9c2e7d51f04a86';
AWSAccount.DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRET_ACCESS_KEY);

// SHA-256 / HMAC-SHA256 in the shape the AWS SDK's signer takes.
class NodeSha256 {
  constructor(secret) { this.hash = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256'); }
  update(data) { this.hash.update(data); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}

/**
 * Checks a request's SigV4 Authorization with the AWS SDK's own signer (s3rver 3 accepts any V4
 * signature of a known key id: "Signature version 4 calculation is unimplemented"). Returns null
 * when valid, else the S3 error code.
 */
export async function signatureProblem(req, body) {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'AccessDenied';
  const [, keyId, , region, service, signedHeaders, provided] = m;
  if (keyId !== ACCESS_KEY_ID) return 'InvalidAccessKeyId';
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (payloadHash !== crypto.createHash('sha256').update(body).digest('hex')) return 'XAmzContentSHA256Mismatch';
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = req.headers[name] ?? '';
  const url = new URL(req.url, 'http://x');
  const amzDate = req.headers['x-amz-date'] ?? '';
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY }, region, service, sha256: NodeSha256, uriEscapePath: false, applyChecksum: true });
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: url.pathname,
    query: Object.fromEntries(url.searchParams), headers, body,
  }, { signingDate, signableHeaders: new Set(signedHeaders.split(';')) });
  const computed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? signed.headers.Authorization)?.[1];
  return computed === provided ? null : 'SignatureDoesNotMatch';
}

/** s3rver on 127.0.0.1:port over directory (the objects survive stop/start). */
export async function startStore(directory, port) {
  port = port ?? (await freePort());
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  await server.run();
  return { port, server, async stop() { await server.close(); } };
}

export function reader(storePort) {
  return new S3Client({
    endpoint: `http://127.0.0.1:${storePort}`, region: 'auto', forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
}

export async function listKeys(client, prefix) {
  const keys = [];
  let token;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export async function headObject(client, key) {
  return client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
}

export async function getObject(client, key) {
  const r = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await r.Body.transformToByteArray());
}

/** Object paths (relative to livestream/<key>/) a playlist names, resolved against its folder. */
export function referencedPaths(playlistPath, text) {
  const dir = playlistPath.includes('/') ? playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1) : '';
  const uris = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (!line.startsWith('#')) uris.push(line);
    else for (const m of line.matchAll(/URI="([^"]*)"/g)) uris.push(m[1]);
  }
  return uris.map((u) => dir + u.split('?')[0]);
}

/**
 * A proxy in front of the store. Counts requests, PUTs answered 200 per key (with times), and
 * checks, for every playlist PUT when it arrives, that the store already has every object it
 * names (`violations`). mode: 'pass' | 'error' (alternately 500, 503 SlowDown, 503) | 'slow'
 * (each answer held slowMs).
 */
export async function startProxy(storePort) {
  const port = await freePort();
  const state = {
    port, mode: 'pass', slowMs: 300, requests: 0, injected: 0,
    stored: new Map(), // key → [times answered 200]
    violations: [], statuses: new Map(), putsByKey: new Map(),
  };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const key = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(`/${BUCKET}/`, '');
      if (req.method === 'PUT') state.putsByKey.set(key, (state.putsByKey.get(key) ?? 0) + 1);
      if (state.mode === 'error') {
        const n = state.injected++ % 3;
        const status = n === 0 ? 500 : 503;
        const code = n === 1 ? 'SlowDown' : n === 0 ? 'InternalError' : 'ServiceUnavailable';
        res.writeHead(status, { 'Content-Type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`);
        return;
      }
      state.pending = (state.pending ?? Promise.resolve()).then(() => handle(req, res, body, key));
    });
  });
  const handle = async (req, res, body, key) => {
    const problem = await signatureProblem(req, body);
    if (problem) {
      state.statuses.set(403, (state.statuses.get(403) ?? 0) + 1);
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${problem}</Code><Message>checked by the test proxy</Message><AWSAccessKeyId>${ACCESS_KEY_ID}</AWSAccessKeyId></Error>`);
      return;
    }
    if (req.method === 'PUT' && key.endsWith('.m3u8')) {
      const prefix = key.slice(0, key.indexOf('/', 'livestream/'.length) + 1);
      const own = key.slice(prefix.length);
      for (const p of referencedPaths(own, body.toString('utf8'))) {
        if (!state.stored.has(prefix + p)) state.violations.push(`${key} named ${prefix + p} before it was stored`);
      }
    }
    const upstream = http.request({ host: '127.0.0.1', port: storePort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const upChunks = [];
      up.on('data', (c) => upChunks.push(c));
      up.on('end', () => {
        const finish = () => {
          if (req.method === 'PUT' && up.statusCode === 200) {
            if (!state.stored.has(key)) state.stored.set(key, []);
            state.stored.get(key).push(Date.now());
          }
          state.statuses.set(up.statusCode, (state.statuses.get(up.statusCode) ?? 0) + 1);
          res.writeHead(up.statusCode, up.headers);
          res.end(Buffer.concat(upChunks));
        };
        if (state.mode === 'slow') setTimeout(finish, state.slowMs); else finish();
      });
    });
    // The store is down: the client sees its connection cut, as with a dead endpoint.
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  };
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); });
  return state;
}

/** Flags and environment of a studio uploading through the proxy. */
export function uploadArgs(proxyPort, { publicUrl = 'https://media.example', concurrency } = {}) {
  return [
    '--r2-endpoint', `http://127.0.0.1:${proxyPort}`, '--r2-bucket', BUCKET, '--r2-public-url', publicUrl,
    ...(concurrency ? ['--upload-concurrency', String(concurrency)] : []),
  ];
}
export const uploadEnv = (secret = SECRET_ACCESS_KEY) => ({ AFK_R2_ACCESS_KEY_ID: ACCESS_KEY_ID, AFK_R2_SECRET_ACCESS_KEY: secret });
