// Nostr helpers for the e2e suites: a real relay (tests/nostr/relay, @nostr-relay) on loopback,
// raw relay exchanges, and a studio identity made with `afk-studio keys` in a throwaway config.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { nip19 } from 'nostr-tools';
import { studioBin } from './studio.mjs';
import { tempDir, waitFor, REPO_ROOT } from './util.mjs';

const RELAY_SCRIPT = path.join(REPO_ROOT, 'tests', 'nostr', 'relay', 'relay.mjs');

/** Starts the relay on a free port: { child, url }. Stop it with child.kill(). */
export async function startRelay() {
  const child = spawn(process.execPath, [RELAY_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
  });
  return { child, url: JSON.parse(line).url };
}

/** One WebSocket exchange with the relay: resolves with what `done` returns (non-undefined). */
export function relayExchange(url, first, done, what) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => { socket.close(); reject(new Error(`relay: no answer to ${what}`)); }, 10000);
    socket.on('open', () => socket.send(JSON.stringify(first)));
    socket.on('message', (data) => {
      const result = done(JSON.parse(data.toString()));
      if (result !== undefined) { clearTimeout(timer); socket.close(); resolve(result); }
    });
    socket.on('error', reject);
  });
}

/** Publishes a (possibly broken) event as raw JSON: resolves with the relay's [accepted, message]. */
export const publishRaw = (url, event) => relayExchange(url, ['EVENT', event],
  (m) => (m[0] === 'OK' && m[1] === event.id ? [m[2], m[3]] : undefined), `EVENT ${event.id}`);

/** Stored events matching filter (REQ … EOSE). */
export function query(url, filter) {
  const events = [];
  return relayExchange(url, ['REQ', 'q', filter], (m) => {
    if (m[0] === 'EVENT') events.push(m[2]);
    return m[0] === 'EOSE' ? events : undefined;
  }, 'REQ');
}

export const tagValues = (event, name) => event.tags.filter((t) => t[0] === name).map((t) => t[1]);

/** Waits until the studio printed a stdout line matching pattern; returns the match. */
export function waitForLine(handle, pattern, timeoutMs = 60000) {
  return waitFor(() => {
    if (handle.exitInfo) throw Object.assign(new Error(`afk-studio exited\n${handle.describe()}`), { fatal: true });
    return handle.out.stdout.match(pattern);
  }, { timeoutMs, intervalMs: 200, what: `a line matching ${pattern}` });
}

/**
 * A studio identity: sets XDG_CONFIG_HOME and AFK_KEY_PASSWORD in this process (the studio and
 * its CLI inherit them) and generates a key. restore() puts the environment back and removes
 * the config.
 */
export function studioIdentity(password = 'e2e password') {
  const config = tempDir('afk-nostr-config-');
  const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, AFK_KEY_PASSWORD: process.env.AFK_KEY_PASSWORD };
  process.env.XDG_CONFIG_HOME = config.dir;
  process.env.AFK_KEY_PASSWORD = password;
  const keyEnv = { ...process.env, AFK_KEY_SCRYPT_LOG_N: '12' };
  const generated = spawnSync(studioBin(), ['keys', 'generate', '--name', 'host'], { env: keyEnv, encoding: 'utf8' });
  if (generated.status !== 0) throw new Error(`keys generate failed: ${generated.stderr}`);
  const npub = generated.stdout.split(' ')[0];
  const nsec = spawnSync(studioBin(), ['keys', 'export', '--nsec'], { env: keyEnv, encoding: 'utf8' }).stdout.trim();
  return {
    npub,
    pubkey: nip19.decode(npub).data,
    nsec,
    secretHex: Buffer.from(nip19.decode(nsec).data).toString('hex'),
    keyEnv,
    restore() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      config.cleanup();
    },
  };
}
