// A hand-written RTMP publisher (Adobe's RTMP specification 1.0, sections 5.2-5.4 and 7.2; AMF0
// from Adobe's AMF0 specification) for what real encoders never do: go silent after publish,
// send an enhanced-RTMP (FourCC) video header, and the fuzzed handshakes and chunk headers of
// rtmp-fuzz.test.mjs. It writes chunk streams byte by byte so that tests can mutate them.
import crypto from 'node:crypto';
import net from 'node:net';

const HANDSHAKE_BYTES = 1536;

/** AMF0 values: numbers, strings, booleans, null, plain objects. */
export function amf0(...values) {
  const parts = [];
  const string = (s) => {
    const bytes = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const encode = (value) => {
    if (value === null || value === undefined) parts.push(Buffer.from([0x05]));
    else if (typeof value === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0x00;
      b.writeDoubleBE(value, 1);
      parts.push(b);
    } else if (typeof value === 'boolean') parts.push(Buffer.from([0x01, value ? 1 : 0]));
    else if (typeof value === 'string') parts.push(Buffer.from([0x02]), string(value));
    else {
      parts.push(Buffer.from([0x03]));
      for (const [key, v] of Object.entries(value)) {
        parts.push(string(key));
        encode(v);
      }
      parts.push(Buffer.from([0x00, 0x00, 0x09]));
    }
  };
  values.forEach(encode);
  return Buffer.concat(parts);
}

/**
 * One message as chunks: a type 0 chunk header on chunk stream csid (2-63), then type 3
 * continuation headers every chunkSize bytes.
 */
export function chunks({ csid = 3, timestamp = 0, typeId, streamId = 0, payload, chunkSize = 128 }) {
  const header = Buffer.alloc(12);
  header[0] = csid & 0x3f;
  header.writeUIntBE(Math.min(timestamp, 0xffffff), 1, 3);
  header.writeUIntBE(payload.length, 4, 3);
  header[7] = typeId;
  header.writeUInt32LE(streamId, 8); // the message stream id is little-endian (5.3.1.2.1)
  const parts = [header];
  for (let offset = 0; offset < payload.length; offset += chunkSize) {
    if (offset > 0) parts.push(Buffer.from([0xc0 | (csid & 0x3f)]));
    parts.push(payload.subarray(offset, offset + chunkSize));
  }
  return Buffer.concat(parts);
}

/** C0 and C1: version 3, time, zeros, random bytes. */
export function c0c1() {
  return Buffer.concat([Buffer.from([3]), Buffer.alloc(8), crypto.randomBytes(HANDSHAKE_BYTES - 8)]);
}

/** C2 (the server does not check that it echoes S1, as the digest-less handshake allows). */
export function c2() {
  return crypto.randomBytes(HANDSHAKE_BYTES);
}

/** connect, createStream and publish of a publisher to rtmp://…/live/<key>, as chunks. */
export function publishCommands(key, { port = 1935 } = {}) {
  return Buffer.concat([
    chunks({ typeId: 20, payload: amf0('connect', 1, { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl: `rtmp://127.0.0.1:${port}/live` }) }),
    chunks({ typeId: 20, payload: amf0('createStream', 2, null) }),
    chunks({ csid: 4, typeId: 20, streamId: 1, payload: amf0('publish', 3, null, key, 'live') }),
  ]);
}

/**
 * A TCP connection to the studio's RTMP port that collects what comes back.
 * `closed` resolves (with all received bytes) when the studio closes it.
 */
export function rtmpConnection(port) {
  const socket = net.connect(port, '127.0.0.1');
  const received = [];
  let onData = null;
  const connected = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // a reset is a close too
  socket.on('data', (d) => { received.push(d); onData?.(); });
  const closed = new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(received))));
  return {
    socket,
    connected,
    closed,
    write: (bytes) => socket.write(bytes),
    text: () => Buffer.concat(received).toString('latin1'),
    /** Resolves once what came back contains `marker` (a string), rejects after timeoutMs. */
    waitFor(marker, timeoutMs = 20000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (Buffer.concat(received).includes(marker)) { clearTimeout(timer); onData = null; resolve(); }
        };
        const timer = setTimeout(() => { onData = null; reject(new Error(`no "${marker}" from the studio`)); }, timeoutMs);
        onData = check;
        check();
      });
    },
  };
}
