// The embedded store: one SQLite file in the data directory, written in WAL mode with a full
// sync on every commit, so whatever a caller was told is stored survives kill -9 and power loss.

import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Role, StoredKey } from '../../auth/keys.js';
import { orderEvent, type AgentEvent } from '../../domain/events.js';
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
import { SQLITE_MIGRATIONS } from './migrations.js';

export const DATABASE_FILE = 'ccmon.db';
const LOCK_FILE = 'serve.lock';

interface KeyRow {
  ak: string;
  sealed_sk: string;
  role: Role;
  scopes: string;
  rate_limit: number | null;
  created_at: number;
}

function keyOfRow(row: KeyRow): StoredKey {
  return {
    ak: row.ak,
    sealedSk: row.sealed_sk,
    role: row.role,
    scopes: JSON.parse(row.scopes) as string[],
    rateLimit: row.rate_limit,
    createdAt: row.created_at,
  };
}

function skillsText(skills: readonly number[]): string {
  return skills.join(';');
}

function skillsOf(text: string): number[] {
  return text === '' ? [] : text.split(';').map(Number);
}

export interface SqliteStoreOptions {
  /** Take the data directory for this process alone (a running server). */
  exclusive?: boolean;
  /** How often to look for commits by other processes (ms). */
  pollMs?: number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly ready = true;
  private readonly db: Database.Database;
  private readonly lockPath: string | null;
  private readonly pollMs: number;
  private readonly stmt;

