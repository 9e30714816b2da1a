// Verification of a signed request against the key ring, over a real SQLite key store.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { c2Timestamp, signRequest, type RequestToSign } from '../../src/auth/c2.js';
import { KeyRing, verifyRequest } from '../../src/auth/key-ring.js';
import { SecretBox } from '../../src/auth/secret-box.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const NOW = Date.parse('2025-03-04T05:06:07.000Z');
const SKEW = 15 * 60_000;
const AK = 'verify-ak';
const SK = 'verify-secret-0123456789';
const body = Buffer.from('{"ccId":1,"vdn":1,"offset":0,"limit":10}');
const request: RequestToSign = {
  method: 'POST',
  path: '/rest/cmsapp/v1/openapi/agentgroup/systemstate',
  query: '',
  headers: { host: '127.0.0.1:28080', 'content-type': 'application/json;charset=UTF-8' },
  body,
};

/** Keys with SKs of lengths around the HMAC block size (64 bytes) and at the limits. */
const EXTRA_KEYS: Array<[string, string]> = [16, 63, 64, 65, 200, 256].map((n) => [`len-${n}`, 'k'.repeat(n - 3) + 'end']);

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let ring: KeyRing;

before(async () => {
  dir = tempDir();
  store = await SqliteStore.open(dir.path);
  const box = new SecretBox(null);
  await store.createKey({ ak: AK, sealedSk: box.seal(SK), role: 'read', scopes: ['global'], rateLimit: null, createdAt: NOW });
  for (const [ak, sk] of EXTRA_KEYS) {
    await store.createKey({ ak, sealedSk: box.seal(sk), role: 'read', scopes: ['global'], rateLimit: null, createdAt: NOW });
  }
  ring = new KeyRing(store, box, () => NOW);
  await ring.reload();
});

after(async () => {
  await store.close();
  dir.remove();
});

const sign = (ts: string, req: RequestToSign = request, sk = SK, ak = AK) => signRequest(ak, sk, ts, req);
const verify = (auth: string, req: RequestToSign = request, skew = SKEW) => verifyRequest(ring, auth, req, NOW, skew);
const reasonOf = (v: ReturnType<typeof verify>) => (v.ok ? 'ok' : v.reason);

describe('verifying a request', () => {
  test('accepts a request signed with the key', () => {
    const v = verify(sign(c2Timestamp(NOW)));
    assert.ok(v.ok);
    assert.equal(v.key.ak, AK);
  });

  test('accepts the millisecond timestamp form', () => {
    assert.ok(verify(sign(new Date(NOW + 250).toISOString())).ok);
  });

  test('accepts up to the window and refuses beyond it, in both directions', () => {
    for (const d of [SKEW, -SKEW, SKEW - 1000]) assert.ok(verify(sign(c2Timestamp(NOW + d))).ok, `skew ${d}`);
    for (const d of [SKEW + 1000, -SKEW - 1000]) assert.match(reasonOf(verify(sign(c2Timestamp(NOW + d)))), /minutes/, `skew ${d}`);
    assert.match(reasonOf(verify(sign(new Date(NOW + SKEW + 1).toISOString()))), /minutes/);
  });

  test('uses the window it is given', () => {
    const auth = sign(c2Timestamp(NOW - 120_000));
    assert.ok(verify(auth, request, 180_000).ok);
    assert.equal(verify(auth, request, 60_000).ok, false);
  });

  test('refuses signed headers without host', () => {
    const noHost = { ...request, headers: { 'content-type': request.headers['content-type']! } };
    assert.match(reasonOf(verify(sign(c2Timestamp(NOW), noHost), noHost)), /host/);
  });

  test('refuses an unknown AK and says so, so the caller may look it up', () => {
    const v = verify(sign(c2Timestamp(NOW), request, SK, 'someone-else'));
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.unknownAk, 'someone-else');
  });

  test('refuses a signature made with another secret', () => {
    assert.match(reasonOf(verify(sign(c2Timestamp(NOW), request, SK + '!'))), /signature/);
  });

  test('refuses a tampered body, path, query, method or header value', () => {
    const auth = sign(c2Timestamp(NOW));
    const tampered: RequestToSign[] = [
      { ...request, body: Buffer.from(body.toString().replace('10', '11')) },
      { ...request, body: Buffer.concat([body, Buffer.from('\n')]) },
      { ...request, body: Buffer.alloc(0) },
      { ...request, path: '/rest/cmsapp/v1/ping' },
      { ...request, query: 'a=1' },
      { ...request, method: 'PUT' },
      { ...request, headers: { ...request.headers, host: '127.0.0.1:28081' } },
      { ...request, headers: { ...request.headers, 'content-type': 'application/json' } },
    ];
    for (const t of tampered) assert.match(reasonOf(verify(auth, t)), /signature/, JSON.stringify({ ...t, body: t.body.toString() }));
  });

  test('refuses a request missing a header the signature lists', () => {
    const signed = { ...request, headers: { ...request.headers, 'x-request-id': 'r1' } };
    assert.match(reasonOf(verify(sign(c2Timestamp(NOW), signed), request)), /x-request-id/);
  });

  test('ignores headers the signature does not list', () => {
    const withExtra = { ...request, headers: { ...request.headers, 'user-agent': 'anything' } };
    assert.ok(verify(sign(c2Timestamp(NOW)), withExtra).ok);
  });

  test('refuses the right signature with one hex digit changed, wherever it is', () => {
    const auth = sign(c2Timestamp(NOW));
    const sig = auth.slice(-64);
    for (const i of [0, 17, 40, 63]) {
      const flipped = sig.slice(0, i) + (sig[i] === '0' ? '1' : '0') + sig.slice(i + 1);
      assert.match(reasonOf(verify(auth.slice(0, -64) + flipped)), /signature/);
    }
    assert.ok(verify(auth.slice(0, -64) + sig.toUpperCase()).ok, 'hex case does not matter');
  });

  test('finds a key created after the ring was loaded once it is fetched, and forgets a deleted one on reload', async () => {
    const box = new SecretBox(null);
    await store.createKey({ ak: 'late', sealedSk: box.seal(SK), role: 'write', scopes: ['1/2'], rateLimit: null, createdAt: NOW });
    const auth = sign(c2Timestamp(NOW), request, SK, 'late');
    assert.equal(verify(auth).ok, false);
    const fetched = await ring.fetch('late');
    assert.equal(fetched?.role, 'write');
    assert.ok(verify(auth).ok);
    await store.deleteKey('late');
    await ring.reload();
    assert.equal(verify(auth).ok, false);
    assert.equal(await ring.fetch('late'), undefined);
  });
});

