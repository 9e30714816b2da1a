// /api/v1/keys: admin only, the SK shown once, never listed, and a deleted key stops working.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CcmonClient } from '../../src/client/client.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { failureOf } from './raw.js';

let server: TestServer;
let admin: CcmonClient;
const opened: CcmonClient[] = [];

before(async () => {
  server = await startTestServer({ masterKey: 'keys-test-master-0123456789' });
  admin = await server.client('admin');
  await admin.call('PUT', '/api/v1/vdns/1/1');
});
after(async () => {
  for (const c of opened) c.close();
  await server.close();
});

function clientFor(created: { ak: string; sk: string }): CcmonClient {
  const c = new CcmonClient({ url: server.url, ak: created.ak, sk: created.sk });
  opened.push(c);
  return c;
}
const Q = { ccId: 1, vdn: 1, offset: 0, limit: 10 };

test('an admin creates a key: 201 with the SK, which works at once', async () => {
  const res = await admin.request('POST', '/api/v1/keys', { role: 'read', scopes: ['1/1'] });
  assert.equal(res.status, 201);
  const k = res.json.resultDesc;
  assert.deepEqual(Object.keys(k).sort(), ['ak', 'rateLimit', 'role', 'scopes', 'sk']);
  assert.deepEqual([k.role, k.scopes, k.rateLimit], ['read', ['1/1'], null]);
  assert.equal((await clientFor(k).systemState(Q)).json.resultCode, '0100000');
});

test('the key list never shows an SK', async () => {
  const created = await admin.call('POST', '/api/v1/keys', { ak: 'listed-key', role: 'write', scopes: ['1'], rateLimit: 5 });
  const res = await admin.request('GET', '/api/v1/keys');
  assert.equal(res.status, 200);
  assert.ok(!res.text.includes(created.sk), 'the SK is in the list');
  const entry = res.json.resultDesc.keys.find((k: { ak: string }) => k.ak === 'listed-key');
  assert.deepEqual(Object.keys(entry).sort(), ['ak', 'createdAt', 'rateLimit', 'role', 'scopes']);
  assert.deepEqual([entry.role, entry.scopes, entry.rateLimit], ['write', ['1'], 5]);
  for (const k of res.json.resultDesc.keys) assert.ok(!('sk' in k) && !('sealedSk' in k));
});

test('a deleted key fails with 401 from then on', async () => {
  const k = await admin.call('POST', '/api/v1/keys', { role: 'read', scopes: ['global'] });
  const c = clientFor(k);
  assert.equal((await c.systemState(Q)).status, 200);
  assert.deepEqual(await admin.call('DELETE', `/api/v1/keys/${k.ak}`), { ak: k.ak, deleted: true });
  failureOf(await c.systemState(Q), 401, '0101003');
  failureOf(await admin.request('DELETE', `/api/v1/keys/${k.ak}`), 404, '0100001');
  const list = await admin.call('GET', '/api/v1/keys');
  assert.ok(!list.keys.some((e: { ak: string }) => e.ak === k.ak));
});

test('only admin keys may list, create or delete keys', async () => {
  for (const role of ['read', 'write'] as const) {
    const c = await server.client(role);
    failureOf(await c.request('GET', '/api/v1/keys'), 403, '0101003');
    failureOf(await c.request('POST', '/api/v1/keys', { role: 'read', scopes: ['global'] }), 403, '0101003');
    failureOf(await c.request('DELETE', '/api/v1/keys/listed-key'), 403, '0101003');
  }
  assert.ok((await admin.call('GET', '/api/v1/keys')).keys.some((e: { ak: string }) => e.ak === 'listed-key'));
});

test('a scoped admin grants only within its scope and sees only those keys', async () => {
  const scoped = await server.client('admin', ['7']);
  failureOf(await scoped.request('POST', '/api/v1/keys', { role: 'read', scopes: ['global'] }), 403, '0101003');
  failureOf(await scoped.request('POST', '/api/v1/keys', { role: 'read', scopes: ['8/1'] }), 403, '0101003');
  const mine = await scoped.call('POST', '/api/v1/keys', { role: 'read', scopes: ['7/3'] });
  const { keys } = await scoped.call('GET', '/api/v1/keys');
  assert.ok(keys.some((k: { ak: string }) => k.ak === mine.ak));
  assert.ok(keys.every((k: { scopes: string[] }) => k.scopes.every((s) => s === '7' || s.startsWith('7/'))));
  failureOf(await scoped.request('DELETE', '/api/v1/keys/listed-key'), 404, '0100001');
});

test('refuses a taken AK with 409 and a bad key with 400 and a reason', async () => {
  failureOf(await admin.request('POST', '/api/v1/keys', { ak: 'listed-key', role: 'read', scopes: ['global'] }), 409, '0100002');
  for (const body of [{ role: 'reader', scopes: ['global'] }, { role: 'read', scopes: [] }, { ak: 7, role: 'read', scopes: ['global'] }, { sk: 1234567890123456789, role: 'read', scopes: ['global'] }]) {
    failureOf(await admin.request('POST', '/api/v1/keys', body), 400, '0100002');
  }
});

test('a key created with a rate limit is held to it', async () => {
  const k = await admin.call('POST', '/api/v1/keys', { role: 'read', scopes: ['global'], rateLimit: 1 });
  const c = clientFor(k);
  assert.equal((await c.systemState(Q)).status, 200);
  const res = await c.systemState(Q);
  failureOf(res, 429, '0100001');
  assert.ok(Number(res.headers['retry-after']) >= 1);
});
