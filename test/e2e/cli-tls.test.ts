// ccmon serve over HTTPS with a self-signed certificate made by openssl, and the warning a plain
// HTTP server prints at start.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers.js';
import { assertOneLineFailure, ccmon, eventually, serve } from './processes.js';

const KEY = ['--ak', 'e2e-tls', '--sk', 'e2e-tls-secret-0123456789'];
const PLAIN_WARNING = /"level":"warn".*plain HTTP/;

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const noOpenssl = openssl.error ? 'openssl is not installed, so no certificate can be made for the HTTPS test' : false;

test('serves HTTPS with --tls-cert and --tls-key to a client trusting the certificate with --ca', { skip: noOpenssl }, async () => {
  const dir = tempDir('ccmon-e2e-tls-');
  const cert = join(dir.path, 'cert.pem');
  const key = join(dir.path, 'key.pem');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  const data = join(dir.path, 'data');
  assert.equal((await ccmon(['keys', 'create', ...KEY, '--role', 'read', '--scope', 'global', '--data', data])).code, 0);
  const server = await serve(['--data', data, '--tls-cert', cert, '--tls-key', key]);
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ping = ['ping', '--url', server.url, ...KEY];
    const [withCa, withCaEnv, untrusted, plain] = await Promise.all([
      ccmon([...ping, '--ca', cert]),
      ccmon(ping, { env: { CCMON_CA: cert } }),
      ccmon(ping, { env: { NODE_EXTRA_CA_CERTS: undefined } }),
      ccmon(['ping', '--url', server.url.replace('https:', 'http:'), ...KEY]),
    ]);
    assert.equal(withCa.stdout, '{"request":{"say":"Hello world!"},"status":"UP"}\n', withCa.stderr);
    assert.equal(withCaEnv.stdout, withCa.stdout, withCaEnv.stderr);
    assertOneLineFailure(untrusted, /cannot reach https:\/\/127\.0\.0\.1:\d+: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN) \(the server's certificate is not trusted: pass --ca FILE or set CCMON_CA\)$/, 1);
    assertOneLineFailure(plain, /cannot reach http:\/\/127\.0\.0\.1:\d+|HTTP 400/, 1);
    assert.doesNotMatch(server.stderr(), PLAIN_WARNING);
  } finally {
    assert.equal(await server.stop(), 0);
    dir.remove();
  }
});

test('refuses a certificate or key file that is not PEM with one line', { skip: noOpenssl }, async () => {
  const dir = tempDir('ccmon-e2e-tls-');
  try {
    const junk = join(dir.path, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const r = await ccmon(['serve', '--port', '0', '--data', join(dir.path, 'data'), '--tls-cert', junk, '--tls-key', junk]);
    assertOneLineFailure(r, /^ccmon: the TLS certificate .*junk\.pem or key .*junk\.pem cannot be used: /, 1);
    const missing = await ccmon(['serve', '--port', '0', '--data', join(dir.path, 'data'), '--tls-cert', join(dir.path, 'none.pem'), '--tls-key', junk]);
    assertOneLineFailure(missing, /^ccmon: cannot open .*none\.pem: no such file or directory$/, 1);
  } finally {
    dir.remove();
  }
});

test('a plain HTTP server prints a warning line at start', async () => {
  const dir = tempDir('ccmon-e2e-plain-');
  const server = await serve(['--data', dir.path]);
  try {
    assert.match(server.url, /^http:\/\//);
    await eventually(async () => PLAIN_WARNING.test(server.stderr()), 3000);
    const warnings = server.stderr().split('\n').filter((l) => PLAIN_WARNING.test(l));
    assert.equal(warnings.length, 1, server.stderr());
    assert.match(warnings[0]!, /--tls-cert/);
  } finally {
    await server.stop();
    dir.remove();
  }
});
