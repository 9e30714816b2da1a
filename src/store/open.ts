// Chooses the store from the configuration: PostgreSQL when a database URL is given, else the
// embedded SQLite file in the data directory.

import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  dataDir: string;
  databaseUrl?: string;
  /** For a server: the data directory is its alone. */
  exclusive?: boolean;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) {
    throw new Error('this build of ccmon has no PostgreSQL store');
  }
  return SqliteStore.open(config.dataDir, { exclusive: config.exclusive });
}
