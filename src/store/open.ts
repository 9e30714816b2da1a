// Chooses the store from the configuration: PostgreSQL when a database URL is given, else the
// embedded SQLite file in the data directory.

import type { PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  dataDir: string;
  /** postgres://user@host:5432/db (a schema other than public: ?options=-c%20search_path%3Dname). */
  databaseUrl?: string;
  /** For a server: the data directory is its alone. */
  exclusive?: boolean;
  postgres?: PostgresStoreOptions;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
      throw new Error('the database URL must start with postgres:// or postgresql://');
    }
    // Loaded only when asked for, so the embedded store starts without the driver.
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(config.databaseUrl, config.postgres);
  }
  return SqliteStore.open(config.dataDir, { exclusive: config.exclusive });
}
