// The PostgreSQL store: several ccmon instances share one database. Every write is one
// transaction whose outcome the database decides (row locks taken in key order, then the same
// ordering rule as orderEvent in SQL), and whose change reaches the other instances through
// the change feed once it commits.

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Role, StoredKey } from '../../auth/keys.js';
import type { AgentEvent } from '../../domain/events.js';
import type { AgentState } from '../../domain/states.js';
import {
  KeyExistsError,
  unknownAgentReason,
  type AgentRecord,
  type AgentRef,
  type EventResult,
  type LoggedEvent,
  type RosterApplied,
  type RosterChange,
  type SnapshotSink,
  type Store,
  type StoreChangeListener,
  type VdnRef,
} from '../store.js';
import { ChangeFeed, MAX_PAYLOAD, channelOf, flatRoster, flatStates, type ChangeMessage } from './change-feed.js';
import { Database, describeUrl, type DatabaseOptions } from './database.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresStoreOptions extends DatabaseOptions {
  /** Full reload of a watching instance's read model (ms); 0 turns it off. */
  resyncIntervalMs?: number;
  /** How often a watching instance checks its listening connection (ms). */
  heartbeatMs?: number;
  /** How long a too-large change stays readable in the changes table (ms). */

  changeRetentionMs?: number;
}

interface KeyRow {
  ak: string;
  sealed_sk: string;
  role: Role;
  scopes: string[];
  rate_limit: number | null;
  created_at: number;
}

function keyOfRow(row: KeyRow): StoredKey {
  return { ak: row.ak, sealedSk: row.sealed_sk, role: row.role, scopes: row.scopes, rateLimit: row.rate_limit, createdAt: row.created_at };
}

const OUTCOME_OF_CODE = { a: 'applied', d: 'duplicate', s: 'stale' } as const;
const SNAPSHOT_PAGE = 20_000;

// Events of one batch are decided in order: each against the stored state and the batch's
// earlier events for the same agent (a running maximum). (at, state) is compared as one key,
// at * 16 + state, since state codes are below 16. Rows were locked by the caller.
const DECIDE_AND_WRITE = `
WITH input AS (
  SELECT t.*, t.at * 16 + t.state AS k
  FROM unnest($1::int[], $2::int[], $3::int[], $4::smallint[], $5::bigint[], $6::int[])
       WITH ORDINALITY AS t(cc_id, vdn, agent_id, state, at, reason, i)
), decided AS (
  SELECT input.*,
         GREATEST(a.state_at * 16 + a.state,
                  max(input.k) OVER (PARTITION BY input.cc_id, input.vdn, input.agent_id ORDER BY input.i
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS before_k,
         a.agent_id IS NULL AS unknown
  FROM input LEFT JOIN agents a USING (cc_id, vdn, agent_id)
), outcomes AS (
  SELECT *, CASE WHEN unknown THEN 'r' WHEN k > before_k THEN 'a' WHEN k = before_k THEN 'd' ELSE 's' END AS code
  FROM decided
), final AS (
  SELECT DISTINCT ON (cc_id, vdn, agent_id) cc_id, vdn, agent_id, state, at, reason, k
  FROM outcomes WHERE code = 'a'
  ORDER BY cc_id, vdn, agent_id, k DESC
), updated AS (
  UPDATE agents a SET state = f.state, state_at = f.at, reason = f.reason
  FROM final f
  WHERE a.cc_id = f.cc_id AND a.vdn = f.vdn AND a.agent_id = f.agent_id
    AND (a.state_at < f.at OR (a.state_at = f.at AND a.state < f.state))
  RETURNING 1
), logged AS (
  INSERT INTO events (cc_id, vdn, agent_id, state, at, reason, received_at, outcome)
  SELECT cc_id, vdn, agent_id, state, at, reason, $7,
         CASE code WHEN 'a' THEN 'applied' ELSE 'stale' END
  FROM outcomes WHERE code IN ('a', 's') ORDER BY i
  RETURNING seq, outcome
)
SELECT (SELECT string_agg(code, '' ORDER BY i) FROM outcomes) AS codes,
       (SELECT count(*) FROM updated) AS updated,
       (SELECT min(seq) FROM logged WHERE outcome = 'applied') AS first_seq,
       (SELECT max(seq) FROM logged WHERE outcome = 'applied') AS last_seq`;

