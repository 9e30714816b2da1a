// The event ordering rule: a total order on (time, state), so ingest is idempotent and the end
// state does not depend on arrival order.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NEVER, orderEvent, type StateStamp } from '../../src/domain/events.js';
import type { AgentState } from '../../src/domain/states.js';

const stampArb: fc.Arbitrary<StateStamp> = fc.record({
  state: fc.integer({ min: 0, max: 10 }).map((s) => s as AgentState),
  at: fc.oneof(fc.constant(NEVER), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 253402300799999 })),
});

/** The greater of two stamps, by time and then by state code. */
const greater = (a: StateStamp, b: StateStamp) => (b.at > a.at || (b.at === a.at && b.state > a.state) ? b : a);
const fold = (events: readonly StateStamp[]) =>
  events.reduce<StateStamp>((cur, e) => (orderEvent(cur, e) === 'applied' ? e : cur), { state: 0, at: NEVER });

test('a repeat of the current stamp is a duplicate', () => {
  fc.assert(fc.property(stampArb, (s) => orderEvent(s, { ...s }) === 'duplicate'));
});

test('is antisymmetric: if b applies over a, a is stale against b', () => {
  fc.assert(
    fc.property(stampArb, stampArb, (a, b) => {
      const ab = orderEvent(a, b);
      const ba = orderEvent(b, a);
      if (ab === 'duplicate') assert.equal(ba, 'duplicate');
      else assert.equal(ba, ab === 'applied' ? 'stale' : 'applied');
    }),
  );
});

test('applies exactly the newer event, and at the same time the higher state code', () => {
  fc.assert(fc.property(stampArb, stampArb, (cur, e) => (orderEvent(cur, e) === 'applied') === (greater(cur, e) === e && (e.at !== cur.at || e.state !== cur.state))));
  assert.equal(orderEvent({ state: 5, at: 10 }, { state: 1, at: 11 }), 'applied');
  assert.equal(orderEvent({ state: 5, at: 10 }, { state: 9, at: 9 }), 'stale');
  assert.equal(orderEvent({ state: 5, at: 10 }, { state: 6, at: 10 }), 'applied');
  assert.equal(orderEvent({ state: 5, at: 10 }, { state: 4, at: 10 }), 'stale');
  assert.equal(orderEvent({ state: 0, at: NEVER }, { state: 0, at: 0 }), 'applied');
});

test('is transitive: applied over applied is applied', () => {
  fc.assert(
    fc.property(stampArb, stampArb, stampArb, (a, b, c) => {
      if (orderEvent(a, b) === 'applied' && orderEvent(b, c) === 'applied') assert.equal(orderEvent(a, c), 'applied');
    }),
  );
});

test('folding any arrival order, with repeats, ends on the greatest stamp', () => {
  const scenario = fc.array(stampArb, { maxLength: 30 }).chain((events) =>
    fc.tuple(fc.constant(events), fc.shuffledSubarray([...events, ...events], { minLength: events.length * 2, maxLength: events.length * 2 })),
  );
  fc.assert(
    fc.property(scenario, ([events, arrival]) => {
      const best = events.reduce<StateStamp>(greater, { state: 0, at: NEVER });
      // compared as plain values: the generated stamps differ in prototype
      assert.deepEqual({ ...fold(events) }, { ...best });
      assert.deepEqual({ ...fold(arrival) }, { ...best });
    }),
    { numRuns: 300 },
  );
});
