// A 2xx from ingest means durable: a real `ccmon serve` is killed with SIGKILL in the middle of
// concurrent event batches, restarted on the same data directory, and every acknowledged event
// must still be there (SPEC section 5).

import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'node:test';
import { CcmonClient } from '../../src/client/client.js';
import { tempDir } from '../helpers.js';
import { ccmon, eventually, serve, type ServeProcess } from './processes.js';

const AK = 'e2e-kill9';
const SK = 'e2e-kill9-secret-0123456789';
const CC = 1;
const VDN = 1;
const AGENTS = 200;
const WORKERS = 4;
const ROUNDS = 3;
const agentIds = Array.from({ length: AGENTS }, (_, i) => 1001 + i);

interface Sent {
  /** Per agent: event time -> state of every event sent. */
  states: Map<number, Map<number, number>>;
  /** Per agent: the event time of the newest event in an acknowledged batch. */
  acked: Map<number, number>;
  /** Every acknowledged event, as agentId/at/state. */
  ackedEvents: Set<string>;
  /** Per agent: how many events have been made, so every event is newer than the last. */
  seq: Map<number, number>;
}

interface ListedAgent {
  agentId: number;
  state: number;
  at: string | null;
}

/** One worker: sends its agents' events batch after batch until a request fails. */
async function worker(client: CcmonClient, mine: number[], sent: Sent, base: number): Promise<number> {
  let batches = 0;
  for (;;) {
    const events = mine.map((agentId) => {
      const seq = (sent.seq.get(agentId) ?? 0) + 1;
      sent.seq.set(agentId, seq);
      const at = base + seq;
      const state = Math.floor(Math.random() * 11);
      sent.states.get(agentId)!.set(at, state);
      return { ccId: CC, vdn: VDN, agentId, state, at };
    });
    let status: number;
    let results: Array<{ status: string }>;
    try {
      const res = await client.request('POST', '/api/v1/events', { events });
      status = res.status;
      results = res.json?.resultDesc?.results;
    } catch {
      return batches; // the server is gone
    }
    if (status < 200 || status >= 300) return batches;
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['applied']), 'every event of a fresh batch applies');
    for (const e of events) {
      sent.acked.set(e.agentId, e.at);
      sent.ackedEvents.add(`${e.agentId}/${e.at}/${e.state}`);
    }
    batches++;
  }
}

/** Acknowledged events missing from the store's event log (read from the database file itself). */
function missingFromLog(dataDir: string, acked: Set<string>): string[] {
  const db = new Database(join(dataDir, 'ccmon.db'), { readonly: true, fileMustExist: true });
  try {
    const logged = new Set(
      (db.prepare('SELECT agent_id, at, state FROM events WHERE cc_id = ? AND vdn = ?').raw().all(CC, VDN) as number[][]).map((r) => r.join('/')),
    );
    return [...acked].filter((e) => !logged.has(e));
  } finally {
    db.close();
  }
}

async function listAgents(client: CcmonClient): Promise<ListedAgent[]> {
  const r = await client.call('GET', `/api/v1/vdns/${CC}/${VDN}/agents?offset=0&limit=1000`);
  return r.agents as ListedAgent[];
}

test('every event acknowledged before a kill -9 mid-ingest is there after a restart, three times over', async (t) => {
  const dir = tempDir('ccmon-e2e-kill9-');
  const sent: Sent = { states: new Map(agentIds.map((id) => [id, new Map()])), acked: new Map(), ackedEvents: new Set(), seq: new Map() };
  const base = Date.now() - 3_600_000;
  let server: ServeProcess | null = null;
  try {
    const key = await ccmon(['keys', 'create', '--ak', AK, '--sk', SK, '--role', 'admin', '--scope', 'global', '--data', dir.path]);
    assert.equal(key.code, 0, key.stderr);
    server = await serve(['--data', dir.path]);
    const setup = new CcmonClient({ url: server.url, ak: AK, sk: SK });
    await setup.call('POST', '/api/v1/roster', { upsert: agentIds.map((agentId) => ({ ccId: CC, vdn: VDN, agentId, skills: [1] })) });
    setup.close();

    for (let round = 1; round <= ROUNDS; round++) {
      const victim: ServeProcess = server;
      const clients = Array.from({ length: WORKERS }, () => new CcmonClient({ url: victim.url, ak: AK, sk: SK, timeoutMs: 10_000 }));
      const running = clients.map((c, w) => worker(c, agentIds.filter((_, i) => i % WORKERS === w), sent, base));
      // The kill comes at a random moment once ingest is under way, however slow the machine.
      const ackedBefore = sent.ackedEvents.size;
      await eventually(async () => sent.ackedEvents.size > ackedBefore, 10_000, 5);
      const killAfterMs = Math.floor(Math.random() * 700);
      await new Promise((r) => setTimeout(r, killAfterMs));
      await victim.kill9();
      const batches = await Promise.all(running);
      for (const c of clients) c.close();
      const total = batches.reduce((a, b) => a + b, 0);
      t.diagnostic(`round ${round}: killed ${killAfterMs} ms after the first acknowledgement, ${total} batches (${total * (AGENTS / WORKERS)} events) acknowledged`);
      assert.ok(total > 0, `round ${round}: no batch was acknowledged before the kill at ${killAfterMs} ms`);

      server = await serve(['--data', dir.path]);
      const client = new CcmonClient({ url: server.url, ak: AK, sk: SK });
      try {
        const agents = await listAgents(client);
        assert.equal(agents.length, AGENTS);
        for (const a of agents) {
          const acked = sent.acked.get(a.agentId);
          if (acked === undefined) continue;
          assert.ok(a.at !== null, `round ${round}: agent ${a.agentId} lost all its events`);
          const at = Date.parse(a.at);
          assert.ok(at >= acked, `round ${round} (kill at ${killAfterMs} ms): agent ${a.agentId} is at ${at - base}, the last acknowledged event was ${acked - base}`);
          assert.equal(sent.states.get(a.agentId)!.get(at), a.state, `agent ${a.agentId} holds a state that was never sent at that time`);
        }
        const missing = missingFromLog(dir.path, sent.ackedEvents);
        assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} of ${sent.ackedEvents.size} acknowledged events are not in the event log`);
        // The restarted read model agrees with the store it was loaded from.
        const res = await client.systemState({ ccId: CC, vdn: VDN, offset: 0, limit: 100 });
        const page = agents.slice(0, 100).map((a) => a.state);
        const expected = {
          busyAgent: page.filter((s) => s >= 6).length,
          talkingNum: page.filter((s) => s >= 2 && s <= 5).length,
          idleAgent: page.filter((s) => s === 1).length,
          totalLoginAgent: page.filter((s) => s !== 0).length,
        };
        assert.deepEqual(res.json.resultDesc, expected);
      } finally {
        client.close();
      }
    }
    assert.equal(await server.stop(), 0);
    server = null;
    const db = new Database(join(dir.path, 'ccmon.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  } finally {
    await server?.kill9();
    dir.remove();
  }
});