// Locks the batch's agents in key order, so concurrent batches wait for each other instead of deadlocking.
const LOCK_AGENTS = `
SELECT count(*) AS n FROM (
  SELECT 1 FROM agents a
  WHERE (a.cc_id, a.vdn, a.agent_id) IN (SELECT * FROM unnest($1::int[], $2::int[], $3::int[]))
  ORDER BY a.cc_id, a.vdn, a.agent_id
  FOR UPDATE
) locked`;

function compareRefs(a: AgentRef, b: AgentRef): number {
  return a.ccId - b.ccId || a.vdn - b.vdn || a.agentId - b.agentId;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /** Tells this instance's notifications from the others'. */
  private readonly origin = randomBytes(6).toString('base64url');
  private feed: ChangeFeed | null = null;
  private readonly retentionMs: number;

  private constructor(
    private readonly db: Database,
    private readonly channel: string,
    private readonly options: PostgresStoreOptions,
  ) {
    this.retentionMs = options.changeRetentionMs ?? 10 * 60_000;
  }

  /** Connects, and brings the schema up to date. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const db = new Database(url, options);
    try {
      const schema = await migrate(db);
      return new PostgresStore(db, channelOf(schema), options);
    } catch (err) {
      await db.end();
      throw new Error(`cannot open the PostgreSQL database ${describeUrl(url)}: ${(err as Error).message}`);
    }
  }

  get ready(): boolean {
    return this.db.ready && (this.feed === null || this.feed.connected);
  }

  private async notify(client: pg.PoolClient, message: Omit<ChangeMessage, 'o'>): Promise<void> {
    let payload = JSON.stringify({ o: this.origin, ...message });
    if (payload.length > MAX_PAYLOAD) {
      const stored = await client.query<{ seq: number }>('INSERT INTO changes (body) VALUES ($1) RETURNING seq', [payload]);
      await client.query(`DELETE FROM changes WHERE created_at < now() - $1 * interval '1 millisecond'`, [this.retentionMs]);
      payload = JSON.stringify({ o: this.origin, c: stored.rows[0]!.seq });
    }
    await client.query('SELECT pg_notify($1, $2)', [this.channel, payload]);
  }

  async loadSnapshot(sink: SnapshotSink): Promise<void> {
    await this.db.transaction(async (c) => {
      const vdns = await c.query({ text: 'SELECT cc_id, vdn FROM vdns ORDER BY cc_id, vdn', rowMode: 'array' });
      for (const [ccId, vdn] of vdns.rows as number[][]) sink.vdn(ccId!, vdn!);
      await c.query('DECLARE snapshot_agents NO SCROLL CURSOR FOR SELECT cc_id, vdn, agent_id, state, state_at FROM agents ORDER BY cc_id, vdn, agent_id');
      for (;;) {
        const page = await c.query({ text: `FETCH ${SNAPSHOT_PAGE} FROM snapshot_agents`, rowMode: 'array' });
        for (const r of page.rows as number[][]) sink.agent(r[0]!, r[1]!, r[2]!, r[3] as AgentState, r[4]!);
        if (page.rows.length < SNAPSHOT_PAGE) break;
      }
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async getKey(ak: string): Promise<StoredKey | undefined> {
    const found = await this.db.query<KeyRow>('SELECT * FROM keys WHERE ak = $1', [ak]);
    return found.rows[0] && keyOfRow(found.rows[0]);
  }

  async listKeys(): Promise<StoredKey[]> {
    return (await this.db.query<KeyRow>('SELECT * FROM keys ORDER BY ak')).rows.map(keyOfRow);
  }

  async createKey(key: StoredKey): Promise<void> {
    try {
      await this.db.transaction(async (c) => {
        await c.query('INSERT INTO keys (ak, sealed_sk, role, scopes, rate_limit, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          key.ak,
          key.sealedSk,
          key.role,
          key.scopes,
          key.rateLimit,
          key.createdAt,
        ]);
        await this.notify(c, { k: 1 });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new KeyExistsError(key.ak);
      throw err;
    }
  }

  async deleteKey(ak: string): Promise<boolean> {
    return this.db.transaction(async (c) => {
      const deleted = (await c.query('DELETE FROM keys WHERE ak = $1', [ak])).rowCount === 1;
      if (deleted) await this.notify(c, { k: 1 });
      return deleted;
    });
  }

  async applyRoster(change: RosterChange): Promise<RosterApplied> {
    const now = Date.now();
    // One row per agent (the last skills win, as applying them one by one would), sorted so
    // concurrent changes lock rows in the same order.
    const upserts = new Map<string, { ref: AgentRef; skills: number[]; times: number }>();
    for (const a of change.upsert) {
      const id = `${a.ccId}/${a.vdn}/${a.agentId}`;
      const seen = upserts.get(id);
      if (seen) {
        seen.skills = a.skills;
        seen.times++;
      } else upserts.set(id, { ref: { ccId: a.ccId, vdn: a.vdn, agentId: a.agentId }, skills: a.skills, times: 1 });
    }
    const agents = [...upserts.values()].sort((a, b) => compareRefs(a.ref, b.ref));
    const vdnIds = new Map<string, VdnRef>();
    for (const v of [...change.configure, ...change.upsert]) vdnIds.set(`${v.ccId}/${v.vdn}`, { ccId: v.ccId, vdn: v.vdn });
    const vdns = [...vdnIds.values()];
    const removals = [...change.remove].sort(compareRefs);

    return this.db.transaction(async (c) => {
      const applied: RosterApplied = { configured: [], added: [], updated: 0, removed: [], notFound: 0 };
      if (vdns.length > 0) {
        const configured = await c.query<VdnRef>(
          `INSERT INTO vdns (cc_id, vdn, created_at)
           SELECT cc, v, $3 FROM unnest($1::int[], $2::int[]) AS t(cc, v) ORDER BY cc, v
           ON CONFLICT DO NOTHING RETURNING cc_id AS "ccId", vdn`,
          [vdns.map((v) => v.ccId), vdns.map((v) => v.vdn), now],
        );
        applied.configured = configured.rows;
      }
      if (agents.length > 0) {
        const upserted = await c.query<AgentRef & { inserted: boolean }>(
          `INSERT INTO agents (cc_id, vdn, agent_id, skills)
           SELECT cc, v, a, s::int[] FROM unnest($1::int[], $2::int[], $3::int[], $4::text[]) AS t(cc, v, a, s) ORDER BY cc, v, a
           ON CONFLICT (cc_id, vdn, agent_id) DO UPDATE SET skills = EXCLUDED.skills
           RETURNING cc_id AS "ccId", vdn, agent_id AS "agentId", (xmax = 0) AS inserted`,
          [agents.map((a) => a.ref.ccId), agents.map((a) => a.ref.vdn), agents.map((a) => a.ref.agentId), agents.map((a) => `{${a.skills.join(',')}}`)],
        );
        const added = new Set<string>();
        for (const r of upserted.rows) {
          if (r.inserted) {
            applied.added.push({ ccId: r.ccId, vdn: r.vdn, agentId: r.agentId });
            added.add(`${r.ccId}/${r.vdn}/${r.agentId}`);
          }
        }
        for (const [id, a] of upserts) applied.updated += added.has(id) ? a.times - 1 : a.times;
      }
      if (removals.length > 0) {
        const removed = await c.query<AgentRef>(
          `DELETE FROM agents a USING unnest($1::int[], $2::int[], $3::int[]) AS r(cc, v, id)
           WHERE a.cc_id = r.cc AND a.vdn = r.v AND a.agent_id = r.id
           RETURNING a.cc_id AS "ccId", a.vdn, a.agent_id AS "agentId"`,
          [removals.map((r) => r.ccId), removals.map((r) => r.vdn), removals.map((r) => r.agentId)],
        );
        applied.removed = removed.rows;
        applied.notFound = removals.length - removed.rows.length;
      }
      if (applied.configured.length + applied.added.length + applied.removed.length > 0) {
        await this.notify(c, { r: flatRoster(applied) });
      }
      return applied;
    });
  }

  async removeVdn(ref: VdnRef): Promise<boolean> {
    return this.db.transaction(async (c) => {
      await c.query('DELETE FROM agents WHERE cc_id = $1 AND vdn = $2', [ref.ccId, ref.vdn]);
      const removed = (await c.query('DELETE FROM vdns WHERE cc_id = $1 AND vdn = $2', [ref.ccId, ref.vdn])).rowCount === 1;
      if (removed) await this.notify(c, { v: [ref.ccId, ref.vdn] });
      return removed;
    });
  }

  async listVdns(): Promise<VdnRef[]> {
    return (await this.db.query<VdnRef>('SELECT cc_id AS "ccId", vdn FROM vdns ORDER BY cc_id, vdn')).rows;
  }

  async listAgents(ref: VdnRef, offset: number, limit: number): Promise<AgentRecord[] | undefined> {
    return this.db.withClient(async (c) => {
      const vdn = await c.query('SELECT 1 FROM vdns WHERE cc_id = $1 AND vdn = $2', [ref.ccId, ref.vdn]);
      if (vdn.rows.length === 0) return undefined;
      const rows = await c.query<AgentRecord>(
        `SELECT cc_id AS "ccId", vdn, agent_id AS "agentId", skills, state, state_at AS at, reason FROM agents
         WHERE cc_id = $1 AND vdn = $2 ORDER BY agent_id LIMIT $3 OFFSET $4`,
        [ref.ccId, ref.vdn, limit, offset],
      );
      return rows.rows;
    });
  }

  async ingest(events: readonly AgentEvent[], receivedAt: number): Promise<EventResult[]> {
    if (events.length === 0) return [];
    const n = events.length;
    const cc = new Array<number>(n);
    const vdn = new Array<number>(n);
    const agent = new Array<number>(n);
    const state = new Array<number>(n);
    const at = new Array<number>(n);
    const reason = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const e = events[i]!;
      cc[i] = e.ccId;
      vdn[i] = e.vdn;
      agent[i] = e.agentId;
      state[i] = e.state;
      at[i] = e.at;
      reason[i] = e.reason;
    }
    return this.db.transaction(async (c) => {
      await c.query({ name: 'ccmon-lock-agents', text: LOCK_AGENTS, values: [cc, vdn, agent] });
      const decided = await c.query<{ codes: string; first_seq: number | null; last_seq: number | null }>({
        name: 'ccmon-decide-events',
        text: DECIDE_AND_WRITE,
        values: [cc, vdn, agent, state, at, reason, receivedAt],
      });
      const { codes, first_seq, last_seq } = decided.rows[0]!;
      const results: EventResult[] = new Array(n);
      const applied: AgentEvent[] = [];
      for (let i = 0; i < n; i++) {
        const code = codes[i] as 'a' | 'd' | 's' | 'r';
        if (code === 'r') {
          results[i] = { status: 'rejected', reason: unknownAgentReason(events[i]!) };
          continue;
        }
        results[i] = { status: OUTCOME_OF_CODE[code] };
        if (code === 'a') applied.push(events[i]!);
      }
      if (applied.length > 0) {
        // About 35 bytes an event: past a couple of hundred, point at the event log instead.
        const inline = applied.length * 48 < MAX_PAYLOAD;
        await this.notify(c, inline ? { s: flatStates(applied) } : { e: [first_seq!, last_seq!] });
      }
      return results;
    });
  }

  async readEventLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db.query<LoggedEvent>(
      `SELECT seq, cc_id AS "ccId", vdn, agent_id AS "agentId", state, at, reason, received_at AS "receivedAt", outcome
       FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.rows;
  }

  watch(listener: StoreChangeListener): () => void {
    const feed = new ChangeFeed(this.db, this.channel, this.origin, listener, {
      resyncIntervalMs: this.options.resyncIntervalMs ?? 30_000,
      heartbeatMs: this.options.heartbeatMs,
    });
    this.feed = feed;
    // The database coming back means writes and notifications may have been missed meanwhile.
    this.db.onRecovered = () => listener.resync();
    return () => {
      if (this.feed === feed) this.feed = null;
      this.db.onRecovered = () => {};
      void feed.stop();
    };
  }

  async close(): Promise<void> {
    const feed = this.feed;
    this.feed = null;
    await feed?.stop();
    await this.db.end();
  }
}

/** Applies the schema versions this instance knows; returns the schema the tables live in. */
async function migrate(db: Database): Promise<string> {
  return db.transaction(async (c) => {
    const schema = (await c.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]!.schema;
    if (schema === null) throw new Error('the search_path names no schema that exists: create it first');
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('ccmon schema ' || current_schema()))`);
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
                     version integer PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now())`);
    const current = (await c.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')).rows[0]!.v;
    if (current > POSTGRES_MIGRATIONS.length) {
      throw new Error(`the database has schema version ${current}, newer than this ccmon knows (${POSTGRES_MIGRATIONS.length}): upgrade ccmon`);
    }
    for (let v = current; v < POSTGRES_MIGRATIONS.length; v++) {
      await c.query(POSTGRES_MIGRATIONS[v]!);
      await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    return schema;
  });
}
