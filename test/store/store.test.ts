// One suite for every store: the embedded SQLite store and the PostgreSQL store must behave
// the same, so each case runs once against each.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { StoredKey } from '../../src/auth/keys.js';
import { NEVER, orderEvent, type AgentEvent, type StateStamp } from '../../src/domain/events.js';
import type { RosterAgent } from '../../src/domain/roster.js';
import type { AgentState } from '../../src/domain/states.js';
import { openStore } from '../../src/store/open.js';
import { KeyExistsError, type AgentRef, type EventResult, type Store } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';
import { freshSchema, skipPostgres } from './postgres-fixture.js';

interface StoreKind {
  name: string;
  skip: string | false;
  /** A place for a store: open it (again) as often as needed, then clean up. */
  place(): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>;
  /** A roster entry this store fails on while writing, to test that a change is all or nothing. */
  poison: RosterAgent;
}

const KINDS: StoreKind[] = [
  {
    name: 'embedded SQLite store',
    skip: false,
    async place() {
      const dir = tempDir('ccmon-store-');
      return { open: () => openStore({ dataDir: dir.path }), cleanup: async () => dir.remove() };
    },
    poison: { ccId: 1, vdn: 1, agentId: 999, skills: null as unknown as number[] },
  },
  {
    name: 'PostgreSQL store',
    skip: await skipPostgres(),
    async place() {
      const schema = await freshSchema();
      return { open: () => openStore({ dataDir: '/nonexistent', databaseUrl: schema.url }), cleanup: () => schema.drop() };
    },
    poison: { ccId: 1, vdn: 1, agentId: 2 ** 31, skills: [] },
  },
];

function key(ak: string, overrides: Partial<StoredKey> = {}): StoredKey {
  return { ak, sealedSk: `plain:${ak}-secret`, role: 'write', scopes: ['1', '2/3'], rateLimit: 5.5, createdAt: 1_700_000_000_123, ...overrides };
}

function agents(ccId: number, vdn: number, ids: number[], skills: number[] = []): RosterAgent[] {
  return ids.map((agentId) => ({ ccId, vdn, agentId, skills }));
}

const byRef = (a: AgentRef, b: AgentRef) => a.ccId - b.ccId || a.vdn - b.vdn || a.agentId - b.agentId;

function event(agentId: number, state: number, at: number, vdn = 1): AgentEvent {
  return { ccId: 1, vdn, agentId, state: state as AgentState, at, reason: null };
}

async function statesOf(store: Store, ccId: number, vdn: number): Promise<Array<[number, number, number]>> {
  const rows = (await store.listAgents({ ccId, vdn }, 0, 1000)) ?? [];
  return rows.map((r) => [r.agentId, r.state, r.at]);
}

