// SPEC section 3 over HTTP: every way a C2 Authorization can be wrong answers 401 / 0101003,
// the accepted timestamp forms, and the clock window (default 15 minutes, configurable).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { c2Timestamp, signRequest } from '../../src/auth/c2.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { loadFixture } from './fixture.js';
import { SYSTEM_STATE, addKey, failureOf, query, raw, successText, type RawKey } from './raw.js';

const Q = JSON.stringify({ ccId: 1, vdn: 1, offset: 0, limit: 100 });
const FULL = successText(4, 3, 3);

describe('a request with a wrong Authorization', () => {
  let server: TestServer;
  let key: RawKey;

  before(async () => {
    server = await startTestServer();
    await loadFixture(await server.client('admin'));
    key = await addKey(server, 'read');
  });
  after(() => server.close());

  const unauthorized = async (r: Parameters<typeof raw>[1], mentions?: RegExp) => {
    const desc = failureOf(await raw(server.url, r), 401, '0101003');
    if (mentions) assert.match(desc, mentions);
  };

  test('is served when everything is right (the baseline of this group)', async () => {
    assert.equal((await query(server.url, key, Q)).text, FULL);
  });

  test('is refused without an Authorization header', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q }, /missing/);
  });

  test('is refused when the header is malformed', async () => {
    const good = signRequest(key.ak, key.sk, c2Timestamp(Date.now()), {
      method: 'POST', path: SYSTEM_STATE, query: '', headers: { host: new URL(server.url).host }, body: Buffer.from(Q),
    });
    const parts = good.split('/');
    for (const bad of [
      'Bearer abc',
      'auth-v2',
      good.replace('auth-v2/', 'auth-v1/'),
      good + '/extra',
      parts.slice(0, 4).join('/'),
      [parts[0], '', ...parts.slice(2)].join('/'),
      [...parts.slice(0, 4), parts[4]!.slice(0, 63)].join('/'),
      [...parts.slice(0, 4), parts[4]!.slice(0, 63) + 'g'].join('/'),
      [...parts.slice(0, 3), 'HOST', parts[4]].join('/'),
      [...parts.slice(0, 3), 'host;', parts[4]].join('/'),
      [parts[0], parts[1], '2024-01-01 00:00:00Z', ...parts.slice(3)].join('/'),
      [parts[0], parts[1], '2024-02-30T00:00:00Z', ...parts.slice(3)].join('/'),
    ]) {
      await unauthorized({ path: SYSTEM_STATE, body: Q, authorization: bad });
    }
  });

  test('is refused for an unknown AK', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q, key: { ak: 'nobody-has-this-ak', sk: key.sk } }, /unknown AK/);
  });

  test('is refused when signed with another secret', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q, key: { ak: key.ak, sk: key.sk + 'x' } }, /signature/);
  });

  test('is refused when the body was changed after signing', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q.replace('"limit":100', '"limit":10'), key, sign: { body: Q } });
    await unauthorized({ path: SYSTEM_STATE, body: Q + ' ', key, sign: { body: Q } });
  });

  test('is refused when the path was changed after signing', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { path: '/rest/cmsapp/v1/ping' } });
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { path: SYSTEM_STATE.toUpperCase() } });
  });

  test('is refused when the query string was changed or added after signing', async () => {
    await unauthorized({ path: SYSTEM_STATE + '?a=1', body: Q, key, sign: { path: SYSTEM_STATE } });
    await unauthorized({ path: SYSTEM_STATE + '?a=2', body: Q, key, sign: { path: SYSTEM_STATE + '?a=1' } });
  });

  test('is served for any body bytes it signed: spaces, escapes and UTF-8', async () => {
    for (const body of [
      ' { "queryParam" : { "ccId" : 1 , "vdn" : 1 , "offset" : 0 , "limit" : 100 } }\n',
      '{"ccId":1,"vdn":1,"offset":0,"limit":100,"note":"caf\u00e9 – 中文 😀"}',
      '{"ccId":1,"vdn":1,"offset":0,"limit":100,"note":"café – 中文 😀"}',
    ]) {
      assert.equal((await query(server.url, key, body)).text, FULL, body);
    }
  });

  test('is served with a signed query string', async () => {
    assert.equal((await raw(server.url, { path: SYSTEM_STATE + '?b=2&a=x%20y', body: Q, key })).text, FULL);
  });

  test('is refused when the method was changed after signing', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { method: 'PUT' } });
  });

  test('is refused when a signed header value was changed', async () => {
    const host = new URL(server.url).host;
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { headers: { host, 'content-type': 'application/json' } } });
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { headers: { host: 'example.com:80' } } });
  });

  test('is refused when a signed header is missing from the request', async () => {
    const host = new URL(server.url).host;
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { headers: { host, 'x-trace': 'abc' } } }, /x-trace/);
  });

  test('is refused when host is not among the signed headers', async () => {
    await unauthorized({ path: SYSTEM_STATE, body: Q, key, sign: { headers: { 'content-type': 'application/json;charset=UTF-8' } } }, /host/);
  });

  test('is served with extra signed headers the request carries', async () => {
    const host = new URL(server.url).host;
    const res = await raw(server.url, {
      path: SYSTEM_STATE, body: Q, key, headers: { 'x-trace': 'a b/é' },
      sign: { headers: { host, 'x-trace': 'a b/é', 'content-length': String(Buffer.byteLength(Q)) } },
    });
    assert.equal(res.text, FULL);
  });

  test('is refused when the key was deleted', async () => {
    const gone = await addKey(server, 'read');
    assert.equal((await query(server.url, gone, Q)).text, FULL);
    await server.running.monitor.store.deleteKey(gone.ak);
    await server.running.monitor.keys.reload();
    failureOf(await query(server.url, gone, Q), 401, '0101003');
  });

  test('is served for a key created in the store after the server loaded its keys', async () => {
    const ak = `late-${process.pid}`;
    const sk = 'late-secret-0123456789abcdef';
    const { store, keys } = server.running.monitor;
    await store.createKey({ ak, sealedSk: keys.box.seal(sk), role: 'read', scopes: ['global'], rateLimit: null, createdAt: Date.now() });
    assert.equal((await query(server.url, { ak, sk }, Q)).text, FULL);
  });
});

