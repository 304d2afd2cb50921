// A local stand-in for Cloudinary's APIs that checks the requests the studio sends exactly as
// Cloudinary documents them and answers with the documented response shapes:
// - Live Streaming API (cloudinary.com/documentation/video_live_streaming_reference): HTTP Basic
//   key:secret; POST /v2/video/<cloud>/live_streams {name, input:{type:"rtmp"}, idle_timeout_sec,
//   max_runtime_sec}; POST …/<id>/activate, POST …/<id>/idle, DELETE …/<id>.
// - Upload API (cloudinary.com/documentation/image_upload_api_reference): POST
//   /v1_1/<cloud>/<raw|video>/upload, multipart with file, api_key, timestamp, public_id and the
//   signature, checked against the one the official cloudinary SDK computes.
// - Delivery: GET /<cloud>/<raw|video>/upload/<public id> serves the newest stored bytes (as
//   res.cloudinary.com does for raw files), so a stand-in base is also the public base.
import crypto from 'node:crypto';
import http from 'node:http';
import { v2 as cloudinary } from 'cloudinary';

/**
 * Start the stand-in. ingest: { uri, streamKey } handed out as the live stream's RTMP input;
 * the first failCreates creates are answered 503 (after their checks).
 * Returns { port, base, requests, problems, hlsUrl, uploads, stored, setUploadAnswer(status, body), close() }.
 * `uploads` lists every upload in arrival order with the status it was answered; `stored` maps
 * "<raw|video>/<public id>" to the newest bytes answered 200.
 * Every request is logged in `requests`; anything not as documented is added to `problems`.
 */