  private constructor(readonly dir: string, options: SqliteStoreOptions) {
    makeDirectory(dir);
    this.lockPath = options.exclusive ? takeLock(join(dir, LOCK_FILE), dir) : null;
    this.pollMs = options.pollMs ?? 1000;
    try {
      this.db = new Database(join(dir, DATABASE_FILE));
      this.db.pragma('busy_timeout = 5000'); // first: another process may be creating the file too
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      migrate(this.db);
    } catch (err) {
      if (this.lockPath) rmSync(this.lockPath, { force: true });
      throw err;
    }
    const db = this.db;
    this.stmt = {
      applyEvent: db.prepare(
        `UPDATE agents SET state = ?, state_at = ?, reason = ?
         WHERE cc_id = ? AND vdn = ? AND agent_id = ? AND (state_at < ? OR (state_at = ? AND state < ?))`,
      ),
      agentStamp: db.prepare('SELECT state, state_at AS at FROM agents WHERE cc_id = ? AND vdn = ? AND agent_id = ?'),
      logEvent: db.prepare(
        `INSERT INTO events (cc_id, vdn, agent_id, state, at, reason, received_at, outcome)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      configureVdn: db.prepare('INSERT OR IGNORE INTO vdns (cc_id, vdn, created_at) VALUES (?, ?, ?)'),
      addAgent: db.prepare(
        'INSERT OR IGNORE INTO agents (cc_id, vdn, agent_id, skills, state, state_at) VALUES (?, ?, ?, ?, 0, -1)',
      ),
      updateSkills: db.prepare('UPDATE agents SET skills = ? WHERE cc_id = ? AND vdn = ? AND agent_id = ?'),
      removeAgent: db.prepare('DELETE FROM agents WHERE cc_id = ? AND vdn = ? AND agent_id = ?'),
      removeVdnAgents: db.prepare('DELETE FROM agents WHERE cc_id = ? AND vdn = ?'),
      removeVdn: db.prepare('DELETE FROM vdns WHERE cc_id = ? AND vdn = ?'),
      listVdns: db.prepare('SELECT cc_id AS ccId, vdn FROM vdns ORDER BY cc_id, vdn'),
      hasVdn: db.prepare('SELECT 1 FROM vdns WHERE cc_id = ? AND vdn = ?'),
      listAgents: db.prepare(
        `SELECT cc_id AS ccId, vdn, agent_id AS agentId, skills, state, state_at AS at, reason FROM agents
         WHERE cc_id = ? AND vdn = ? ORDER BY agent_id LIMIT ? OFFSET ?`,
      ),
      allAgents: db.prepare('SELECT cc_id, vdn, agent_id, state, state_at FROM agents ORDER BY cc_id, vdn, agent_id'),
      getKey: db.prepare('SELECT * FROM keys WHERE ak = ?'),
      listKeys: db.prepare('SELECT * FROM keys ORDER BY ak'),
      createKey: db.prepare(
        'INSERT INTO keys (ak, sealed_sk, role, scopes, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteKey: db.prepare('DELETE FROM keys WHERE ak = ?'),
    };
  }

  static async open(dir: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    return new SqliteStore(dir, options);
  }

  async loadSnapshot(sink: SnapshotSink): Promise<void> {
    for (const v of this.stmt.listVdns.all() as VdnRef[]) sink.vdn(v.ccId, v.vdn);
    for (const row of this.stmt.allAgents.raw().iterate() as IterableIterator<number[]>) {
      sink.agent(row[0]!, row[1]!, row[2]!, row[3] as AgentState, row[4]!);
    }
  }

  async getKey(ak: string): Promise<StoredKey | undefined> {
    const row = this.stmt.getKey.get(ak) as KeyRow | undefined;
    return row && keyOfRow(row);
  }

  async listKeys(): Promise<StoredKey[]> {
    return (this.stmt.listKeys.all() as KeyRow[]).map(keyOfRow);
  }

  async createKey(key: StoredKey): Promise<void> {
    try {
      this.stmt.createKey.run(key.ak, key.sealedSk, key.role, JSON.stringify(key.scopes), key.rateLimit, key.createdAt);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new KeyExistsError(key.ak);
      throw err;
    }
  }

  async deleteKey(ak: string): Promise<boolean> {
    return this.stmt.deleteKey.run(ak).changes === 1;
  }

  async applyRoster(change: RosterChange): Promise<RosterApplied> {
    const now = Date.now();
    const s = this.stmt;
    return this.db.transaction((): RosterApplied => {
      const applied: RosterApplied = { configured: [], added: [], updated: 0, removed: [], notFound: 0 };
      const configure = (ref: VdnRef) => {
        if (s.configureVdn.run(ref.ccId, ref.vdn, now).changes === 1) applied.configured.push({ ccId: ref.ccId, vdn: ref.vdn });
      };
      change.configure.forEach(configure);
      for (const a of change.upsert) {
        configure(a);
        const skills = skillsText(a.skills);
        if (s.addAgent.run(a.ccId, a.vdn, a.agentId, skills).changes === 1) {
          applied.added.push({ ccId: a.ccId, vdn: a.vdn, agentId: a.agentId });
        } else {
          s.updateSkills.run(skills, a.ccId, a.vdn, a.agentId);
          applied.updated++;
        }
      }
      for (const r of change.remove) {
        if (s.removeAgent.run(r.ccId, r.vdn, r.agentId).changes === 1) {
          applied.removed.push({ ccId: r.ccId, vdn: r.vdn, agentId: r.agentId });
        } else {
          applied.notFound++;
        }
      }
      return applied;
    }).immediate();
  }

  async removeVdn(ref: VdnRef): Promise<boolean> {
    return this.db.transaction(() => {
      this.stmt.removeVdnAgents.run(ref.ccId, ref.vdn);
      return this.stmt.removeVdn.run(ref.ccId, ref.vdn).changes === 1;
    }).immediate();
  }

  async listVdns(): Promise<VdnRef[]> {
    return this.stmt.listVdns.all() as VdnRef[];
  }

  async listAgents(ref: VdnRef, offset: number, limit: number): Promise<AgentRecord[] | undefined> {
    if (this.stmt.hasVdn.get(ref.ccId, ref.vdn) === undefined) return undefined;
    const rows = this.stmt.listAgents.all(ref.ccId, ref.vdn, limit, offset) as Array<AgentRecord & { skills: string }>;
    return rows.map((r) => ({ ...r, skills: skillsOf(r.skills) }));
  }

  async ingest(events: readonly AgentEvent[], receivedAt: number): Promise<EventResult[]> {
    const s = this.stmt;
    return this.db.transaction((): EventResult[] => {
      const results: EventResult[] = new Array(events.length);
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        const changed = s.applyEvent.run(e.state, e.at, e.reason, e.ccId, e.vdn, e.agentId, e.at, e.at, e.state).changes;
        if (changed === 1) {
          s.logEvent.run(e.ccId, e.vdn, e.agentId, e.state, e.at, e.reason, receivedAt, 'applied');
          results[i] = { status: 'applied' };
          continue;
        }
        const current = s.agentStamp.get(e.ccId, e.vdn, e.agentId) as { state: AgentState; at: number } | undefined;
        if (current === undefined) {
          results[i] = { status: 'rejected', reason: unknownAgentReason(e) };
          continue;
        }
        const outcome = orderEvent(current, e);
        if (outcome === 'stale') s.logEvent.run(e.ccId, e.vdn, e.agentId, e.state, e.at, e.reason, receivedAt, 'stale');
        results[i] = { status: outcome };
      }
      return results;
    }).immediate();
  }

  async readEventLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    return this.db
      .prepare(
        `SELECT seq, cc_id AS ccId, vdn, agent_id AS agentId, state, at, reason, received_at AS receivedAt, outcome
         FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
      )
      .all(afterSeq, limit) as LoggedEvent[];
  }

  watch(listener: StoreChangeListener): () => void {
    let version = this.db.pragma('data_version', { simple: true });
    const timer = setInterval(() => {
      const now = this.db.pragma('data_version', { simple: true });
      if (now !== version) {
        version = now;
        listener.keysChanged();
      }
    }, this.pollMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    if (this.lockPath) rmSync(this.lockPath, { force: true });
  }

  /** The count of logged events, by outcome (for tests and diagnostics). */
  eventLogCounts(): Record<string, number> {
    const rows = this.db.prepare('SELECT outcome, count(*) AS n FROM events GROUP BY outcome').all() as Array<{
      outcome: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`the data file has schema version ${current}, newer than this ccmon knows (${SQLITE_MIGRATIONS.length}): upgrade ccmon`);
  }
  for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process opening the same new file may have run this step meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) > v) return;
      db.exec(SQLITE_MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever where the kernel answers
 * ENOENT for a parent that exists (/proc, /sys), and this fails with that error instead.
 */
function makeDirectory(dir: string): void {
  const path = resolve(dir);
  try {
    if (statSync(path).isDirectory()) return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    const parent = dirname(path);
    if (code === 'ENOENT' && parent !== path) makeDirectory(parent);
  }
  try {
    mkdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw err;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A pid file that keeps a second server off the same data directory; a dead owner's lock is taken over. */
function takeLock(path: string, dir: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8'));
      if (owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new Error(`another ccmon server (pid ${owner}) is using the data directory ${dir}`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the data directory ${dir}`);
}

