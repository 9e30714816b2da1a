// The pure rules behind the answers: the count mapping, the integer rule, the query body,
// event fields, state codes and work numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { countStates } from '../../src/domain/counts.js';
import { parseEvent, parseEventTime } from '../../src/domain/events.js';
import { isAgentId } from '../../src/domain/ids.js';
import { readInteger } from '../../src/domain/integers.js';
import { parsePageQuery } from '../../src/domain/query.js';
import { parseRosterAgent } from '../../src/domain/roster.js';
import { AGENT_STATES, parseAgentState } from '../../src/domain/states.js';
import { countOf } from '../live/naive.js';

describe('counts', () => {
  test('map each state code as the SPEC table says', () => {
    const one = (s: number) => countStates([s], 0, 1);
    assert.deepEqual(one(0), { busyAgent: 0, talkingNum: 0, idleAgent: 0, totalLoginAgent: 0 });
    assert.deepEqual(one(1), { busyAgent: 0, talkingNum: 0, idleAgent: 1, totalLoginAgent: 1 });
    for (const s of [2, 3, 4, 5]) assert.deepEqual(one(s), { busyAgent: 0, talkingNum: 1, idleAgent: 0, totalLoginAgent: 1 }, `state ${s}`);
    for (const s of [6, 7, 8, 9, 10]) assert.deepEqual(one(s), { busyAgent: 1, talkingNum: 0, idleAgent: 0, totalLoginAgent: 1 }, `state ${s}`);
  });

  test('count a range of any state array as the naive model does, and add up', () => {
    const scenario = fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 200 }).chain((states) =>
      fc.tuple(fc.constant(states), fc.integer({ min: 0, max: states.length }), fc.integer({ min: 0, max: states.length })),
    );
    fc.assert(
      fc.property(scenario, ([states, x, y]) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const got = countStates(Uint8Array.from(states), from, to);
        assert.deepEqual(got, countOf(states.slice(from, to)));
        assert.equal(got.busyAgent + got.talkingNum + got.idleAgent, got.totalLoginAgent);
      }),
    );
  });
});

describe('the integer rule', () => {
  const range = { min: 1, max: 5000 };

  test('accepts integral numbers and ASCII digit strings within range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat({ max: 5 }), (n, zeros) => {
        assert.equal(readInteger(n, range), n);
        assert.equal(readInteger('0'.repeat(zeros) + String(n), range), n);
      }),
    );
  });

  test('refuses fractions, other types, signs, spaces and out-of-range values', () => {
    for (const v of [0.5, 1.5, -1, 0, 5001, NaN, Infinity, true, null, undefined, [], {}, [1], '1.0', '1e2', ' 1', '1 ', '+1', '-1', '', '0x10', '５', '12345678901234567']) {
      assert.equal(readInteger(v, range), undefined, JSON.stringify(v) ?? String(v));
    }
    fc.assert(fc.property(fc.double({ noInteger: true }), (d) => readInteger(d, range) === undefined));
    fc.assert(fc.property(fc.string(), (s) => readInteger(s, range) === (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 5000 && s.length <= 16 ? Number(s) : undefined)));
  });

  test('folds -0 to 0', () => {
    assert.ok(Object.is(readInteger(-0, { min: 0, max: 1 }), 0));
  });
});

describe('the query body', () => {
  const fieldArb = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.constantFrom<number | string>(n, String(n)));
  const queryArb = fc.record({ ccId: fieldArb(1, 65535), vdn: fieldArb(1, 5000), offset: fieldArb(0, 2147483647), limit: fieldArb(1, 100) });

  test('reads any valid query the same wrapped or at the top level', () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const expected = { ccId: Number(q.ccId), vdn: Number(q.vdn), offset: Number(q.offset), limit: Number(q.limit) };
        assert.deepEqual(parsePageQuery(q), { ok: true, query: expected });
        assert.deepEqual(parsePageQuery({ queryParam: q, ccId: 'junk' }), { ok: true, query: expected });
        assert.deepEqual(parsePageQuery(JSON.parse(JSON.stringify({ queryParam: q }))), { ok: true, query: expected });
      }),
    );
  });

  test('refuses a query with any one field broken, naming the field', () => {
    const broken = fc.constantFrom<unknown>(undefined, null, true, 1.5, '1.0', -1, '', 'x', [], {});
    fc.assert(
      fc.property(queryArb, fc.constantFrom('ccId', 'vdn', 'offset', 'limit'), broken, (q, field, value) => {
        const parsed = parsePageQuery({ ...q, [field]: value });
        assert.equal(parsed.ok, false);
        assert.match(!parsed.ok ? parsed.reason : '', new RegExp(field));
      }),
    );
  });
});

