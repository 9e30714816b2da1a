// The connection side of the PostgreSQL store: a bounded pool, what counts as "the database is
// unavailable", and a probe that notices when it is back. A slow or absent database makes
// requests fail fast with StoreUnavailableError instead of piling up.

import pg from 'pg';
import { StoreUnavailableError } from '../store.js';

export interface DatabaseOptions {
  /** Connections in the pool. */
  maxConnections?: number;
  /** Requests allowed to wait for a connection; more fail at once. */
  maxWaiting?: number;
  /** How long to wait for a connection, new or pooled (ms). */
  connectTimeoutMs?: number;
  /** Server-side limit of one statement (ms). */
  statementTimeoutMs?: number;
  /** How often to try the database while it is unavailable (ms). */
  probeMs?: number;
}

const DEFAULTS: Required<DatabaseOptions> = {
  maxConnections: 10,
  maxWaiting: 500,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 15_000,
  probeMs: 500,
};

const INT8 = 20;

/** bigint columns hold epoch milliseconds and sequence numbers: all well inside 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** True when the error says the database could not be reached or lost the connection. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.code !== undefined) {
    if (CONNECTION_ERRORS.has(e.code)) return true;
    // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P0x shutdown.
    if (/^(08|53)/.test(e.code) || /^57P0/.test(e.code)) return true;
  }
  return /Connection terminated|connection error|not queryable|Query read timeout/i.test(e.message ?? '');
}

/** Deadlocks and serialization failures: the transaction can simply run again. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** A URL to show in messages: no password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'the configured database';
  }
}

export class Database {
  readonly pool: pg.Pool;
  readonly config: pg.ClientConfig;
  private readonly options: Required<DatabaseOptions>;
  private healthy = true;
  private probe: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly guarded = new WeakSet<pg.PoolClient>();
  /** Called when the database answers again after being unavailable. */
  onRecovered: () => void = () => {};
  onUnavailable: (cause: string) => void = () => {};

  constructor(readonly url: string, options: DatabaseOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.config = {
      connectionString: url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
      // A database that stops answering without closing the connection is caught here.
      query_timeout: this.options.statementTimeoutMs + 5000,
      keepAlive: true,
      types: TYPES,
      application_name: 'ccmon',
    };
    this.pool = new pg.Pool({ ...this.config, max: this.options.maxConnections, idleTimeoutMillis: 30_000 });
    // An idle connection that the server closes is dropped by the pool; it says the database may be gone.
    this.pool.on('error', (err) => this.failed(err));
  }

  get ready(): boolean {
    return this.healthy && !this.closed;
  }

  /** Turns a failure into StoreUnavailableError when it is about reaching the database. */
  private unavailable(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) return err;
    if (isConnectionError(err)) {
      this.failed(err as Error);
      return new StoreUnavailableError((err as Error).message || String((err as { code?: string }).code));
    }
    // A busy database, not necessarily a lost one: refuse this request, but don't reload over it.
    if ((err as { code?: string } | null)?.code === '57014') {
      return new StoreUnavailableError('the database did not answer in time');
    }
    if (/timeout exceeded when trying to connect/.test((err as Error | null)?.message ?? '')) {
      return new StoreUnavailableError(`no database connection within ${this.options.connectTimeoutMs} ms`);
    }
    return err;
  }

  private failed(err: Error): void {
    if (this.closed) return;
    if (this.healthy) {
      this.healthy = false;
      this.onUnavailable(err.message);
    }
    this.startProbe();
  }

  private startProbe(): void {
    if (this.probe !== null || this.closed) return;
    this.probe = setTimeout(() => {
      const client = new pg.Client(this.config);
      client.on('error', () => {});
      client
        .connect()
        .then(() => client.query('SELECT 1'))
        .then(
          () => {
            this.probe = null;
            if (this.closed) return;
            this.healthy = true;
            this.onRecovered();
          },
          () => {
            this.probe = null;
            this.startProbe();
          },
        )
        .finally(() => void client.end().catch(() => {}));
    }, this.options.probeMs);
    this.probe.unref();
  }

  async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
    if (this.pool.waitingCount >= this.options.maxWaiting) {
      throw new StoreUnavailableError(`${this.pool.waitingCount} requests are already waiting for a database connection`);
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.unavailable(err);
    }
    // The pool listens for errors only on idle connections; one lost between two statements
    // of a transaction would otherwise be an unhandled 'error' event.
    if (!this.guarded.has(client)) {
      this.guarded.add(client);
      client.on('error', (err) => this.failed(err));
    }
    return client;
  }

  async query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    try {
      const result = await client.query<R>(text, values);
      client.release();
      return result;
    } catch (err) {
      client.release(isConnectionError(err) ? (err as Error) : undefined);
      throw this.unavailable(err);
    }
  }

  /** Runs work on one connection, outside a transaction. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (err) {
      client.release(isConnectionError(err) ? (err as Error) : undefined);
      throw this.unavailable(err);
    }
  }

  /** Runs work in one transaction; runs it again after a deadlock or serialization failure. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await client.query(begin);
          try {
            const result = await work(client);
            await client.query('COMMIT');
            return result;
          } catch (err) {
            if (!isConnectionError(err)) await client.query('ROLLBACK').catch(() => {});
            throw err;
          }
        });
      } catch (err) {
        if (attempt < 3 && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probe !== null) clearTimeout(this.probe);
    this.probe = null;
    await this.pool.end();
  }
}
