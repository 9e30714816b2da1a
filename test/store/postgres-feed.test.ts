// What only the PostgreSQL store has to do: keep instances in step through the change feed,
// start safely side by side, stay bounded when the database is slow, and come back by itself
// when the database does.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvent } from '../../src/domain/events.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { StoreUnavailableError, type AgentStateRow, type RosterApplied, type StoreChangeListener, type VdnRef } from '../../src/store/store.js';
import { adminQuery, eventually, freshSchema, skipPostgres, startRelay, terminateConnections, type TestSchema } from './postgres-fixture.js';

function recorder() {
  const seen = { states: [] as AgentStateRow[], roster: [] as RosterApplied[], vdns: [] as VdnRef[], keys: 0, resyncs: 0 };
  const listener: StoreChangeListener = {
    states: (rows) => seen.states.push(...rows),
    roster: (change) => seen.roster.push(change),
    vdnRemoved: (ref) => seen.vdns.push(ref),
    keysChanged: () => seen.keys++,
    resync: () => seen.resyncs++,
  };
  return { seen, listener };
}

function events(vdn: number, count: number, at: number): AgentEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ccId: 1, vdn, agentId: 101 + i, state: 1, at, reason: null }));
}

function roster(vdn: number, count: number) {
  return { configure: [], upsert: Array.from({ length: count }, (_, i) => ({ ccId: 1, vdn, agentId: 101 + i, skills: [1] })), remove: [] };
}

