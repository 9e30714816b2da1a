// The server's allocation-light signature check must compute exactly what signatureOf does, and
// verifyRequest must give the same verdict whichever path decides it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { c2Timestamp, fastSignature, headerLayout, hmacBlocks, hmacHex, signRequest, signatureOf, type RequestToSign } from '../../src/auth/c2.js';
import { KeyRing, verifyRequest } from '../../src/auth/key-ring.js';
import { SecretBox } from '../../src/auth/secret-box.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const headerName = fc.constantFrom('host', 'host-x', 'hos', 'content-type', 'content-length', 'x-a', 'x-a-b', 'x_z', 'a.b', 'x~');
const asciiValue = fc.string({ maxLength: 40 });
const anyValue = fc.oneof(asciiValue, fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }));
const body = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)));
const request = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
  path: fc.oneof(fc.constant('/rest/cmsapp/v1/openapi/agentgroup/systemstate'), fc.string({ maxLength: 30 }).map((s) => '/' + s)),
  query: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
  names: fc.uniqueArray(headerName, { minLength: 1, maxLength: 5 }),
  values: fc.array(anyValue, { minLength: 5, maxLength: 5 }),
  body,
});

test('the fast signature equals signatureOf for any request it accepts, and accepts every ASCII one', () => {
  fc.assert(
    fc.property(request, fc.string({ minLength: 1, maxLength: 80 }), (r, signingKey) => {
      const headers: Record<string, string> = {};
      r.names.forEach((n, i) => (headers[n] = r.values[i]!));
      const req: RequestToSign = { method: r.method, path: r.path, query: r.query, headers, body: r.body };
      const fast = fastSignature(hmacBlocks(signingKey), req, r.names.join(';'), headerLayout(r.names));
      const ascii = Object.values(headers).every((v) => /^[\x00-\x7f]*$/.test(v));
      if (ascii) assert.ok(fast, 'an ASCII request takes the fast path');
      if (fast) assert.deepEqual(fast, signatureOf(signingKey, req, r.names));
    }),
    { numRuns: 2000 },
  );
});

test('the fast signature matches the published test vector', () => {
  const names = ['content-length', 'content-type', 'host'];
  const req: RequestToSign = {
    method: 'POST',
    path: '/rest/cmsapp/v1/openapi/agentgroup/systemstate',
    query: '',
    headers: { host: '10.22.26.181:28080', 'content-type': 'application/json;charset=UTF-8', 'content-length': '40' },
    body: Buffer.from('{"ccId":1,"vdn":1,"offset":0,"limit":10}'),
  };
  const authorization = signRequest('globalaktest', 'example-sk-0123456789', '2024-01-01T00:00:00Z', req);
  assert.equal(authorization.split('/')[4], '15ec59e53dd147458f8c44c0cc72773248155f0d45df19efc4a48ec48aab528d');
  const signingKey = hmacHex('example-sk-0123456789', authorization.split('/').slice(0, 4).join('/'));
  assert.equal(fastSignature(hmacBlocks(signingKey), req, names.join(';'), headerLayout(names))!.toString('hex'), authorization.split('/')[4]);
});

const NOW = Date.parse('2025-03-04T05:06:07.000Z');
let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let ring: KeyRing;

before(async () => {
  dir = tempDir();
  store = await SqliteStore.open(dir.path);
  await store.createKey({ ak: 'fast-ak', sealedSk: 'plain:fast-secret-0123456789', role: 'read', scopes: ['global'], rateLimit: null, createdAt: NOW });
  ring = new KeyRing(store, new SecretBox(null), () => NOW);
  await ring.reload();
});

after(async () => {
  await store.close();
  dir.remove();
});

test('verifyRequest accepts every correctly signed request and refuses it after any change to a signed byte', () => {
  fc.assert(
    fc.property(request, fc.nat(), fc.integer({ min: -60, max: 60 }), (r, flip, secondsOff) => {
      const headers: Record<string, string> = { host: '127.0.0.1:8080' };
      r.names.forEach((n, i) => (headers[n] = r.values[i]!.replace(/[^\x20-\x7e]/g, '')));
      const req: RequestToSign = { method: r.method, path: r.path, query: r.query, headers, body: Buffer.from(r.body) };
      const authorization = signRequest('fast-ak', 'fast-secret-0123456789', c2Timestamp(NOW + secondsOff * 1000), req);
      const ok = verifyRequest(ring, authorization, req, NOW, 15 * 60_000);
      assert.equal(ok.ok, true, ok.ok ? '' : ok.reason);
      if (req.body.length > 0) {
        const changed = Buffer.from(req.body);
        changed[flip % changed.length] ^= 1 << (flip % 8);
        const bad = verifyRequest(ring, authorization, { ...req, body: changed }, NOW, 15 * 60_000);
        assert.deepEqual(bad, { ok: false, reason: 'the signature does not match the request' });
      }
      const otherHost = verifyRequest(ring, authorization, { ...req, headers: { ...headers, host: headers.host + '1' } }, NOW, 15 * 60_000);
      assert.equal(otherHost.ok, false);
    }),
    { numRuns: 500 },
  );
});

test('verifyRequest refuses a request signed at a time outside the window on both paths', () => {
  const req: RequestToSign = { method: 'POST', path: '/p', query: '', headers: { host: 'h' }, body: Buffer.from('{}') };
  const late = signRequest('fast-ak', 'fast-secret-0123456789', c2Timestamp(NOW - 16 * 60_000), req);
  const verdict = verifyRequest(ring, late, req, NOW, 15 * 60_000);
  assert.equal(verdict.ok, false);
  assert.match((verdict as { reason: string }).reason, /more than 15 minutes/);
});