describe('events and the roster', () => {
  const rules = { now: Date.parse('2025-01-01T00:00:00Z'), maxFutureMs: 300_000 };

  test('reads event times as ISO 8601 with a zone or epoch milliseconds', () => {
    assert.equal(parseEventTime('2024-01-01T08:00:00Z'), Date.UTC(2024, 0, 1, 8));
    assert.equal(parseEventTime('2024-01-01T08:00:00.5+02:00'), Date.UTC(2024, 0, 1, 6, 0, 0, 500));
    assert.equal(parseEventTime('2024-01-01T08:00+0100'), Date.UTC(2024, 0, 1, 7));
    assert.equal(parseEventTime(1704096000000), 1704096000000);
    assert.equal(parseEventTime('1704096000000'), 1704096000000);
    for (const bad of ['2024-01-01T08:00:00', '2024-01-01', 'yesterday', -1, 1.5, 253402300800000, null, true, '']) {
      assert.equal(parseEventTime(bad), undefined, String(bad));
    }
  });

  test('accepts state codes and names, and nothing else', () => {
    for (const s of AGENT_STATES) {
      assert.equal(parseAgentState(s.code), s.code);
      assert.equal(parseAgentState(String(s.code)), s.code);
      assert.equal(parseAgentState(s.name), s.code);
      assert.equal(parseAgentState(s.name.toUpperCase()), s.code);
    }
    for (const bad of [11, -1, 1.5, '11', 'away', '', null, true]) assert.equal(parseAgentState(bad), undefined, String(bad));
  });

  test('knows the work number ranges', () => {
    for (const id of [101, 59999, 70000, 999999]) assert.ok(isAgentId(id), String(id));
    for (const id of [100, 60000, 69999, 1000000, 101.5, 0]) assert.ok(!isAgentId(id), String(id));
  });

  test('parses a full event, and refuses each broken field with its reason', () => {
    const good = { ccId: 1, vdn: 2, agentId: 101, state: 'talking', at: '2024-12-31T23:00:00Z', reason: 12 };
    assert.deepEqual(parseEvent(good, rules), { ok: true, event: { ccId: 1, vdn: 2, agentId: 101, state: 5, at: Date.UTC(2024, 11, 31, 23), reason: 12 } });
    const broken: Array<[string, unknown, RegExp]> = [
      ['ccId', 0, /ccId/], ['vdn', 5001, /vdn/], ['agentId', 60000, /agentId/], ['state', 11, /state/],
      ['at', undefined, /at/], ['at', '2025-01-01T00:06:00Z', /ahead/], ['reason', 65536, /reason/], ['reason', 'x', /reason/],
    ];
    for (const [field, value, reason] of broken) {
      const parsed = parseEvent({ ...good, [field]: value }, rules);
      assert.equal(parsed.ok, false, `${field}=${String(value)}`);
      assert.match(!parsed.ok ? parsed.reason : '', reason);
    }
    for (const notObject of [null, [], 'x', 5]) assert.equal(parseEvent(notObject, rules).ok, false);
  });

  test('parses roster entries with sorted, deduplicated skills', () => {
    assert.deepEqual(parseRosterAgent({ ccId: '1', vdn: 2, agentId: '70000', skills: [3, '1', 3] }), { ok: true, value: { ccId: 1, vdn: 2, agentId: 70000, skills: [1, 3] } });
    for (const bad of [{ ccId: 1, vdn: 2, agentId: 100 }, { ccId: 1, vdn: 2, agentId: 101, skills: [0] }, { ccId: 1, vdn: 2, agentId: 101, skills: 'x' }, { ccId: 1, agentId: 101 }]) {
      assert.equal(parseRosterAgent(bad).ok, false, JSON.stringify(bad));
    }
  });
});