describe('the timestamp window', () => {
  const NOW = Date.parse('2025-06-01T12:00:00.000Z');
  const at = (deltaMs: number) => c2Timestamp(NOW + deltaMs);

  async function withClock(maxClockSkewMs: number | undefined, body: (s: TestServer, k: RawKey) => Promise<void>) {
    const s = await startTestServer({ app: { now: () => NOW, ...(maxClockSkewMs === undefined ? {} : { maxClockSkewMs }) } });
    try {
      await s.running.monitor.applyRoster({ configure: [{ ccId: 1, vdn: 1 }], upsert: [], remove: [] });
      await body(s, await addKey(s, 'read'));
    } finally {
      await s.close();
    }
  }
  const EMPTY = successText(0, 0, 0);

  test('accepts up to 15 minutes either way by default and refuses beyond', async () => {
    await withClock(undefined, async (s, k) => {
      for (const d of [0, 15 * 60_000, -15 * 60_000, 14 * 60_000]) {
        assert.equal((await query(s.url, k, Q, { timestamp: at(d) })).text, EMPTY, `skew ${d}`);
      }
      for (const d of [15 * 60_000 + 1000, -(15 * 60_000 + 1000), 3600_000, -86_400_000]) {
        failureOf(await query(s.url, k, Q, { timestamp: at(d) }), 401, '0101003');
      }
    });
  });

  test('accepts the millisecond form yyyy-MM-ddTHH:mm:ss.SSSZ', async () => {
    await withClock(undefined, async (s, k) => {
      for (const ts of [new Date(NOW + 123).toISOString(), new Date(NOW - 899_999).toISOString()]) {
        assert.match(ts, /\.\d{3}Z$/);
        assert.equal((await query(s.url, k, Q, { timestamp: ts })).text, EMPTY, ts);
      }
      failureOf(await query(s.url, k, Q, { timestamp: new Date(NOW + 900_001).toISOString() }), 401, '0101003');
    });
  });

  test('refuses other time forms', async () => {
    await withClock(undefined, async (s, k) => {
      for (const ts of ['2025-06-01T12:00:00+00:00', '2025-06-01T12:00:00', '2025-06-01T12:00:00.1Z', String(NOW), '2025-06-01T12:00Z']) {
        failureOf(await query(s.url, k, Q, { timestamp: ts }), 401, '0101003');
      }
    });
  });

  test('follows the maxClockSkewMs option', async () => {
    await withClock(60_000, async (s, k) => {
      assert.equal((await query(s.url, k, Q, { timestamp: at(-59_000) })).text, EMPTY);
      assert.equal((await query(s.url, k, Q, { timestamp: at(59_000) })).text, EMPTY);
      failureOf(await query(s.url, k, Q, { timestamp: at(-120_000) }), 401, '0101003');
      failureOf(await query(s.url, k, Q, { timestamp: at(120_000) }), 401, '0101003');
    });
  });
});
