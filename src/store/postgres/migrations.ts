// Schema versions of the PostgreSQL store, applied in order at start; schema_migrations records
// which ones ran. The runner holds a transaction-scoped advisory lock, so instances that start
// together apply each version exactly once.

export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE vdns (
     cc_id integer NOT NULL,
     vdn integer NOT NULL,
     created_at bigint NOT NULL,
     PRIMARY KEY (cc_id, vdn)
   );
   CREATE TABLE agents (
     cc_id integer NOT NULL,
     vdn integer NOT NULL,
     agent_id integer NOT NULL,
     skills integer[] NOT NULL DEFAULT '{}',
     state smallint NOT NULL DEFAULT 0,
     state_at bigint NOT NULL DEFAULT -1,
     reason integer,
     PRIMARY KEY (cc_id, vdn, agent_id)
   );
   CREATE TABLE events (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     cc_id integer NOT NULL,
     vdn integer NOT NULL,
     agent_id integer NOT NULL,
     state smallint NOT NULL,
     at bigint NOT NULL,
     reason integer,
     received_at bigint NOT NULL,
     outcome text NOT NULL
   );
   CREATE TABLE keys (
     ak text PRIMARY KEY,
     sealed_sk text NOT NULL,
     role text NOT NULL,
     scopes text[] NOT NULL,
     rate_limit double precision,
     created_at bigint NOT NULL
   );
   -- Changes too large for a notification's payload; listeners read them by seq.
   CREATE TABLE changes (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     body text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   );`,
];