export async function startCloudinaryStandIn({ cloud, apiKey, apiSecret, ingest, failCreates = 0 }) {
  const state = {
    requests: [],
    problems: [],
    uploads: [],
    liveStreams: new Map(),
    uploadAnswer: null, // { status, body } to answer the next uploads with instead of success
    stored: new Map(),
  };
  const liveBase = `/v2/video/${cloud}/live_streams`;
  const expectedAuth = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
  const requestId = () => crypto.randomBytes(16).toString('hex');
  const problem = (text) => state.problems.push(text);

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://standin');
    state.requests.push({ method: req.method, path: url.pathname, headers: req.headers, body: body.toString('utf8') });
    const send = (status, json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };

    if (url.pathname.startsWith(liveBase)) {
      if (req.headers.authorization !== expectedAuth) {
        problem(`${req.method} ${url.pathname}: Authorization is not Basic key:secret`);
        return send(401, { request_id: requestId(), error: { message: 'Invalid credentials' } });
      }
      const rest = url.pathname.slice(liveBase.length).split('/').filter(Boolean);
      if (req.method === 'POST' && rest.length === 0) {
        if (!String(req.headers['content-type'] || '').startsWith('application/json')) problem('create: Content-Type is not application/json');
        let json;
        try { json = JSON.parse(body.toString('utf8')); } catch { problem('create: body is not JSON'); return send(400, { request_id: requestId(), error: { message: 'bad JSON' } }); }
        const keys = Object.keys(json).sort().join(',');
        if (keys !== 'idle_timeout_sec,input,max_runtime_sec,name') problem(`create: body keys are ${keys}`);
        if (JSON.stringify(json.input) !== '{"type":"rtmp"}') problem(`create: input is ${JSON.stringify(json.input)}`);
        if (typeof json.name !== 'string' || !json.name) problem('create: name is not a non-empty string');
        if (!Number.isInteger(json.idle_timeout_sec) || !Number.isInteger(json.max_runtime_sec)) problem('create: timeouts are not integers');
        if (failCreates > 0) {
          failCreates -= 1;
          return send(503, { request_id: requestId(), error: { message: 'Service Unavailable' } });
        }
        const id = crypto.randomBytes(16).toString('hex');
        const now = Date.now();
        const data = {
          id,
          name: json.name,
          input: { type: 'rtmp', uri: ingest.uri, stream_key: ingest.streamKey },
          status: 'idle',
          outputs: [
            { id: crypto.randomBytes(16).toString('hex'), name: 'default hls', type: 'hls', uri: `https://res.cloudinary.com/${cloud}/video/live/live_stream_${id}_hls.m3u8`, created_at: now, updated_at: now },
            { id: crypto.randomBytes(16).toString('hex'), name: 'default archive', type: 'archive', public_id: `live_stream_${id}_archive`, created_at: now, updated_at: now },
          ],
          idle_timeout_sec: json.idle_timeout_sec,
          max_runtime_sec: json.max_runtime_sec,
          created_at: now,
          updated_at: now,
        };
        state.liveStreams.set(id, data);
        state.hlsUrl = data.outputs[0].uri;
        return send(200, { request_id: requestId(), data });
      }
      const stream = state.liveStreams.get(rest[0]);
      if (!stream) {
        problem(`${req.method} ${url.pathname}: no such live stream`);
        return send(404, { request_id: requestId(), error: { message: 'Live stream not found' } });
      }
      if (req.method === 'POST' && rest.length === 2 && (rest[1] === 'activate' || rest[1] === 'idle')) {
        stream.status = rest[1] === 'activate' ? 'active' : 'idle';
        return send(200, { request_id: requestId(), data: { message: `live stream ${rest[1] === 'activate' ? 'activated' : 'idled'}` } });
      }
      if (req.method === 'DELETE' && rest.length === 1) {
        state.liveStreams.delete(rest[0]);
        return send(200, { request_id: requestId(), data: { message: 'live stream deleted' } });
      }
      problem(`${req.method} ${url.pathname}: not a documented live stream call`);
      return send(404, { request_id: requestId(), error: { message: 'not found' } });
    }

    const upload = url.pathname.match(new RegExp(`^/v1_1/${cloud}/(raw|video)/upload$`));
    if (upload && req.method === 'POST') {
      let form;
      try {
        form = await new Request('http://standin/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] || '' }, body }).formData();
      } catch (e) {
        problem(`upload: not multipart/form-data (${e.message})`);
        return send(400, { error: { message: 'not multipart' } });
      }
      const fields = {};
      for (const [name, value] of form.entries()) {
        if (name !== 'file') fields[name] = value;
      }
      const file = form.get('file');
      const names = Object.keys(fields).sort().join(',');
      if (names !== 'api_key,public_id,signature,timestamp' && names !== 'api_key,invalidate,public_id,signature,timestamp') problem(`upload: fields are ${names}`);
      if (fields.invalidate !== undefined && fields.invalidate !== 'true') problem(`upload: invalidate is ${fields.invalidate}`);
      if (fields.api_key !== apiKey) problem('upload: api_key is not the key');
      if (!/^\d+$/.test(fields.timestamp || '') || Math.abs(Number(fields.timestamp) - Date.now() / 1000) > 3600) problem(`upload: timestamp ${fields.timestamp} is not unix seconds of now`);
      // The official SDK signs the same parameters the studio signed (all but file, api_key…).
      const signed = { public_id: fields.public_id, timestamp: fields.timestamp };
      if (fields.invalidate !== undefined) signed.invalidate = fields.invalidate;
      const expected = cloudinary.utils.api_sign_request(signed, apiSecret);
      const record = { resourceType: upload[1], fields, expectedSignature: expected, bytes: file ? Buffer.from(await file.arrayBuffer()) : null, fileName: file?.name };
      state.uploads.push(record);
      if (fields.signature !== expected) {
        problem(`upload: signature ${fields.signature} is not the SDK's ${expected}`);
        record.status = 401;
        return send(401, { error: { message: 'Invalid Signature' } });
      }
      if (state.uploadAnswer) {
        record.status = state.uploadAnswer.status;
        return send(state.uploadAnswer.status, state.uploadAnswer.body);
      }
      record.status = 200;
      state.stored.set(`${upload[1]}/${fields.public_id}`, record.bytes);
      const version = Math.floor(Date.now() / 1000);
      const secureUrl = `https://res.cloudinary.com/${cloud}/${upload[1]}/upload/v${version}/${fields.public_id}`;
      return send(200, {
        asset_id: crypto.randomBytes(16).toString('hex'),
        public_id: fields.public_id,
        version,
        version_id: crypto.randomBytes(16).toString('hex'),
        signature: crypto.createHash('sha1').update(`public_id=${fields.public_id}&version=${version}${apiSecret}`).digest('hex'),
        resource_type: upload[1],
        created_at: new Date().toISOString(),
        bytes: record.bytes ? record.bytes.length : 0,
        type: 'upload',
        url: secureUrl.replace('https:', 'http:'),
        secure_url: secureUrl,
        original_filename: fields.public_id.split('/').pop(),
      });
    }
    const delivery = url.pathname.match(new RegExp(`^/${cloud}/(raw|video)/upload/(.+)$`));
    if (delivery && req.method === 'GET') {
      const bytes = state.stored.get(`${delivery[1]}/${delivery[2]}`);
      if (!bytes) { res.writeHead(404); return res.end(); }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(bytes);
    }
    problem(`${req.method} ${url.pathname}: not a Cloudinary API path`);
    return send(404, { error: { message: 'not found' } });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    get requests() { return state.requests; },
    get problems() { return state.problems; },
    get uploads() { return state.uploads; },
    get stored() { return state.stored; },
    get hlsUrl() { return state.hlsUrl; },
    setUploadAnswer(status, body) { state.uploadAnswer = status ? { status, body } : null; },
    close() { server.closeAllConnections?.(); return new Promise((resolve) => server.close(resolve)); },
  };
}
