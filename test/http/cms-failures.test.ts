// SPEC section 2 against a real server: every row of the failure table, and ping.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../../src/server.js';
import { startTestServer, tempDir, type TestServer } from '../helpers.js';
import { loadFixture } from './fixture.js';
import { PING, SYSTEM_STATE, addKey, failureOf, query, raw, successText, type RawKey } from './raw.js';

let server: TestServer;
let key: RawKey;
const Q = { ccId: 1, vdn: 1, offset: 0, limit: 100 };
const FULL = successText(4, 3, 3);

before(async () => {
  server = await startTestServer();
  await loadFixture(await server.client('admin'));
  key = await addKey(server, 'read');
});

after(() => server.close());

describe('ping', () => {
  test('answers exactly {"request":{"say":"Hello world!"},"status":"UP"}', async () => {
    const res = await raw(server.url, { path: PING, key, body: '{"say":"Hello world!"}' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"request":{"say":"Hello world!"},"status":"UP"}');
  });

  test('is signed: an unsigned ping is refused', async () => {
    failureOf(await raw(server.url, { path: PING, body: '{"say":"Hello world!"}' }), 401, '0101003');
  });
});

describe('403: a valid key outside its scope', () => {
  test('refuses a key scoped to another VDN of the same call center', async () => {
    const other = await addKey(server, 'read', ['1/2']);
    failureOf(await query(server.url, other, Q), 403, '0101003');
  });

  test('refuses a key scoped to another call center', async () => {
    const other = await addKey(server, 'read', ['2']);
    failureOf(await query(server.url, other, Q), 403, '0101003');
  });

  test('serves keys scoped to the call center or to the VDN', async () => {
    for (const scopes of [['1'], ['1/1'], ['2', '1/1']]) {
      const res = await query(server.url, await addKey(server, 'read', scopes), Q);
      assert.equal(res.text, FULL, `scopes ${scopes.join(',')}`);
    }
  });

  test('checks the scope before saying whether the VDN exists', async () => {
    const other = await addKey(server, 'read', ['1/1']);
    failureOf(await query(server.url, other, { ...Q, vdn: 3 }), 403, '0101003');
  });
});

describe('429: flow control', () => {
  test('refuses requests over the key\'s rate with Retry-After, and serves again after it', async () => {
    const limited = await addKey(server, 'read', ['global'], 2);
    assert.equal((await query(server.url, limited, Q)).text, FULL);
    assert.equal((await query(server.url, limited, Q)).text, FULL);
    const res = await query(server.url, limited, Q);
    failureOf(res, 429, '0100001');
    const wait = Number(res.headers['retry-after']);
    assert.ok(Number.isInteger(wait) && wait >= 1, `Retry-After ${res.headers['retry-after']}`);
    const unlimited = await query(server.url, key, Q);
    assert.equal(unlimited.text, FULL, 'another key is not limited');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await query(server.url, limited, Q)).text, FULL);
  });
});

describe('413: body too large', () => {
  test('refuses a body over 64 KiB with 413 / 0100002', async () => {
    const body = JSON.stringify({ ...Q, pad: 'x'.repeat(64 * 1024) });
    failureOf(await query(server.url, key, body), 413, '0100002');
  });

  test('accepts a body of exactly 64 KiB', async () => {
    const base = JSON.stringify({ ...Q, pad: '' });
    const body = JSON.stringify({ ...Q, pad: 'x'.repeat(64 * 1024 - base.length) });
    assert.equal(Buffer.byteLength(body), 64 * 1024);
    assert.equal((await query(server.url, key, body)).text, FULL);
  });

  test('refuses a chunked body that grows over the limit', async () => {
    const url = new URL(server.url);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ method: 'POST', hostname: url.hostname, port: url.port, path: SYSTEM_STATE, agent: false, headers: { 'content-type': 'application/json' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode!, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.write('x'.repeat(40 * 1024));
      req.end('x'.repeat(40 * 1024));
    });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.text).resultCode, '0100002');
  });
});

describe('405 and 404', () => {
  test('answers GET on the interface path with 405 and Allow: POST', async () => {
    for (const p of [SYSTEM_STATE, PING]) {
      const res = await raw(server.url, { method: 'GET', path: p, key, contentType: null });
      failureOf(res, 405, '0100001');
      assert.equal(res.headers.allow, 'POST');
    }
  });

  test('answers PUT and DELETE on the interface path with 405 too', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const res = await raw(server.url, { method, path: SYSTEM_STATE, key, body: JSON.stringify(Q) });
      failureOf(res, 405, '0100001');
      assert.equal(res.headers.allow, 'POST');
    }
  });

  test('answers an unknown path with 404 / 0100001', async () => {
    for (const p of ['/', '/rest/cmsapp/v1/openapi/agentgroup/systemstat', '/rest/cmsapp/v1/openapi/agentgroup/systemstate/x', '/api/v2/vdns']) {
      failureOf(await raw(server.url, { path: p, key, body: JSON.stringify(Q) }), 404, '0100001');
    }
  });

  test('serves the interface path with a query string', async () => {
    const res = await raw(server.url, { path: SYSTEM_STATE + '?lang=en&x=1', key, body: JSON.stringify(Q) });
    assert.equal(res.text, FULL);
  });
});

describe('500: an unexpected failure inside the server', () => {
  test('answers 500 / 0100999 with a request id, logs it with the stack, and shows no stack', async () => {
    const dir = tempDir();
    const logged: Array<Record<string, unknown>> = [];
    const log = { info() {}, warn() {}, error: (message: string, fields?: Record<string, unknown>) => logged.push({ message, ...fields }) };
    const running = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir.path, masterKey: null, demo: false, log });
    try {
      // The store goes away under the running app: the lookup of a key it has not seen fails.
      await running.monitor.store.close();
      const res = await query(running.url, { ak: 'not-yet-loaded', sk: 'some-secret-0123456789' }, Q);
      const desc = failureOf(res, 500, '0100999');
      const id = /request id ([0-9a-f-]{36})/.exec(desc)?.[1];
      assert.ok(id, `no request id in "${desc}"`);
      assert.doesNotMatch(res.text, /\bat \S+ \(|\.js:\d+|Error:|sqlite|database/i);
      const entry = logged.find((l) => l.requestId === id);
      assert.ok(entry, 'the request id is logged');
      assert.match(String(entry.error), /\n\s+at /, 'the log holds the stack');
      // and the process still answers
      failureOf(await raw(running.url, { path: '/nowhere', body: '{}' }), 404, '0100001');
    } finally {
      await running.close();
      dir.remove();
    }
  });
});
