#!/usr/bin/env node
// Benchmark peer (not a test): the Node `socket.io` 4 server doing what afk-studio does for
// viewers, so tests/bench/viewer-bench.mjs can measure both with the same client in one run.
// On connect it emits channel-join; join-stream {streamKey} joins the room and answers
// stream-joined {streamKey, viewerCount, status}; every --segment-ms it emits
// stream-segments-updated {streamKey, segmentCount} to the room of --key (like a live stream's
// segments). GET /health answers 200. Same ping interval/timeout as afk-studio (25 s / 20 s).
//   node tests/bench/socketio-peer.mjs --port N [--key K] [--segment-ms 2000]
// Prints "listening <port>" on stdout once ready.
import http from 'node:http';
import { createRequire } from 'node:module';

// socket.io is a devDependency of tests/e2e (package-lock.json there).
const { Server } = createRequire(new URL('../e2e/package.json', import.meta.url))('socket.io');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const port = Number(opt('port', '0'));
const liveKey = opt('key', '');
const segmentMs = Number(opt('segment-ms', '2000'));

const httpServer = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', connections: io.engine.clientsCount }));
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(httpServer, {
  transports: ['websocket'],
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1048576,
  perMessageDeflate: false,
});

io.on('connection', (socket) => {
  socket.emit('channel-join', { channel: 'general', nickname: 'system' });
  socket.on('join-stream', (request) => {
    const streamKey = String(request?.streamKey ?? '');
    socket.join(streamKey);
    const viewerCount = io.sockets.adapter.rooms.get(streamKey)?.size ?? 0;
    socket.emit('stream-joined', { streamKey, viewerCount, status: 'live' });
  });
  socket.on('leave-stream', (request) => socket.leave(String(request?.streamKey ?? '')));
});

if (liveKey) {
  let segmentCount = 0;
  setInterval(() => {
    segmentCount += 1;
    io.to(liveKey).emit('stream-segments-updated', { streamKey: liveKey, segmentCount });
  }, segmentMs);
}

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});