for (const kind of KINDS) {
  describe(kind.name, { skip: kind.skip }, () => {
    /** Runs a case on a fresh store and always cleans up. */
    const withStore = async (work: (store: Store, reopen: () => Promise<Store>) => Promise<void>) => {
      const place = await kind.place();
      let store = await place.open();
      try {
        await work(store, async () => {
          await store.close();
          store = await place.open();
          return store;
        });
      } finally {
        await store.close();
        await place.cleanup();
      }
    };

    it('creates, finds, lists and deletes keys, and refuses a taken AK', () =>
      withStore(async (store) => {
        await store.createKey(key('b-key'));
        await store.createKey(key('a-key', { role: 'admin', scopes: ['global'], rateLimit: null }));
        assert.deepEqual(await store.getKey('b-key'), key('b-key'));
        assert.equal(await store.getKey('missing'), undefined);
        assert.deepEqual(
          (await store.listKeys()).map((k) => k.ak),
          ['a-key', 'b-key'],
        );
        assert.deepEqual((await store.listKeys())[0], key('a-key', { role: 'admin', scopes: ['global'], rateLimit: null }));
        await assert.rejects(store.createKey(key('a-key')), KeyExistsError);
        assert.equal(await store.deleteKey('a-key'), true);
        assert.equal(await store.deleteKey('a-key'), false);
        assert.deepEqual(
          (await store.listKeys()).map((k) => k.ak),
          ['b-key'],
        );
      }));

    it('applies a roster change and reports what it configured, added, updated, removed and did not find', () =>
      withStore(async (store) => {
        const first = await store.applyRoster({ configure: [{ ccId: 1, vdn: 9 }], upsert: agents(1, 1, [103, 101, 102], [4, 2]), remove: [] });
        assert.deepEqual(first.configured.sort(byRef as never), [{ ccId: 1, vdn: 1 }, { ccId: 1, vdn: 9 }]);
        assert.deepEqual(first.added.sort(byRef), [101, 102, 103].map((agentId) => ({ ccId: 1, vdn: 1, agentId })));
        assert.equal(first.updated, 0);
        assert.deepEqual([first.removed, first.notFound], [[], 0]);

        const second = await store.applyRoster({
          configure: [{ ccId: 1, vdn: 1 }],
          upsert: [...agents(1, 1, [102], [7]), ...agents(1, 1, [104])],
          remove: [{ ccId: 1, vdn: 1, agentId: 101 }, { ccId: 1, vdn: 1, agentId: 555 }],
        });
        assert.deepEqual(second, {
          configured: [],
          added: [{ ccId: 1, vdn: 1, agentId: 104 }],
          updated: 1,
          removed: [{ ccId: 1, vdn: 1, agentId: 101 }],
          notFound: 1,
        });
        const listed = await store.listAgents({ ccId: 1, vdn: 1 }, 0, 10);
        assert.deepEqual(listed, [
          { ccId: 1, vdn: 1, agentId: 102, skills: [7], state: 0, at: NEVER, reason: null },
          { ccId: 1, vdn: 1, agentId: 103, skills: [4, 2], state: 0, at: NEVER, reason: null },
          { ccId: 1, vdn: 1, agentId: 104, skills: [], state: 0, at: NEVER, reason: null },
        ]);
        assert.deepEqual(await store.listVdns(), [{ ccId: 1, vdn: 1 }, { ccId: 1, vdn: 9 }]);
      }));

    it('counts an agent upserted twice in one change as added once and updated once, with the last skills', () =>
      withStore(async (store) => {
        const applied = await store.applyRoster({ configure: [], upsert: [...agents(2, 2, [300], [1]), ...agents(2, 2, [300], [2])], remove: [] });
        assert.equal(applied.added.length, 1);
        assert.equal(applied.updated, 1);
        assert.deepEqual((await store.listAgents({ ccId: 2, vdn: 2 }, 0, 10))!.map((a) => a.skills), [[2]]);
      }));

    it('applies all of a roster change or none of it', () =>
      withStore(async (store) => {
        await store.applyRoster({ configure: [], upsert: agents(1, 1, [101]), remove: [] });
        await assert.rejects(
          store.applyRoster({
            configure: [{ ccId: 5, vdn: 5 }],
            upsert: [...agents(1, 1, [102, 103]), kind.poison],
            remove: [{ ccId: 1, vdn: 1, agentId: 101 }],
          }),
        );
        assert.deepEqual(await store.listVdns(), [{ ccId: 1, vdn: 1 }]);
        assert.deepEqual((await store.listAgents({ ccId: 1, vdn: 1 }, 0, 10))!.map((a) => a.agentId), [101]);
      }));

    it('removes a VDN with its agents, and says false for a VDN that is not configured', () =>
      withStore(async (store) => {
        await store.applyRoster({ configure: [], upsert: [...agents(1, 1, [101, 102]), ...agents(1, 2, [101])], remove: [] });
        assert.equal(await store.removeVdn({ ccId: 1, vdn: 1 }), true);
        assert.equal(await store.removeVdn({ ccId: 1, vdn: 1 }), false);
        assert.equal(await store.listAgents({ ccId: 1, vdn: 1 }, 0, 10), undefined);
        assert.deepEqual(await store.listVdns(), [{ ccId: 1, vdn: 2 }]);
        // Configured again, the VDN starts empty.
        await store.applyRoster({ configure: [{ ccId: 1, vdn: 1 }], upsert: [], remove: [] });
        assert.deepEqual(await store.listAgents({ ccId: 1, vdn: 1 }, 0, 10), []);
      }));

    it('lists a page of agents by agent ID at any offset', () =>
      withStore(async (store) => {
        const ids = [900, 101, 5000, 250, 70000, 333, 102];
        await store.applyRoster({ configure: [], upsert: agents(3, 4, ids), remove: [] });
        const sorted = [...ids].sort((a, b) => a - b);
        for (const [offset, limit] of [[0, 3], [3, 3], [6, 3], [7, 3], [2, 100]] as const) {
          const page = await store.listAgents({ ccId: 3, vdn: 4 }, offset, limit);
          assert.deepEqual(page!.map((a) => a.agentId), sorted.slice(offset, offset + limit), `offset ${offset} limit ${limit}`);
        }
        assert.equal(await store.listAgents({ ccId: 3, vdn: 5 }, 0, 10), undefined);
      }));

    it('decides every event as orderEvent does, batch after batch, and ends on the newest state', () =>
      withStore(async (store) => {
        const roster = [101, 102, 103];
        let vdn = 0;
        const eventArb = fc.record({
          agentId: fc.constantFrom(101, 102, 103, 104),
          state: fc.integer({ min: 0, max: 10 }),
          at: fc.integer({ min: 1, max: 6 }).map((t) => 1_700_000_000_000 + t * 1000),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(fc.array(eventArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }), async (batches) => {
            vdn++;
            await store.applyRoster({ configure: [], upsert: agents(1, vdn, roster), remove: [] });
            const model = new Map<number, StateStamp>(roster.map((id) => [id, { state: 0, at: NEVER }]));
            for (const batch of batches) {
              const events = batch.map((e) => event(e.agentId, e.state, e.at, vdn));
              const expected: EventResult[] = events.map((e) => {
                const current = model.get(e.agentId);
                if (current === undefined) return { status: 'rejected', reason: `agent ${e.agentId} is not on the roster of call center 1, VDN ${vdn}` };
                const outcome = orderEvent(current, e);
                if (outcome === 'applied') model.set(e.agentId, { state: e.state, at: e.at });
                return { status: outcome };
              });
              assert.deepEqual(await store.ingest(events, Date.now()), expected);
            }
            assert.deepEqual(
              await statesOf(store, 1, vdn),
              roster.map((id) => [id, model.get(id)!.state, model.get(id)!.at]),
            );
          }),
          { numRuns: 25, seed: 4242 },
        );
      }));

    it('keeps applied and stale events in the event log, not duplicates or rejected ones', () =>
      withStore(async (store) => {
        await store.applyRoster({ configure: [], upsert: agents(1, 1, [101]), remove: [] });
        const results = await store.ingest(
          [
            { ...event(101, 1, 2000), reason: 7 },
            event(101, 1, 2000),
            event(101, 5, 1000),
            event(999, 1, 3000),
            event(101, 5, 3000),
          ],
          42_000,
        );
        assert.deepEqual(results.map((r) => r.status), ['applied', 'duplicate', 'stale', 'rejected', 'applied']);
        const log = await store.readEventLog(0, 100);
        assert.deepEqual(
          log.map(({ seq: _seq, ...rest }) => rest),
          [
            { ccId: 1, vdn: 1, agentId: 101, state: 1, at: 2000, reason: 7, receivedAt: 42_000, outcome: 'applied' },
            { ccId: 1, vdn: 1, agentId: 101, state: 5, at: 1000, reason: null, receivedAt: 42_000, outcome: 'stale' },
            { ccId: 1, vdn: 1, agentId: 101, state: 5, at: 3000, reason: null, receivedAt: 42_000, outcome: 'applied' },
          ],
        );
        assert.ok(log[0]!.seq < log[1]!.seq && log[1]!.seq < log[2]!.seq);
        assert.deepEqual(await store.readEventLog(log[1]!.seq, 100), [log[2]]);
        const [agent] = (await store.listAgents({ ccId: 1, vdn: 1 }, 0, 1))!;
        assert.deepEqual([agent!.state, agent!.at, agent!.reason], [5, 3000, null]);
      }));

    it('delivers a snapshot with VDNs and agents in ccId, VDN, agent ID order', () =>
      withStore(async (store) => {
        await store.applyRoster({ configure: [{ ccId: 9, vdn: 1 }], upsert: [...agents(2, 7, [500, 101]), ...agents(1, 30, [200, 150]), ...agents(2, 3, [101])], remove: [] });
        await store.ingest([event(150, 5, 1000, 30)], 1);
        const seen: string[] = [];
        await store.loadSnapshot({
          vdn: (cc, vdn) => seen.push(`vdn ${cc}/${vdn}`),
          agent: (cc, vdn, id, state, at) => seen.push(`agent ${cc}/${vdn}/${id} ${state}@${at}`),
        });
        assert.deepEqual(seen, [
          'vdn 1/30',
          'vdn 2/3',
          'vdn 2/7',
          'vdn 9/1',
          'agent 1/30/150 5@1000',
          'agent 1/30/200 0@-1',
          'agent 2/3/101 0@-1',
          'agent 2/7/101 0@-1',
          'agent 2/7/500 0@-1',
        ]);
      }));

    it('keeps keys, roster, states and the event log when it is opened again', () =>
      withStore(async (store, reopen) => {
        await store.createKey(key('kept'));
        await store.applyRoster({ configure: [{ ccId: 4, vdn: 4 }], upsert: agents(1, 1, [101, 102], [3]), remove: [] });
        await store.ingest([event(101, 7, 5000), event(102, 1, 4000), event(102, 0, 1000)], 9);
        const again = await reopen();
        assert.deepEqual(await again.getKey('kept'), key('kept'));
        assert.deepEqual(await again.listVdns(), [{ ccId: 1, vdn: 1 }, { ccId: 4, vdn: 4 }]);
        assert.deepEqual(await statesOf(again, 1, 1), [[101, 7, 5000], [102, 1, 4000]]);
        assert.deepEqual((await again.readEventLog(0, 10)).map((e) => e.outcome), ['applied', 'applied', 'stale']);
        assert.deepEqual(await again.ingest([event(101, 7, 5000)], 10), [{ status: 'duplicate' }]);
      }));
  });
}
