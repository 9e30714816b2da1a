// Schema versions of the embedded store, applied in order; PRAGMA user_version records how far.

export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE vdns (
     cc_id INTEGER NOT NULL,
     vdn INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (cc_id, vdn)
   ) WITHOUT ROWID;
   CREATE TABLE agents (
     cc_id INTEGER NOT NULL,
     vdn INTEGER NOT NULL,
     agent_id INTEGER NOT NULL,
     skills TEXT NOT NULL DEFAULT '',
     state INTEGER NOT NULL DEFAULT 0,
     state_at INTEGER NOT NULL DEFAULT -1,
     reason INTEGER,
     PRIMARY KEY (cc_id, vdn, agent_id)
   ) WITHOUT ROWID;
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     cc_id INTEGER NOT NULL,
     vdn INTEGER NOT NULL,
     agent_id INTEGER NOT NULL,
     state INTEGER NOT NULL,
     at INTEGER NOT NULL,
     reason INTEGER,
     received_at INTEGER NOT NULL,
     outcome TEXT NOT NULL
   );
   CREATE TABLE keys (
     ak TEXT PRIMARY KEY,
     sealed_sk TEXT NOT NULL,
     role TEXT NOT NULL,
     scopes TEXT NOT NULL,
     rate_limit REAL,
     created_at INTEGER NOT NULL
   );`,
];