describe('PostgreSQL store between instances', { skip: await skipPostgres() }, () => {
  let schema: TestSchema;
  const open: PostgresStore[] = [];
  const openStore = async (url = schema.url, options: PostgresStoreOptions = {}) => {
    const store = await PostgresStore.open(url, options);
    open.push(store);
    return store;
  };

  before(async () => {
    schema = await freshSchema();
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await schema.drop();
  });

  it('delivers another instance\'s roster, states, VDN removals and key changes, but not its own', async () => {
    const [a, b] = [await openStore(), await openStore()];
    const fromA = recorder();
    const fromB = recorder();
    a.watch(fromA.listener);
    b.watch(fromB.listener);
    await eventually(() => fromA.seen.resyncs > 0 && fromB.seen.resyncs > 0, 'both listen');

    await a.applyRoster(roster(1, 2));
    await a.ingest(events(1, 2, 1000), 1);
    await a.createKey({ ak: 'feed-key', sealedSk: 'plain:x', role: 'read', scopes: ['global'], rateLimit: null, createdAt: 1 });
    await a.removeVdn({ ccId: 1, vdn: 1 });
    await eventually(() => fromB.seen.vdns.length === 1, 'the VDN removal arrives');
    assert.deepEqual(fromB.seen.roster, [
      { configured: [{ ccId: 1, vdn: 1 }], added: [{ ccId: 1, vdn: 1, agentId: 101 }, { ccId: 1, vdn: 1, agentId: 102 }], updated: 0, removed: [], notFound: 0 },
    ]);
    assert.deepEqual(fromB.seen.states, [
      { ccId: 1, vdn: 1, agentId: 101, state: 1, at: 1000 },
      { ccId: 1, vdn: 1, agentId: 102, state: 1, at: 1000 },
    ]);
    assert.equal(fromB.seen.keys, 1);
    assert.deepEqual([fromA.seen.roster, fromA.seen.states, fromA.seen.vdns, fromA.seen.keys], [[], [], [], 0]);
  });

  it('sends changes too large for a notification through the event log and the changes table', async () => {
    const [a, b] = [await openStore(), await openStore()];
    const fromB = recorder();
    b.watch(fromB.listener);
    await eventually(() => fromB.seen.resyncs > 0, 'the watcher listens');
    await a.applyRoster(roster(2, 2000));
    await eventually(() => fromB.seen.roster.length === 1, 'the roster change arrives');
    assert.equal(fromB.seen.roster[0]!.added.length, 2000);
    const [{ n }] = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema.name}.changes`);
    assert.ok(n >= 1, 'the roster change went through the changes table');

    await a.ingest(events(2, 1500, 5000), 1);
    await eventually(() => fromB.seen.states.length === 1500, 'all 1500 states arrive');
    assert.deepEqual(fromB.seen.states[1499], { ccId: 1, vdn: 2, agentId: 1600, state: 1, at: 5000 });
  });

  it('applies each schema version once when instances start together on an empty schema', async () => {
    const fresh = await freshSchema();
    try {
      const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(fresh.url)));
      await Promise.all(stores.map((s) => s.close()));
      const versions = await adminQuery<{ version: number }>(`SELECT version FROM ${fresh.name}.schema_migrations ORDER BY version`);
      assert.deepEqual(versions.map((v) => v.version), POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await fresh.drop();
    }
  });

  it('refuses at once when too many requests already wait for a connection', async () => {
    const store = await openStore(schema.url, { maxConnections: 1, maxWaiting: 2 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.listVdns()));
    const refused = results.filter((r) => r.status === 'rejected');
    // One request may be opening the connection; at most two more wait for it.
    assert.ok(refused.length >= 7, `${refused.length} refused`);
    for (const r of refused) assert.ok((r as PromiseRejectedResult).reason instanceof StoreUnavailableError);
  });

  it('gives up on a statement the database does not finish in time', async () => {
    const store = await openStore(schema.url, { statementTimeoutMs: 300 });
    await store.applyRoster(roster(3, 1));
    const holder = new (await import('pg')).default.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM agents WHERE vdn = 3 FOR UPDATE');
      const started = Date.now();
      await assert.rejects(store.ingest(events(3, 1, 1000), 1), /did not answer in time/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    assert.deepEqual(await store.ingest(events(3, 1, 1000), 1), [{ status: 'applied' }]);
  });

  it('reconnects and resyncs after its connections are closed', async () => {
    const store = await openStore();
    const watcher = recorder();
    store.watch(watcher.listener);
    await eventually(() => store.ready && watcher.seen.resyncs === 1, 'it listens');
    assert.ok((await terminateConnections(schema)) >= 1);
    await eventually(() => watcher.seen.resyncs >= 2 && store.ready, 'it resyncs and is ready again');
    assert.deepEqual(await store.ingest(events(1, 1, 1), 1), [{ status: 'rejected', reason: 'agent 101 is not on the roster of call center 1, VDN 1' }]);
  });

  it('is not ready and refuses writes while the database is away, and resyncs when it is back', async () => {
    const relay = await startRelay(schema);
    try {
      const store = await openStore(relay.url, { probeMs: 100, connectTimeoutMs: 1000 });
      const watcher = recorder();
      store.watch(watcher.listener);
      await eventually(() => store.ready && watcher.seen.resyncs === 1, 'it listens');
      relay.down();
      await eventually(() => !store.ready, 'it is not ready');
      await assert.rejects(store.ingest(events(1, 1, 1), 1), StoreUnavailableError);
      await assert.rejects(store.applyRoster(roster(4, 1)), StoreUnavailableError);
      relay.up();
      await eventually(() => store.ready && watcher.seen.resyncs >= 2, 'it is ready and resynced');
      assert.equal((await store.applyRoster(roster(4, 1))).added.length, 1);
    } finally {
      await relay.close();
    }
  });

  it('notices a listening connection that stopped answering without closing, and resyncs', async () => {
    const relay = await startRelay(schema);
    try {
      const store = await openStore(relay.url, { heartbeatMs: 200 });
      const watcher = recorder();
      store.watch(watcher.listener);
      await eventually(() => store.ready && watcher.seen.resyncs === 1, 'it listens');
      relay.freeze();
      await eventually(() => watcher.seen.resyncs >= 2 && store.ready, 'it listens again and resyncs', 5000);
    } finally {
      await relay.close();
    }
  });
});