describe('verification against the signer, for any request', () => {
  const ascii = fc.string({ unit: fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)), maxLength: 24 });
  const value = fc.oneof({ weight: 4, arbitrary: ascii }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) });
  const requestArb = fc.record({
    method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
    path: fc.stringMatching(/^(\/[A-Za-z0-9._~%-]{1,10}){1,4}$/),
    query: fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z]{1,4}=[A-Za-z0-9%]{0,6}(&[a-z]{1,4}=[A-Za-z0-9]{0,6}){0,2}$/)),
    headers: fc.record({ host: ascii, 'content-type': value, 'x-a': value }, { requiredKeys: ['host'] }),
    body: fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 65_530, max: 65_560 }).map((n) => new Uint8Array(n).fill(0x7b)) }),
  });
  type Req = RequestToSign & { headers: Record<string, string> };
  /** One change to what is sent after signing. */
  const tamperArb = fc.oneof(
    fc.constant(null),
    fc.constant((r: Req): Req => ({ ...r, method: r.method === 'POST' ? 'PUT' : 'POST' })),
    fc.constant((r: Req): Req => ({ ...r, path: r.path + 'x' })),
    fc.constant((r: Req): Req => ({ ...r, query: r.query === '' ? 'a=1' : r.query + 'x' })),
    fc.constant((r: Req): Req => ({ ...r, headers: { ...r.headers, host: r.headers.host + ' ' } })),
    fc.constant((r: Req): Req => ({ ...r, body: Buffer.concat([r.body, Buffer.from('.')]) })),
    fc.nat().map((i) => (r: Req): Req => {
      if (r.body.length === 0) return { ...r, body: Buffer.from('x') };
      const b = Buffer.from(r.body);
      b[i % b.length]! ^= 1;
      return { ...r, body: b };
    }),
  );

  test('accepts exactly the requests whose signature the signer would make', () => {
    fc.assert(
      fc.property(requestArb, fc.constantFrom(...EXTRA_KEYS), fc.integer({ min: -900, max: 900 }), tamperArb, fc.boolean(), (req, [ak, sk], skewS, tamper, wrongSecret) => {
        const ts = c2Timestamp(NOW + skewS * 1000);
        const signed = { ...req, body: Buffer.from(req.body) } as Req;
        const auth = signRequest(ak, wrongSecret ? sk + 'x' : sk, ts, signed);
        const sent = tamper === null ? signed : tamper(signed);
        const verdict = verifyRequest(ring, auth, sent, NOW, SKEW);
        const expectedOk = !wrongSecret && signRequest(ak, sk, ts, sent) === auth;
        assert.equal(verdict.ok, expectedOk, reasonOf(verdict));
        if (verdict.ok) assert.equal(verdict.key.ak, ak);
        // the same request again (the caches now warm) gets the same verdict
        assert.equal(verifyRequest(ring, auth, sent, NOW, SKEW).ok, expectedOk);
      }),
      { numRuns: 400 },
    );
  });
});
