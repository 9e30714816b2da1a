// A reload of the read model takes a while on a large roster; writes made meanwhile, by this
// instance or another, must survive the switch to the reloaded model.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../src/auth/secret-box.js';
import { Monitor } from '../../src/core/monitor.js';
import { silentLogger } from '../../src/log.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { eventually, freshSchema, skipPostgres, type TestSchema } from './postgres-fixture.js';

const AGENTS = 60_000;

describe('reloading the read model from PostgreSQL', { skip: await skipPostgres() }, () => {
  let schema: TestSchema;
  let monitor: Monitor;
  let other: PostgresStore;

  before(async () => {
    schema = await freshSchema();
    other = await PostgresStore.open(schema.url);
    await other.applyRoster({
      configure: [],
      upsert: Array.from({ length: AGENTS }, (_, i) => ({ ccId: 1, vdn: 1, agentId: 101 + i, skills: [] })),
      remove: [],
    });
    monitor = await Monitor.start(await PostgresStore.open(schema.url, { resyncIntervalMs: 0 }), new SecretBox(null), silentLogger);
    await eventually(() => monitor.ready, 'the monitor is ready');
  });
  after(async () => {
    await monitor?.close();
    await other?.close();
    await schema.drop();
  });

  const stateOf = (agentId: number) => {
    const agents = monitor.model.agentsOf(1, 1)!;
    return agents.states[agents.indexOf(agentId)];
  };

  it('keeps its own and other instances\' writes made while a reload reads the snapshot', async () => {
    for (let round = 0; round < 3; round++) {
      const at = 1_700_000_000_000 + 10 * round;
      const reload = monitor.resync();
      // Both commit while the reload is still reading the agents of its older snapshot.
      const [own] = await Promise.all([
        monitor.ingest([{ ccId: 1, vdn: 1, agentId: 101, state: 5, at, reason: null }], at),
        other.ingest([{ ccId: 1, vdn: 1, agentId: 102, state: 7, at, reason: null }], at),
      ]);
      assert.deepEqual(own, [{ status: 'applied' }]);
      await eventually(() => stateOf(102) === 7, 'the other write arrives');
      await reload;
      assert.equal(stateOf(101), 5, `own write kept (round ${round})`);
      assert.equal(stateOf(102), 7, `other write kept (round ${round})`);
      await monitor.ingest([{ ccId: 1, vdn: 1, agentId: 101, state: 1, at: at + 1, reason: null }, { ccId: 1, vdn: 1, agentId: 102, state: 1, at: at + 1, reason: null }], at);
    }
  });
});
