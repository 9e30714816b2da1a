// The in-memory read model against the naive model, over random rosters, roster changes and
// event sequences in random orders (fast, many runs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AgentState } from '../../src/domain/states.js';
import { ReadModel } from '../../src/live/read-model.js';
import { VdnAgents } from '../../src/live/vdn-agents.js';
import type { AgentRef } from '../../src/store/store.js';
import { NaiveVdn, addsUp, arrivalArb, eventsArb, finalStates, pagesArb, rosterArb, sumCounts, type GenEvent } from './naive.js';

const CC = 3;
const VDNS = [1, 2];
const BASE = 1_700_000_000_000;

/** Every check the SPEC makes of one snapshot: each page as the model says, adding up, pages summing to the totals. */
function checkPages(model: ReadModel, vdn: number, naive: NaiveVdn, pages: readonly { offset: number; limit: number }[]): void {
  for (const { offset, limit } of pages) {
    const got = model.countPage(CC, vdn, offset, limit);
    assert.deepEqual(got, naive.page(offset, limit), `vdn ${vdn} page ${offset}+${limit}`);
    assert.ok(addsUp(got!));
  }
  const limit = pages[0]!.limit;
  const all = [];
  for (let offset = 0; offset < naive.size; offset += limit) all.push(model.countPage(CC, vdn, offset, limit)!);
  assert.deepEqual(sumCounts(all), naive.totals(), 'the pages add up to the VDN totals');
  assert.deepEqual(model.countPage(CC, vdn, 0, Number.MAX_SAFE_INTEGER), naive.totals());
}

type Op =
  | { kind: 'add'; vdn: number; ids: number[] }
  | { kind: 'remove'; vdn: number; ids: number[] }
  | { kind: 'events'; vdn: number; events: GenEvent[] };

/** A small pool of work numbers, so roster changes and events keep meeting the same agents. */
const poolId = fc.constantFrom(101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 59998, 59999, 70000, 70001, 70002, 999999);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), vdn: fc.constantFrom(...VDNS), ids: fc.array(poolId, { maxLength: 12 }) }),
  fc.record({ kind: fc.constant('remove' as const), vdn: fc.constantFrom(...VDNS), ids: fc.array(poolId, { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('events' as const),
    vdn: fc.constantFrom(...VDNS),
    events: fc.array(fc.record({ agentId: poolId, state: fc.integer({ min: 0, max: 10 }), at: fc.integer({ min: 0, max: 8 }).map((t) => BASE + t) }), { maxLength: 30 }),
  }),
);

test('counts every page as the naive model does, through random roster changes and events', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.array(pagesArb(20), { minLength: 25, maxLength: 25 }), (ops, pageSets) => {
      const model = new ReadModel();
      const naive = new Map(VDNS.map((v) => [v, new NaiveVdn()]));
      for (const v of VDNS) model.vdn(CC, v);
      ops.forEach((op, step) => {
        const n = naive.get(op.vdn)!;
        if (op.kind === 'add') {
          // what the store reports: only agents new to the VDN
          const added: AgentRef[] = [...new Set(op.ids)].filter((id) => !n.agents.has(id)).map((agentId) => ({ ccId: CC, vdn: op.vdn, agentId }));
          op.ids.forEach((id) => n.add(id));
          model.applyRoster({ configured: [], added, updated: 0, removed: [], notFound: 0 });
        } else if (op.kind === 'remove') {
          const removed = [...new Set(op.ids)].filter((id) => n.agents.has(id)).map((agentId) => ({ ccId: CC, vdn: op.vdn, agentId }));
          op.ids.forEach((id) => n.remove(id));
          model.applyRoster({ configured: [], added: [], updated: 0, removed, notFound: op.ids.length - removed.length });
        } else {
          op.events.forEach((e) => n.event(e.agentId, e.state, e.at));
          model.applyStates(op.events.map((e) => ({ ccId: CC, vdn: op.vdn, agentId: e.agentId, state: e.state as AgentState, at: e.at })));
        }
        for (const v of VDNS) {
          assert.equal(model.agentsOf(CC, v)!.size, naive.get(v)!.size);
          checkPages(model, v, naive.get(v)!, pageSets[step]!);
        }
      });
    }),
    { numRuns: 150 },
  );
});

