// A real RTMP server for the push tests: nginx with Debian's libnginx-mod-rtmp on loopback, its
// own config in a temp folder, recording every publish to <dir>/rec/<name>-<ts>.flv
// (the nginx-rtmp recipe of the team's testing notes, rewritten here).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { trackChild, waitFor } from './util.mjs';

const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** True when nginx and its rtmp module are installed. */
export function hasNginxRtmp() {
  return fs.existsSync(MODULE) && fs.existsSync('/usr/sbin/nginx');
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Start nginx-rtmp on 127.0.0.1:port recording into dir/rec. Returns { port, dir, recDir, stop(),
 * recordings() }. Workers run as nobody: the folders are opened to them, and the one above
 * (a mkdtemp folder, 0700) is made passable.
 */
export async function startNginxRtmp(dir, port) {
  const recDir = path.join(dir, 'rec');
  fs.mkdirSync(recDir, { recursive: true });
  fs.chmodSync(path.dirname(dir), 0o755);
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(recDir, 0o777);
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, `load_module ${MODULE};
daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:${port};
  application live { live on; record all; record_path ${recDir}; record_unique on; } } }
`);
  const child = trackChild(spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  let exit = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { exit = { code, signal }; resolve(exit); }));
  await waitFor(async () => {
    if (exit) throw Object.assign(new Error(`nginx exited (${JSON.stringify(exit)}): ${stderr}`), { fatal: true });
    return portAnswers(port);
  }, { timeoutMs: 15000, what: `nginx-rtmp on port ${port}` });
  return {
    port, dir, recDir,
    /** Fast shutdown (SIGTERM: a graceful one would wait for the publisher). */
    async stop() {
      if (!exit) child.kill('SIGTERM');
      await exited;
    },
    recordings() {
      return fs.readdirSync(recDir).filter((f) => f.endsWith('.flv')).sort().map((f) => path.join(recDir, f));
    },
    errorLog() {
      try { return fs.readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; }
    },
  };
}
