// Two ccmon processes on one database when the database misbehaves: connections cut in the
// middle of ingest and while idle, and the database away for a while. Nothing acknowledged
// may be lost, and every instance must come back in step by itself.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countStates } from '../../src/domain/counts.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { eventually, freshSchema, skipPostgres, startRelay, terminateConnections, type DatabaseRelay, type TestSchema } from '../store/postgres-fixture.js';
import { BASE, countsOn, createSharedKey, rosterBody, startInstance, statusOf, type Instance } from './scale-out-fixture.js';


/** Batch k moves every agent of the VDN to state k % 10 + 1 at time BASE + k. */
function batch(vdn: number, agents: number, k: number) {
  return Array.from({ length: agents }, (_, i) => ({ ccId: 1, vdn, agentId: 101 + i, state: (k % 10) + 1, at: BASE + k * 1000 }));
}

describe('two instances when the database fails', { skip: await skipPostgres() }, () => {
  let schema: TestSchema;
  let relay: DatabaseRelay;
  let a: Instance;
  let b: Instance;

  before(async () => {
    schema = await freshSchema();
    await createSharedKey(schema.url);
    relay = await startRelay(schema);
    // b reaches the database through the relay, so the test can take the database away from it.
    [a, b] = await Promise.all([startInstance(schema.url), startInstance(relay.url)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await relay?.close();
    await schema.drop();
  });

  const bothReady = () => eventually(async () => (await statusOf(a, '/readyz')) === 200 && (await statusOf(b, '/readyz')) === 200, 'both instances are ready', 15_000, 50);

  it('loses no acknowledged event when the connections are cut in the middle of ingest', async () => {
    const agents = 50;
    const batches = 60;
    await a.client.call('POST', '/api/v1/roster', rosterBody(3, agents));
    const acknowledged: number[] = [];
    const failed: number[] = [];
    const cuts: Array<Promise<number>> = [];
    for (let k = 0; k < batches; k++) {
      // Cut while a request is in flight: the termination races the ingest.
      if (k % 15 === 14) cuts.push(terminateConnections(schema));
      const res = await a.client.request('POST', '/api/v1/events', { events: batch(3, agents, k) }).catch((err: Error) => ({ status: 0, json: { resultDesc: err.message } }));
      if (res.status === 200) {
        assert.equal(res.json.resultDesc.applied, agents);
        acknowledged.push(k);
      } else {
        assert.equal(res.status, 503, JSON.stringify(res.json));
        assert.equal(res.json.resultCode, '0100999');
        failed.push(k);
      }
    }
    for (const cut of cuts) assert.ok((await cut) >= 1, 'connections were cut');
    console.log(`cut mid-ingest: ${acknowledged.length} batches acknowledged, ${failed.length} refused with 503`);

    // Every acknowledged event is in the event log.
    const store = await PostgresStore.open(schema.url);
    try {
      const logged = new Set<string>();
      for (let after = 0; ; ) {
        const page = await store.readEventLog(after, 10_000);
        if (page.length === 0) break;
        for (const e of page) if (e.vdn === 3 && e.outcome === 'applied') logged.add(`${e.agentId}@${e.at}`);
        after = page.at(-1)!.seq;
      }
      for (const k of acknowledged) {
        for (const e of batch(3, agents, k)) assert.ok(logged.has(`${e.agentId}@${e.at}`), `batch ${k} agent ${e.agentId} is stored`);
      }
    } finally {
      await store.close();
    }

    // A client sends the refused batches again; then both instances answer the newest state.
    await bothReady();
    for (const k of failed) {
      const res = await a.client.call('POST', '/api/v1/events', { events: batch(3, agents, k) });
      assert.equal(res.rejected, 0);
    }
    const last = (batches - 1) % 10 + 1;
    const expected = countStates(new Array(agents).fill(last), 0, agents);
    for (const instance of [a, b]) {
      await eventually(async () => JSON.stringify(await countsOn(instance, 1, 3)) === JSON.stringify(expected), `${instance.url} answers ${JSON.stringify(expected)}`);
      const listed = await instance.client.call('GET', '/api/v1/vdns/1/3/agents?limit=100');
      assert.ok(listed.agents.every((x: { state: number }) => x.state === last));
    }
  });

  it('comes back in step after its idle connections are cut', async () => {
    await a.client.call('POST', '/api/v1/roster', rosterBody(4, 10));
    await eventually(async () => (await countsOn(b, 1, 4)) !== undefined, 'b knows VDN 4');
    assert.ok((await terminateConnections(schema)) >= 2);
    // The first write after the cut may still meet a dead connection: 503, and the client retries.
    await eventually(async () => (await a.client.request('POST', '/api/v1/events', { events: batch(4, 10, 0) })).status === 200, 'a stores the batch', 10_000, 100);
    const expected = countStates(new Array(10).fill(1), 0, 10);
    await eventually(async () => JSON.stringify(await countsOn(b, 1, 4)) === JSON.stringify(expected), `b answers ${JSON.stringify(expected)}`);
    await bothReady();
  });

  it('answers from memory, refuses writes and is not ready while the database is away, then catches up by itself', async () => {
    await a.client.call('POST', '/api/v1/roster', rosterBody(5, 10));
    await a.client.call('POST', '/api/v1/events', { events: batch(5, 10, 0) });
    const before = countStates(new Array(10).fill(1), 0, 10);
    await eventually(async () => JSON.stringify(await countsOn(b, 1, 5)) === JSON.stringify(before), 'b answers the first state');

    relay.down();
    await eventually(async () => (await statusOf(b, '/readyz')) === 503, 'b is not ready', 10_000, 50);
    assert.equal(await statusOf(b, '/healthz'), 200);
    assert.deepEqual(await countsOn(b, 1, 5), before);
    const refused = await b.client.request('POST', '/api/v1/events', { events: batch(5, 10, 1) });
    assert.equal(refused.status, 503);
    assert.equal(refused.json.resultCode, '0100999');
    assert.match(refused.json.resultDesc, /database is unavailable/);
    // Meanwhile the other instance goes on writing; b misses the notification.
    await a.client.call('POST', '/api/v1/events', { events: batch(5, 10, 2) });

    relay.up();
    await bothReady();
    const after = countStates(new Array(10).fill(3), 0, 10);
    await eventually(async () => JSON.stringify(await countsOn(b, 1, 5)) === JSON.stringify(after), `b answers ${JSON.stringify(after)} after catching up`);
  });
});
