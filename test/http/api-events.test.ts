// /api/v1/events: per-event results, idempotence, order safety, scope, and read-your-writes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CcmonClient } from '../../src/client/client.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { failureOf, successText } from './raw.js';

let server: TestServer;
let admin: CcmonClient;
const T = Date.now() - 3600_000;

before(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
after(() => server.close());

let nextVdn = 1;
/** A fresh VDN of call center 5 with the given agents. */
async function vdnWith(...agentIds: number[]): Promise<number> {
  const vdn = nextVdn++;
  await admin.call('POST', '/api/v1/roster', { configure: [{ ccId: 5, vdn }], upsert: agentIds.map((agentId) => ({ ccId: 5, vdn, agentId })) });
  return vdn;
}
const ev = (vdn: number, agentId: number, state: number | string, at: number | string, extra: object = {}) => ({ ccId: 5, vdn, agentId, state, at, ...extra });
const ingest = (events: unknown[], client = admin) => client.call('POST', '/api/v1/events', { events });
const logCounts = () => (server.running.monitor.store as SqliteStore).eventLogCounts();
async function stateOf(vdn: number, agentId: number): Promise<{ state: number; at: string | null; reason: number | null }> {
  const { agents } = await admin.call('GET', `/api/v1/vdns/5/${vdn}/agents?limit=1000`);
  return agents.find((a: { agentId: number }) => a.agentId === agentId);
}
const countsOf = async (vdn: number) => (await admin.systemState({ ccId: 5, vdn, offset: 0, limit: 100 })).text;

describe('ingesting events', () => {
  test('gives each event its own result, in order, with a tally', async () => {
    const vdn = await vdnWith(101, 102);
    const out = await ingest([
      ev(vdn, 101, 1, T),
      ev(vdn, 102, 11, T),
      ev(vdn, 555, 1, T),
      ev(vdn, 102, 'talking', T + 5, { reason: 7 }),
      'not an event',
      ev(vdn, 101, 1, T),
    ]);
    assert.deepEqual(out.results.map((r: { status: string }) => r.status), ['applied', 'rejected', 'rejected', 'applied', 'rejected', 'duplicate']);
    assert.deepEqual({ applied: out.applied, duplicate: out.duplicate, stale: out.stale, rejected: out.rejected }, { applied: 2, duplicate: 1, stale: 0, rejected: 3 });
    assert.match(out.results[1].reason, /state/);
    assert.match(out.results[2].reason, /agent 555 is not on the roster/);
    assert.match(out.results[4].reason, /object/);
    assert.equal(await countsOf(vdn), successText(0, 1, 1), 'the bad events did not stop the good ones');
    assert.deepEqual(await stateOf(vdn, 102), { agentId: 102, skills: [], state: 5, stateName: 'talking', at: new Date(T + 5).toISOString(), reason: 7 });
  });

  test('is idempotent: a repeated batch changes nothing and logs nothing', async () => {
    const vdn = await vdnWith(101, 102, 103);
    const batch = [ev(vdn, 101, 1, T), ev(vdn, 102, 7, T + 1), ev(vdn, 103, 4, T + 2)];
    assert.equal((await ingest(batch)).applied, 3);
    const before = await countsOf(vdn);
    const logged = logCounts();
    const again = await ingest(batch);
    assert.equal(again.duplicate, 3);
    assert.equal(await countsOf(vdn), before);
    assert.deepEqual(logCounts(), logged);
  });

  test('records an older event as stale and keeps the newer state', async () => {
    const vdn = await vdnWith(101);
    await ingest([ev(vdn, 101, 5, T + 2000)]);
    const logged = logCounts();
    const out = await ingest([ev(vdn, 101, 1, T + 1000)]);
    assert.equal(out.results[0].status, 'stale');
    assert.equal((await stateOf(vdn, 101)).state, 5);
    assert.equal(await countsOf(vdn), successText(0, 1, 0));
    assert.equal(logCounts().stale, (logged.stale ?? 0) + 1, 'the stale event is in the event log');
    assert.equal(logCounts().applied, logged.applied, 'and was not applied');
  });

  test('ends on the same state whatever order events of one instant arrive in', async () => {
    const a = await vdnWith(101);
    const b = await vdnWith(101);
    await ingest([ev(a, 101, 1, T), ev(a, 101, 7, T), ev(a, 101, 4, T)]);
    await ingest([ev(b, 101, 7, T)]);
    await ingest([ev(b, 101, 4, T), ev(b, 101, 1, T)]);
    assert.equal((await stateOf(a, 101)).state, (await stateOf(b, 101)).state);
    assert.equal(await countsOf(a), await countsOf(b));
  });

  test('orders events of one agent inside a batch by time, not by position', async () => {
    const vdn = await vdnWith(101);
    const out = await ingest([ev(vdn, 101, 1, T + 300), ev(vdn, 101, 5, T + 100), ev(vdn, 101, 7, T + 200)]);
    assert.deepEqual(out.results.map((r: { status: string }) => r.status), ['applied', 'stale', 'stale']);
    assert.equal((await stateOf(vdn, 101)).state, 1);
  });

  test('rejects events outside the key\'s scope one by one', async () => {
    const mine = await vdnWith(101);
    const other = await vdnWith(101);
    const writer = await server.client('write', [`5/${mine}`]);
    const out = await ingest([ev(other, 101, 1, T), ev(mine, 101, 1, T), { ...ev(mine, 101, 1, T), ccId: 6 }], writer);
    assert.deepEqual(out.results.map((r: { status: string }) => r.status), ['rejected', 'applied', 'rejected']);
    assert.match(out.results[0].reason, /not allowed/);
    assert.equal(await countsOf(other), successText(0, 0, 0));
  });

  test('accepts ISO 8601 times with a zone, epoch milliseconds and state names', async () => {
    const vdn = await vdnWith(101, 102, 103, 104);
    const iso = new Date(T).toISOString();
    const out = await ingest([
      ev(vdn, 101, 'idle', iso),
      ev(vdn, 102, '6', String(T)),
      ev(vdn, 103, 2, iso.replace('Z', '+00:00')),
      ev(vdn, 104, 'Rest', T),
    ]);
    assert.equal(out.applied, 4, JSON.stringify(out.results));
    assert.equal(await countsOf(vdn), successText(2, 1, 1));
  });

  test('rejects times without a zone, far in the future, or missing', async () => {
    const vdn = await vdnWith(101);
    const out = await ingest([
      ev(vdn, 101, 1, '2024-01-01T08:00:00'),
      ev(vdn, 101, 1, Date.now() + 3600_000),
      ev(vdn, 101, 1, -5),
      ev(vdn, 101, 1, 1.5),
      { ccId: 5, vdn, agentId: 101, state: 1 },
    ]);
    assert.equal(out.rejected, 5);
    for (const r of out.results) assert.match(r.reason, /\bat\b/);
  });

  test('takes a bare array of events too, and refuses other bodies with 400', async () => {
    const vdn = await vdnWith(101);
    const res = await admin.request('POST', '/api/v1/events', [ev(vdn, 101, 1, T)]);
    assert.equal(res.json.resultDesc.applied, 1);
    for (const body of [{ events: 'x' }, { event: [] }, 'events']) failureOf(await admin.request('POST', '/api/v1/events', body), 400, '0100002');
  });

  test('refuses a batch of more than 50,000 events with 413 and applies none of it', async () => {
    const vdn = await vdnWith(101);
    const events = Array.from({ length: 50_001 }, (_, i) => ev(vdn, 101, 1 + (i % 10), T + i));
    failureOf(await admin.request('POST', '/api/v1/events', { events }), 413, '0100002');
    assert.equal((await stateOf(vdn, 101)).state, 0);
    assert.equal((await ingest(events.slice(0, 50_000))).applied, 50_000);
  });

  test('needs a write key', async () => {
    const reader = await server.client('read');
    failureOf(await reader.request('POST', '/api/v1/events', { events: [] }), 403, '0101003');
  });
});

describe('read-your-writes', () => {
  test('a query right after a successful ingest sees it, every time', async () => {
    const vdn = await vdnWith(101, 102);
    const states = [1, 5, 7, 0, 2, 10, 1, 6, 4, 0, 3, 8, 9, 1];
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      await ingest([ev(vdn, 101, s, T + i), ev(vdn, 102, 1, T + i)]);
      const busy = s >= 6 ? 1 : 0;
      const talking = s >= 2 && s <= 5 ? 1 : 0;
      const idle = s === 1 ? 2 : 1;
      assert.equal(await countsOf(vdn), successText(busy, talking, idle), `after state ${s}`);
    }
  });

  test('roster changes are seen by the next query too', async () => {
    const vdn = await vdnWith(101);
    await ingest([ev(vdn, 101, 1, T)]);
    await admin.call('PUT', `/api/v1/vdns/5/${vdn}/agents/100000`);
    await ingest([ev(vdn, 100000, 5, T)]);
    assert.equal(await countsOf(vdn), successText(0, 1, 1));
    await admin.call('DELETE', `/api/v1/vdns/5/${vdn}/agents/101`);
    assert.equal(await countsOf(vdn), successText(0, 1, 0));
  });
});
