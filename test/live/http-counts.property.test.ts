// The whole path — HTTP, C2, the SQLite store, the read model — against the naive model: random
// rosters, random events arriving shuffled, repeated and split into batches (fewer runs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { CcmonClient } from '../../src/client/client.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { NaiveVdn, addsUp, arrivalArb, eventsArb, finalStates, pagesArb, rosterArb, sumCounts, type Counts, type GenEvent } from './naive.js';

let server: TestServer;
let client: CcmonClient;
const CC = 2;
const BASE = Date.now() - 86_400_000;

before(async () => {
  server = await startTestServer();
  client = await server.client('write');
});
after(() => server.close());

let nextVdn = 1;

async function page(vdn: number, offset: number, limit: number): Promise<Counts> {
  const res = await client.systemState({ ccId: CC, vdn, offset, limit });
  assert.equal(res.json.resultCode, '0100000', res.text);
  assert.deepEqual(res.json.resultDatas, res.json.resultDesc);
  return res.json.resultDesc;
}

async function setUpVdn(roster: readonly number[]): Promise<number> {
  const vdn = nextVdn++;
  const upsert = roster.map((agentId) => ({ ccId: CC, vdn, agentId }));
  await client.call('POST', '/api/v1/roster', { configure: [{ ccId: CC, vdn }], upsert });
  return vdn;
}

async function send(vdn: number, events: readonly GenEvent[]): Promise<string[]> {
  const out = await client.call('POST', '/api/v1/events', { events: events.map((e) => ({ ccId: CC, vdn, ...e })) });
  return out.results.map((r: { status: string }) => r.status);
}

test('counts every page as the naive model does, for events arriving shuffled, repeated and batched', async () => {
  const scenario = rosterArb(150).chain((roster) =>
    eventsArb(roster, BASE, 120).chain((events) =>
      fc.tuple(
        fc.constant(roster),
        fc.constant(events),
        fc.shuffledSubarray(roster, { minLength: roster.length, maxLength: roster.length }),
        arrivalArb(events),
        fc.integer({ min: 1, max: 60 }),
        pagesArb(roster.length),
      ),
    ),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([roster, events, rosterOrder, arrival, batch, pages]) => {
      const vdn = await setUpVdn(rosterOrder);
      const naive = new NaiveVdn();
      roster.forEach((id) => naive.add(id));
      for (let i = 0; i < arrival.length; i += batch) {
        const chunk = arrival.slice(i, i + batch);
        const expected = chunk.map((e) => naive.event(e.agentId, e.state, e.at));
        assert.deepEqual(await send(vdn, chunk), expected, 'each event is decided as the model decides it');
      }
      // the final state does not depend on the arrival order
      const final = finalStates(roster, events);
      for (const [id, s] of naive.agents) assert.deepEqual(s, final.get(id));
      for (const { offset, limit } of pages) {
        const got = await page(vdn, offset, limit);
        assert.deepEqual(got, naive.page(offset, limit), `page ${offset}+${limit}`);
        assert.ok(addsUp(got));
      }
      const limit = pages[0]!.limit;
      const all: Counts[] = [];
      for (let offset = 0; offset < roster.length; offset += limit) all.push(await page(vdn, offset, limit));
      assert.deepEqual(sumCounts(all), naive.totals(), 'the pages add up to the VDN totals');
      const listed = (await client.call('GET', '/api/v1/vdns')).vdns.find((v: { ccId: number; vdn: number }) => v.ccId === CC && v.vdn === vdn);
      assert.deepEqual({ ...listed, ccId: undefined, vdn: undefined, agents: undefined }, { ...naive.totals(), ccId: undefined, vdn: undefined, agents: undefined });
      assert.equal(listed.agents, roster.length);
    }),
    { numRuns: 20 },
  );
});

test('two VDNs fed the same events in different orders answer the same, and the store agrees', async () => {
  const scenario = rosterArb(25).chain((roster) =>
    eventsArb(roster, BASE, 100).chain((events) =>
      fc.tuple(fc.constant(roster), arrivalArb(events), arrivalArb(events), fc.integer({ min: 1, max: 9 }), pagesArb(roster.length)),
    ),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([roster, first, second, batch, pages]) => {
      const a = await setUpVdn(roster);
      const b = await setUpVdn([...roster].reverse());
      await send(a, first);
      for (let i = 0; i < second.length; i += batch) await send(b, second.slice(i, i + batch));
      for (const { offset, limit } of pages) assert.deepEqual(await page(a, offset, limit), await page(b, offset, limit));
      const listing = async (vdn: number) =>
        (await client.call('GET', `/api/v1/vdns/${CC}/${vdn}/agents?limit=1000`)).agents.map((x: { agentId: number; state: number; at: string | null }) => [x.agentId, x.state, x.at]);
      const expected = [...finalStates(roster, first)].sort((x, y) => x[0] - y[0]).map(([id, s]) => [id, s.state, s.at < 0 ? null : new Date(s.at).toISOString()]);
      assert.deepEqual(await listing(a), expected);
      assert.deepEqual(await listing(b), expected);
    }),
    { numRuns: 10 },
  );
});

test('batches sent at the same time end on the state the naive model gives for all of them', async () => {
  const scenario = rosterArb(30).chain((roster) =>
    eventsArb(roster, BASE, 120).chain((events) => fc.tuple(fc.constant(roster), fc.constant(events), arrivalArb(events), fc.integer({ min: 2, max: 8 }))),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([roster, events, arrival, parts]) => {
      const vdn = await setUpVdn(roster);
      const size = Math.ceil(arrival.length / parts);
      const chunks = Array.from({ length: parts }, (_, i) => arrival.slice(i * size, (i + 1) * size));
      const results = (await Promise.all(chunks.map((c) => send(vdn, c)))).flat();
      const applied = results.filter((r) => r === 'applied').length;
      const final = finalStates(roster, events);
      const naive = new NaiveVdn();
      for (const [id, s] of final) naive.agents.set(id, s);
      assert.deepEqual(await page(vdn, 0, 100), naive.page(0, 100));
      const listed = (await client.call('GET', `/api/v1/vdns/${CC}/${vdn}/agents?limit=1000`)).agents;
      for (const a of listed) assert.equal(a.state, final.get(a.agentId)!.state, `agent ${a.agentId}`);
      assert.ok(applied >= [...final.values()].filter((s) => s.at >= 0).length, 'every agent that moved had an applied event');
    }),
    { numRuns: 10 },
  );
});
