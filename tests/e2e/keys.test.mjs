// The key manager CLI (`afk-studio keys …`) checked against nostr-tools as the oracle: what we
// generate and export decodes there, what it makes imports here, and no secret reaches the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generateSecretKey, getPublicKey, nip19 } from 'nostr-tools';
import * as nip49 from 'nostr-tools/nip49';
const bytesToHex = (bytes) => Buffer.from(bytes).toString('hex');
import { tempDir, trackChild, waitFor, REPO_ROOT } from './lib/util.mjs';

const BIN = process.env.AFK_STUDIO_BIN || path.join(REPO_ROOT, 'build/app/afk-studio');
const PASSWORD = 'correct horse ☃ battery';

function keys(configHome, args, { password = PASSWORD, input } = {}) {
  const env = { ...process.env, XDG_CONFIG_HOME: configHome, AFK_KEY_SCRYPT_LOG_N: '12' };
  if (password === null) delete env.AFK_KEY_PASSWORD;
  else env.AFK_KEY_PASSWORD = password;
  const result = spawnSync(BIN, ['keys', ...args], { env, input: input ?? '', encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

test('generated keys decode in nostr-tools, and the ncryptsec decrypts to the same key', () => {
  const { dir, cleanup } = tempDir('afk-keys-');
  try {
    const generated = keys(dir, ['generate', '--name', 'studio']);
    assert.equal(generated.code, 0, generated.stderr);
    const npub = generated.stdout.split(' ')[0];
    const decoded = nip19.decode(npub);
    assert.equal(decoded.type, 'npub');

    const listed = keys(dir, ['list']);
    assert.equal(listed.stdout, `* ${npub} studio`);

    const ncryptsec = keys(dir, ['export', '--ncryptsec']).stdout;
    assert.match(ncryptsec, /^ncryptsec1/);
    const secret = nip49.decrypt(ncryptsec, PASSWORD);
    assert.equal(getPublicKey(secret), decoded.data);

    const exportedNsec = keys(dir, ['export', '--nsec']);
    assert.equal(exportedNsec.code, 0);
    assert.match(exportedNsec.stderr, /warning/);
    const nsec = nip19.decode(exportedNsec.stdout);
    assert.equal(nsec.type, 'nsec');
    assert.equal(bytesToHex(nsec.data), bytesToHex(secret));

    // At rest: mode 0600, no clear secret in any form.
    const file = path.join(dir, 'afk-host-studio', 'nostr-keys.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const stored = fs.readFileSync(file, 'utf8');
    assert.ok(!stored.includes(exportedNsec.stdout));
    assert.ok(!stored.includes(bytesToHex(secret)));
  } finally {
    cleanup();
  }
});

test('keys made by nostr-tools import as nsec (stdin), hex and ncryptsec', () => {
  const { dir, cleanup } = tempDir('afk-keys-');
  try {
    const first = generateSecretKey();
    const viaStdin = keys(dir, ['import', '-', '--name', 'from-nsec'], { input: nip19.nsecEncode(first) + '\n' });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.equal(viaStdin.stdout.split(' ')[0], nip19.npubEncode(getPublicKey(first)));

    const second = generateSecretKey();
    const viaHex = keys(dir, ['import', bytesToHex(second), '--name', 'from-hex']);
    assert.equal(viaHex.code, 0, viaHex.stderr);
    assert.equal(viaHex.stdout.split(' ')[0], nip19.npubEncode(getPublicKey(second)));

    const third = generateSecretKey();
    const theirNcryptsec = nip49.encrypt(third, PASSWORD, 12, 0x01);
    const viaNcryptsec = keys(dir, ['import', theirNcryptsec, '--name', 'from-ncryptsec']);
    assert.equal(viaNcryptsec.code, 0, viaNcryptsec.stderr);
    assert.equal(viaNcryptsec.stdout.split(' ')[0], nip19.npubEncode(getPublicKey(third)));

    assert.equal(keys(dir, ['use', 'from-hex']).code, 0);
    const listed = keys(dir, ['list']).stdout.split('\n');
    assert.equal(listed.length, 3);
    assert.ok(listed.includes(`* ${nip19.npubEncode(getPublicKey(second))} from-hex`));
    assert.equal(keys(dir, ['export', '--npub']).stdout, nip19.npubEncode(getPublicKey(second)));

    assert.equal(keys(dir, ['remove', 'from-nsec']).code, 0);
    assert.equal(keys(dir, ['list']).stdout.split('\n').length, 2);
  } finally {
    cleanup();
  }
});

test('wrong password, missing password and bad usage are clear errors', () => {
  const { dir, cleanup } = tempDir('afk-keys-');
  try {
    assert.equal(keys(dir, ['generate']).code, 0);
    const wrong = keys(dir, ['export', '--nsec'], { password: 'not it' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong password/);
    assert.equal(wrong.stdout, '');

    const missing = keys(dir, ['generate'], { password: null });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /AFK_KEY_PASSWORD/);

    assert.equal(keys(dir, ['bogus']).code, 2);
    assert.equal(keys(dir, ['use']).code, 2);
    assert.equal(keys(dir, ['import', 'nsec1notakey']).code, 1);
    const help = keys(dir, ['--help']);
    assert.equal(help.code, 0);
    for (const word of ['generate', 'import', 'list', 'use', 'export', 'remove', 'AFK_KEY_PASSWORD', '--key-password-file'])
      assert.ok(help.stdout.includes(word), word);
  } finally {
    cleanup();
  }
});

// Ctrl-C at the password prompt, on a terminal (`script` gives the program a pty), ends the
// program at once with the terminal's echo back on. The shell ignores SIGINT itself so that it
// lives on to report the exit status and the terminal modes; the program sets its own handler.
const hasScript = spawnSync('script', ['--version']).status === 0;
for (const [what, argsFor] of [
  ['keys generate', () => ['keys', 'generate', '--name', 'studio']],
  ['--relay start-up', (dir) => ['--headless', '--source', 'none', '--port', '0', '--stats-interval', '0',
    '--data-dir', path.join(dir, 'streams'), '--relay', 'ws://127.0.0.1:9']],
]) {
  test(`Ctrl-C at the password prompt of ${what} ends the program at once, echo restored`,
    { skip: !hasScript && 'no script(1)', timeout: 90000 }, async () => {
      const { dir, cleanup } = tempDir('afk-keys-');
      let child;
      try {
        if (what !== 'keys generate') assert.equal(keys(dir, ['generate']).code, 0);
        const env = { ...process.env, XDG_CONFIG_HOME: dir, AFK_KEY_SCRYPT_LOG_N: '12' };
        delete env.AFK_KEY_PASSWORD;
        const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;
        const command = `trap '' INT; ${[BIN, ...argsFor(dir)].map(quote).join(' ')}; echo "exit=$?"; stty -a`;
        child = trackChild(spawn('script', ['-qec', `sh -c ${quote(command)}`, '/dev/null'], { env }));
        let output = '';
        child.stdout.on('data', (data) => { output += data; });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await waitFor(() => output.includes('Key password:'), { timeoutMs: 30000, what: 'the prompt' });
        const promptAt = output.length;
        child.stdin.write('\x03');
        await waitFor(() => /exit=\d+[\s\S]*speed/.test(output.slice(promptAt)),
          { timeoutMs: 15000, what: `the program to end after Ctrl-C (output: ${JSON.stringify(output)})` });
        const after = output.slice(promptAt);
        assert.match(after, /exit=130\b/, 'did not die of SIGINT');
        assert.match(after, /(^|\s)echo(\s|$)/m, `echo is still off:\n${after}`);
        if (what === 'keys generate')
          assert.ok(!fs.existsSync(path.join(dir, 'afk-host-studio', 'nostr-keys.json')), 'a key was stored');
        await exited;
      } finally {
        if (child && child.exitCode === null) child.kill('SIGKILL');
        cleanup();
      }
    });
}
