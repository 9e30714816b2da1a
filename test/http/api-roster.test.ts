// /api/v1 roster: bulk changes (atomic, and large), single agents, VDNs, and the listings.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CcmonClient } from '../../src/client/client.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { failureOf, successText } from './raw.js';

let server: TestServer;
let admin: CcmonClient;

before(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
after(() => server.close());

const agentsOf = (ccId: number, vdn: number, offset = 0, limit = 1000) =>
  admin.call('GET', `/api/v1/vdns/${ccId}/${vdn}/agents?offset=${offset}&limit=${limit}`);
const counts = (c: CcmonClient, ccId: number, vdn: number, offset = 0, limit = 100) => c.systemState({ ccId, vdn, offset, limit });

describe('the bulk roster', () => {
  test('configures VDNs, adds, updates and removes agents in one change, and reports each count', async () => {
    const first = await admin.call('POST', '/api/v1/roster', {
      configure: [{ ccId: 10, vdn: 1 }, { ccId: 10, vdn: 2 }],
      upsert: [{ ccId: 10, vdn: 1, agentId: 103, skills: [2, 1, 2] }, { ccId: 10, vdn: 1, agentId: 101 }, { ccId: 10, vdn: 3, agentId: 70000 }],
    });
    assert.deepEqual(first, { configured: 3, added: 3, updated: 0, removed: 0, notFound: 0 });
    const second = await admin.call('POST', '/api/v1/roster', {
      upsert: [{ ccId: 10, vdn: 1, agentId: 103, skills: [5] }, { ccId: 10, vdn: 1, agentId: 102 }],
      remove: [{ ccId: 10, vdn: 1, agentId: 101 }, { ccId: 10, vdn: 1, agentId: 999 }],
    });
    assert.deepEqual(second, { configured: 0, added: 1, updated: 1, removed: 1, notFound: 1 });
    const listed = await agentsOf(10, 1);
    assert.deepEqual(listed.agents.map((a: { agentId: number; skills: number[] }) => [a.agentId, a.skills]), [[102, []], [103, [5]]]);
    assert.equal(listed.total, 2);
    assert.equal((await counts(admin, 10, 2)).text, successText(0, 0, 0), 'a configured VDN without agents answers zeros');
  });

  test('applies nothing when one entry is bad, and names the entry', async () => {
    const upsert = Array.from({ length: 100 }, (_, i) => ({ ccId: 11, vdn: 1, agentId: 1000 + i }));
    upsert.push({ ccId: 11, vdn: 1, agentId: 60000 });
    const res = await admin.request('POST', '/api/v1/roster', { configure: [{ ccId: 11, vdn: 2 }], upsert, remove: [] });
    assert.match(failureOf(res, 400, '0100002'), /upsert\[100\]/);
    failureOf(await counts(admin, 11, 1), 200, '0100002');
    failureOf(await counts(admin, 11, 2), 200, '0100002');
    failureOf(await admin.request('GET', '/api/v1/vdns/11/1/agents'), 404, '0100001');
  });

  test('applies nothing when one entry is outside the key\'s scope', async () => {
    const writer = await server.client('write', ['12/1']);
    const res = await writer.request('POST', '/api/v1/roster', {
      upsert: [{ ccId: 12, vdn: 1, agentId: 101 }, { ccId: 12, vdn: 2, agentId: 101 }],
    });
    assert.match(failureOf(res, 403, '0101003'), /upsert\[1\]/);
    failureOf(await counts(admin, 12, 1), 200, '0100002');
  });

  test('refuses bad shapes with 400', async () => {
    for (const body of [{ upsert: 'x' }, { upsert: [null] }, { configure: [{ ccId: 1 }] }, { remove: [{ ccId: 1, vdn: 1, agentId: 'x' }] }, { upsert: [{ ccId: 1, vdn: 1, agentId: 101, skills: [2001] }] }, [1]]) {
      failureOf(await admin.request('POST', '/api/v1/roster', body), 400, '0100002');
    }
  });

  test('takes tens of thousands of agents in one request', async () => {
    const n = 30_000;
    const upsert = Array.from({ length: n }, (_, i) => ({ ccId: 13, vdn: 7, agentId: 101 + i, skills: [1 + (i % 3)] }));
    const started = Date.now();
    const out = await admin.call('POST', '/api/v1/roster', { upsert });
    assert.equal(out.added, n);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const vdns = await admin.call('GET', '/api/v1/vdns');
    assert.equal(vdns.vdns.find((v: { ccId: number; vdn: number }) => v.ccId === 13 && v.vdn === 7).agents, n);
    const last = await agentsOf(13, 7, n - 1, 10);
    assert.deepEqual(last.agents.map((a: { agentId: number }) => a.agentId), [101 + n - 1]);
    assert.equal(last.total, n);
    assert.equal((await counts(admin, 13, 7, n - 50, 100)).text, successText(0, 0, 0));
  });
});

describe('body limits', () => {
  test('refuses an /api/v1 body over the configured limit with 413 and applies nothing', async () => {
    const small = await startTestServer({ app: { apiBodyLimit: 2000 } });
    try {
      const c = await small.client('admin');
      const upsert = Array.from({ length: 100 }, (_, i) => ({ ccId: 1, vdn: 1, agentId: 101 + i }));
      assert.ok(JSON.stringify({ upsert }).length > 2000);
      failureOf(await c.request('POST', '/api/v1/roster', { upsert }), 413, '0100002');
      failureOf(await c.request('GET', '/api/v1/vdns/1/1/agents'), 404, '0100001');
      assert.equal((await c.call('POST', '/api/v1/roster', { upsert: upsert.slice(0, 20) })).added, 20);
    } finally {
      await small.close();
    }
  });
});

describe('single agents', () => {
  test('PUT adds an agent (201) and then updates its skills (200)', async () => {
    const created = await admin.request('PUT', '/api/v1/vdns/20/1/agents/101', { skills: [3, 1] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json.resultDesc, { ccId: 20, vdn: 1, agentId: 101, skills: [1, 3], created: true });
    const updated = await admin.request('PUT', '/api/v1/vdns/20/1/agents/101', { skills: [7] });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.resultDesc.created, false);
    const [agent] = (await agentsOf(20, 1)).agents;
    assert.deepEqual(agent, { agentId: 101, skills: [7], state: 0, stateName: 'signed-out', at: null, reason: null });
  });

  test('DELETE removes an agent, then answers 404', async () => {
    await admin.call('PUT', '/api/v1/vdns/21/1/agents/150');
    assert.deepEqual(await admin.call('DELETE', '/api/v1/vdns/21/1/agents/150'), { ccId: 21, vdn: 1, agentId: 150, removed: true });
    failureOf(await admin.request('DELETE', '/api/v1/vdns/21/1/agents/150'), 404, '0100001');
    assert.equal((await agentsOf(21, 1)).agents.length, 0);
  });

  test('a removed and re-added agent starts signed out again', async () => {
    await admin.call('PUT', '/api/v1/vdns/22/1/agents/200');
    await admin.call('POST', '/api/v1/events', { events: [{ ccId: 22, vdn: 1, agentId: 200, state: 1, at: Date.now() - 1000 }] });
    assert.equal((await counts(admin, 22, 1)).text, successText(0, 0, 1));
    await admin.call('DELETE', '/api/v1/vdns/22/1/agents/200');
    await admin.call('PUT', '/api/v1/vdns/22/1/agents/200');
    assert.equal((await counts(admin, 22, 1)).text, successText(0, 0, 0));
    assert.equal((await agentsOf(22, 1)).agents[0].state, 0);
  });

  test('refuses agent IDs that are not work numbers', async () => {
    for (const id of ['100', '60000', '69999', '1000000', 'abc', '101.5', '-101']) {
      failureOf(await admin.request('PUT', `/api/v1/vdns/23/1/agents/${id}`), 400, '0100002');
    }
    for (const id of ['101', '59999', '70000', '999999']) {
      assert.equal((await admin.request('PUT', `/api/v1/vdns/23/1/agents/${id}`)).status, 201, id);
    }
  });
});

describe('VDNs', () => {
  test('PUT configures a VDN (201, then 200); DELETE removes it with its roster (then 404)', async () => {
    const first = await admin.request('PUT', '/api/v1/vdns/30/4');
    assert.equal(first.status, 201);
    assert.deepEqual(first.json.resultDesc, { ccId: 30, vdn: 4, created: true });
    assert.equal((await admin.request('PUT', '/api/v1/vdns/30/4')).status, 200);
    await admin.call('PUT', '/api/v1/vdns/30/4/agents/101');
    assert.equal((await counts(admin, 30, 4)).text, successText(0, 0, 0));
    assert.deepEqual(await admin.call('DELETE', '/api/v1/vdns/30/4'), { ccId: 30, vdn: 4, removed: true });
    failureOf(await counts(admin, 30, 4), 200, '0100002');
    failureOf(await admin.request('DELETE', '/api/v1/vdns/30/4'), 404, '0100001');
    failureOf(await admin.request('GET', '/api/v1/vdns/30/4/agents'), 404, '0100001');
  });

  test('refuses VDN paths out of range', async () => {
    for (const p of ['0/1', '65536/1', '1/0', '1/5001', 'x/1']) failureOf(await admin.request('PUT', `/api/v1/vdns/${p}`), 400, '0100002');
  });

  test('lists VDNs with totals, only those in the key\'s scope', async () => {
    await admin.call('POST', '/api/v1/roster', { upsert: [{ ccId: 31, vdn: 1, agentId: 101 }, { ccId: 31, vdn: 1, agentId: 102 }, { ccId: 31, vdn: 2, agentId: 101 }] });
    await admin.call('POST', '/api/v1/events', { events: [{ ccId: 31, vdn: 1, agentId: 101, state: 'talking', at: Date.now() - 10 }] });
    const reader = await server.client('read', ['31/1']);
    const { vdns } = await reader.call('GET', '/api/v1/vdns');
    assert.deepEqual(vdns, [{ ccId: 31, vdn: 1, agents: 2, busyAgent: 0, talkingNum: 1, idleAgent: 0, totalLoginAgent: 1 }]);
  });

  test('lists a page of agents in agent ID order, and refuses a bad page', async () => {
    await admin.call('POST', '/api/v1/roster', { upsert: [105, 101, 103, 102, 104].map((agentId) => ({ ccId: 32, vdn: 1, agentId })) });
    const page = await agentsOf(32, 1, 1, 3);
    assert.deepEqual(page.agents.map((a: { agentId: number }) => a.agentId), [102, 103, 104]);
    assert.equal(page.total, 5);
    failureOf(await admin.request('GET', '/api/v1/vdns/32/1/agents?limit=0'), 400, '0100002');
    failureOf(await admin.request('GET', '/api/v1/vdns/32/1/agents?offset=-1'), 400, '0100002');
  });
});

describe('roles and scopes on the roster', () => {
  test('a read key may list but not change the roster', async () => {
    const reader = await server.client('read');
    failureOf(await reader.request('POST', '/api/v1/roster', { configure: [{ ccId: 40, vdn: 1 }] }), 403, '0101003');
    failureOf(await reader.request('PUT', '/api/v1/vdns/40/1'), 403, '0101003');
    failureOf(await reader.request('PUT', '/api/v1/vdns/40/1/agents/101'), 403, '0101003');
    assert.equal((await reader.request('GET', '/api/v1/vdns')).status, 200);
  });

  test('a write key may change only its own VDNs', async () => {
    const writer = await server.client('write', ['41']);
    assert.equal((await writer.request('PUT', '/api/v1/vdns/41/9/agents/101')).status, 201);
    failureOf(await writer.request('PUT', '/api/v1/vdns/42/9/agents/101'), 403, '0101003');
    failureOf(await writer.request('DELETE', '/api/v1/vdns/31/1'), 403, '0101003');
    failureOf(await writer.request('GET', '/api/v1/vdns/31/1/agents'), 403, '0101003');
  });
});
