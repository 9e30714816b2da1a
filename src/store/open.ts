// Chooses the store from the configuration: PostgreSQL when a database URL is given, else the
// embedded SQLite file in the data directory.

import type { PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  dataDir: string;
  /** postgres://user@host:5432/db; see storeUrlOptions for ccmon's own parameters. */
  databaseUrl?: string;
  /** For a server: the data directory is its alone. */
  exclusive?: boolean;
  postgres?: PostgresStoreOptions;
}

/**
 * ccmon's own settings may ride on the database URL, so one setting (--database or
 * CCMON_DATABASE_URL) configures the store; they are taken out before the URL reaches the driver.
 */
const URL_OPTIONS = {
  pool_max: { option: 'maxConnections', min: 1, max: 1000, scale: 1 },
  pool_max_waiting: { option: 'maxWaiting', min: 0, max: 1_000_000, scale: 1 },
  resync_interval: { option: 'resyncIntervalMs', min: 0, max: 86_400, scale: 1000 },
} as const satisfies Record<string, { option: keyof PostgresStoreOptions; min: number; max: number; scale: number }>;

export function storeUrlOptions(databaseUrl: string): { url: string; options: PostgresStoreOptions } {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    throw new Error('the database URL is not a valid URL; expected postgres://user@host:5432/database');
  }
  const options: PostgresStoreOptions = {};
  for (const [name, spec] of Object.entries(URL_OPTIONS)) {
    const text = u.searchParams.get(name);
    if (text === null) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < spec.min || value > spec.max) {
      throw new Error(`the database URL parameter ${name} must be an integer from ${spec.min} to ${spec.max}`);
    }
    options[spec.option] = value * spec.scale;
    u.searchParams.delete(name);
  }
  return { url: u.toString(), options };
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
      throw new Error('the database URL must start with postgres:// or postgresql://');
    }
    const { url, options } = storeUrlOptions(config.databaseUrl);
    // Loaded only when asked for, so the embedded store starts without the driver.
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(url, { ...options, ...config.postgres });
  }
  return SqliteStore.open(config.dataDir, { exclusive: config.exclusive });
}
