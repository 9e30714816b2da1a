// How instances sharing one database keep their read models in step. Every write transaction
// sends a NOTIFY before it commits (PostgreSQL delivers it only if the commit happens); the
// payload carries the change, or when it would not fit in a notification, where to read it: a
// range of the event log or a row of the changes table. Each instance LISTENs on a dedicated
// connection, applies other instances' changes in commit order, and reloads everything after
// it reconnects and at a fixed interval, so a lost notification cannot keep it wrong for long.

import pg from 'pg';
import type { AgentState } from '../../domain/states.js';
import type { AgentRef, AgentStateRow, RosterApplied, StoreChangeListener, VdnRef } from '../store.js';
import type { Database } from './database.js';

/** One change as sent on the channel (short keys: it travels in every notification). */
export interface ChangeMessage {
  /** The store instance that made the change. */
  o: string;
  /** Applied states, flat: ccId, vdn, agentId, state, at, ... */
  s?: number[];
  /** Applied events are in the event log between these sequence numbers. */
  e?: [number, number];
  /** Roster: configured VDNs (ccId, vdn, ...), added and removed agents (ccId, vdn, agentId, ...). */
  r?: { c: number[]; a: number[]; x: number[] };
  /** The change is in the changes table under this sequence number. */
  c?: number;
  /** A VDN was removed. */
  v?: [number, number];
  /** Keys changed. */
  k?: 1;
}

/** NOTIFY payloads must stay under 8000 bytes. */
export const MAX_PAYLOAD = 7800;

export function flatStates(rows: readonly AgentStateRow[]): number[] {
  const flat = new Array<number>(rows.length * 5);
  let j = 0;
  for (const r of rows) {
    flat[j++] = r.ccId;
    flat[j++] = r.vdn;
    flat[j++] = r.agentId;
    flat[j++] = r.state;
    flat[j++] = r.at;
  }
  return flat;
}

function statesOf(flat: readonly number[]): AgentStateRow[] {
  const rows: AgentStateRow[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5) {
    rows.push({ ccId: flat[i]!, vdn: flat[i + 1]!, agentId: flat[i + 2]!, state: flat[i + 3] as AgentState, at: flat[i + 4]! });
  }
  return rows;
}

export function flatRoster(applied: RosterApplied): NonNullable<ChangeMessage['r']> {
  return {
    c: applied.configured.flatMap((v) => [v.ccId, v.vdn]),
    a: applied.added.flatMap((a) => [a.ccId, a.vdn, a.agentId]),
    x: applied.removed.flatMap((a) => [a.ccId, a.vdn, a.agentId]),
  };
}

function rosterOf(r: NonNullable<ChangeMessage['r']>): RosterApplied {
  const vdns: VdnRef[] = [];
  for (let i = 0; i + 1 < r.c.length; i += 2) vdns.push({ ccId: r.c[i]!, vdn: r.c[i + 1]! });
  const agents = (flat: number[]) => {
    const out: AgentRef[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) out.push({ ccId: flat[i]!, vdn: flat[i + 1]!, agentId: flat[i + 2]! });
    return out;
  };
  return { configured: vdns, added: agents(r.a), updated: 0, removed: agents(r.x), notFound: 0 };
}

/** The channel of one schema: notifications are database-wide, schemas are not. */
export function channelOf(schema: string): string {
  return `ccmon_changes ${schema}`.slice(0, 63);
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export interface FeedOptions {
  /** Full reload interval (ms); 0 turns it off. */
  resyncIntervalMs: number;
  /** Longest wait between reconnect attempts (ms). */
  maxBackoffMs?: number;
  /** How often the listening connection is checked (ms): a peer that vanished without closing it is noticed only by asking. */
  heartbeatMs?: number;
}

export class ChangeFeed {
  private client: pg.Client | null = null;
  private listening = false;
  private stopped = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly periodic: NodeJS.Timeout | null;
  private readonly heartbeat: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly channel: string,
    private readonly origin: string,
    private readonly listener: StoreChangeListener,
    private readonly options: FeedOptions,
  ) {
    this.periodic = options.resyncIntervalMs > 0 ? setInterval(() => listener.resync(), options.resyncIntervalMs) : null;
    this.periodic?.unref();
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
    this.connect();
  }

  /** True while notifications can reach this instance. */
  get connected(): boolean {
    return this.listening;
  }

  private connect(): void {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.db.config, statement_timeout: undefined, query_timeout: undefined });
    this.client = client;
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload !== undefined) this.enqueue(n.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client
      .connect()
      .then(() => client.query(`LISTEN ${quoteIdent(this.channel)}`))
      .then(
        () => {
          if (client !== this.client) return;
          this.listening = true;
          this.attempt = 0;
          // Whatever committed while nobody listened is only in the database now.
          this.listener.resync();
        },
        () => this.lost(client),
      );
  }

  private beat(): void {
    const client = this.client;
    if (client === null || !this.listening) return;
    const timeout = setTimeout(() => this.lost(client), Math.min(5000, this.options.heartbeatMs ?? 10_000));
    client.query('SELECT 1').then(
      () => clearTimeout(timeout),
      () => {
        clearTimeout(timeout);
        this.lost(client);
      },
    );
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = null;
    this.listening = false;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    if (this.stopped) return;
    const delay = Math.min(this.options.maxBackoffMs ?? 5000, 100 * 2 ** this.attempt++);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delay);
    this.retry.unref();
  }

  /** Changes are applied one at a time in the order they committed, even when one needs a read. */
  private enqueue(payload: string): void {
    this.queue = this.queue
      .then(() => this.handle(payload))
      .catch(() => {
        // The change could not be read: reload everything rather than stay wrong.
        if (!this.stopped) this.listener.resync();
      });
  }

  private async handle(payload: string): Promise<void> {
    const m = JSON.parse(payload) as ChangeMessage;
    if (m.o === this.origin || this.stopped) return;
    await this.apply(m);
  }

  private async apply(m: ChangeMessage): Promise<void> {
    const l = this.listener;
    if (m.c !== undefined) {
      const found = await this.db.query<{ body: string }>('SELECT body FROM changes WHERE seq = $1', [m.c]);
      if (found.rows.length === 0) throw new Error(`change ${m.c} is gone`);
      await this.apply(JSON.parse(found.rows[0]!.body) as ChangeMessage);
    }
    if (m.s !== undefined) l.states(statesOf(m.s));
    if (m.e !== undefined) {
      const found = await this.db.query<AgentStateRow>(
        `SELECT cc_id AS "ccId", vdn, agent_id AS "agentId", state, at FROM events
         WHERE seq BETWEEN $1 AND $2 AND outcome = 'applied' ORDER BY seq`,
        m.e,
      );
      if (!this.stopped) l.states(found.rows);
    }
    if (m.r !== undefined) l.roster(rosterOf(m.r));
    if (m.v !== undefined) l.vdnRemoved({ ccId: m.v[0], vdn: m.v[1] });
    if (m.k !== undefined) l.keysChanged();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.periodic !== null) clearInterval(this.periodic);
    clearInterval(this.heartbeat);
    if (this.retry !== null) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    this.listening = false;
    if (client !== null) await client.end().catch(() => {});
    await this.queue.catch(() => {});
  }
}