test('ends on the same state whatever order the events arrive in, repeated or not', () => {
  const scenario = rosterArb(50).chain((roster) =>
    eventsArb(roster, BASE, 80).chain((events) =>
      fc.tuple(fc.constant(roster), fc.constant(events), arrivalArb(events), arrivalArb(events), fc.integer({ min: 1, max: 20 }), pagesArb(roster.length)),
    ),
  );
  fc.assert(
    fc.property(scenario, ([roster, events, first, second, batch, pages]) => {
      const expected = finalStates(roster, events);
      const naive = new NaiveVdn();
      for (const [id, s] of expected) naive.agents.set(id, s);
      const models = [first, second].map((arrival) => {
        const model = new ReadModel();
        model.applyRoster({ configured: [{ ccId: CC, vdn: 1 }], added: roster.map((agentId) => ({ ccId: CC, vdn: 1, agentId })), updated: 0, removed: [], notFound: 0 });
        for (let i = 0; i < arrival.length; i += batch) {
          model.applyStates(arrival.slice(i, i + batch).map((e) => ({ ccId: CC, vdn: 1, agentId: e.agentId, state: e.state as AgentState, at: e.at })));
        }
        const agents = model.agentsOf(CC, 1)!;
        const got = new Map<number, { state: number; at: number }>();
        for (let i = 0; i < agents.size; i++) got.set(agents.ids[i]!, { state: agents.states[i]!, at: agents.ats[i]! });
        assert.deepEqual(got, expected);
        checkPages(model, 1, naive, pages);
        return model;
      });
      for (const { offset, limit } of pages) assert.deepEqual(models[0]!.countPage(CC, 1, offset, limit), models[1]!.countPage(CC, 1, offset, limit));
    }),
    { numRuns: 300 },
  );
});

test('decides each event as the naive model does, agent by agent', () => {
  const scenario = rosterArb(20).chain((roster) => fc.tuple(fc.constant(roster), eventsArb(roster, BASE, 60)));
  fc.assert(
    fc.property(scenario, ([roster, events]) => {
      const agents = new VdnAgents();
      agents.merge(roster, new Set());
      const naive = new NaiveVdn();
      roster.forEach((id) => naive.add(id));
      for (const e of events) {
        const got = agents.applyState(e.agentId, e.state as AgentState, e.at);
        assert.equal(got === 'unknown' ? 'rejected' : got, naive.event(e.agentId, e.state, e.at));
      }
    }),
    { numRuns: 300 },
  );
});

test('a snapshot load answers like the model that was kept live', () => {
  const scenario = rosterArb(60).chain((roster) =>
    fc.tuple(fc.constant(roster), eventsArb(roster, BASE, 80), pagesArb(roster.length)),
  );
  fc.assert(
    fc.property(scenario, ([roster, events, pages]) => {
      const live = new ReadModel();
      live.applyRoster({ configured: [{ ccId: CC, vdn: 1 }], added: roster.map((agentId) => ({ ccId: CC, vdn: 1, agentId })), updated: 0, removed: [], notFound: 0 });
      live.applyStates(events.map((e) => ({ ccId: CC, vdn: 1, agentId: e.agentId, state: e.state as AgentState, at: e.at })));
      const loaded = new ReadModel();
      loaded.vdn(CC, 1);
      for (const [id, s] of [...finalStates(roster, events)].sort((a, b) => a[0] - b[0])) loaded.agent(CC, 1, id, s.state as AgentState, s.at);
      loaded.compact();
      for (const { offset, limit } of pages) assert.deepEqual(loaded.countPage(CC, 1, offset, limit), live.countPage(CC, 1, offset, limit));
      assert.equal(loaded.agentCount, live.agentCount);
    }),
    { numRuns: 200 },
  );
});

test('answers undefined for a VDN that is not configured, and zeros past the end', () => {
  const model = new ReadModel();
  assert.equal(model.countPage(CC, 9, 0, 10), undefined);
  model.vdn(CC, 9);
  assert.deepEqual(model.countPage(CC, 9, 0, 10), { busyAgent: 0, talkingNum: 0, idleAgent: 0, totalLoginAgent: 0 });
  model.removeVdn({ ccId: CC, vdn: 9 });
  assert.equal(model.countPage(CC, 9, 0, 10), undefined);
});
