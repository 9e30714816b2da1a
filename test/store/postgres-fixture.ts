// PostgreSQL for tests: the server named by CCMON_TEST_DATABASE_URL (default: the local test
// database), and a fresh schema per test so runs never see each other's rows. Without a
// reachable server the PostgreSQL tests are skipped with one line saying why, except under CI,
// where they must run.

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.CCMON_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message || String((err as { code?: string }).code);
  } finally {
    await client.end().catch(() => {});
  }
}

function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

let checked: Promise<string | false> | null = null;

/**
 * Why PostgreSQL tests are skipped, or false when they run. Under CI an unreachable server is
 * a failure, not a reason to skip.
 */
export function skipPostgres(): Promise<string | false> {
  checked ??= reachable().then((problem) => {
    if (problem === null) return false;
    if (underCi()) throw new Error(`CI needs PostgreSQL at ${safeUrl()}: ${problem}`);
    const reason = `PostgreSQL at ${safeUrl()} is unreachable (${problem}); set CCMON_TEST_DATABASE_URL to run these tests`;
    console.log(`skipping PostgreSQL tests: ${reason}`);
    return reason;
  });
  return checked;
}

function safeUrl(): string {
  const u = new URL(TEST_DATABASE_URL);
  u.password = '';
  return u.toString();
}

/** Runs SQL as the test user, on its own short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = any>(sql: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestSchema {
  name: string;
  /** The database URL with this schema as the search path. */
  url: string;
  drop(): Promise<void>;
}

let schemaSeq = 0;

export async function freshSchema(): Promise<TestSchema> {
  const name = `ccmon_test_${process.pid}_${Date.now().toString(36)}_${++schemaSeq}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('options', `-c search_path=${name}`);
  // Names this schema's connections, so a fault test can close them and nobody else's.
  u.searchParams.set('application_name', name);
  return {
    name,
    url: u.toString(),
    drop: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
}

/** Closes every connection to a test schema: what a database restart does to ccmon. */
export async function terminateConnections(schema: TestSchema): Promise<number> {
  const rows = await adminQuery<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
    [schema.name],
  );
  return rows[0]!.n;
}

/**
 * A TCP relay in front of the test database: taking it down cuts every connection and refuses
 * new ones, as a database that went away would, until it is brought up again.
 */
export interface DatabaseRelay {
  /** A URL for the schema that goes through the relay. */
  url: string;
  down(): void;
  up(): void;
  /** Stops passing bytes on the connections open now, without closing them (new ones still work). */
  freeze(): void;
  close(): Promise<void>;
}

export async function startRelay(schema: TestSchema): Promise<DatabaseRelay> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let isUp = true;
  const server = createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const u = new URL(schema.url);
  u.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const down = () => {
    isUp = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: u.toString(),
    down,
    up() {
      isUp = true;
    },
    freeze() {
      for (const s of sockets) s.pause();
    },
    close() {
      down();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until check passes, or fails naming what never happened. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
