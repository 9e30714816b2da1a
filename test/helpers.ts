// Shared test fixtures: a real server on a free port over a fresh data directory, and clients
// signed with keys created in its store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcmonClient } from '../src/client/client.js';
import type { AppOptions } from '../src/http/exchange.js';
import { silentLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Role } from '../src/auth/keys.js';

export function tempDir(prefix = 'ccmon-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestServer {
  running: RunningServer;
  url: string;
  dataDir: string;
  /** Creates a key in the server's store and returns a client signed with it. */
  client(role?: Role, scopes?: string[], rateLimit?: number | null): Promise<CcmonClient>;
  close(): Promise<void>;
}

let keySeq = 0;

export async function startTestServer(options: { app?: Partial<AppOptions>; masterKey?: string | null; databaseUrl?: string } = {}): Promise<TestServer> {
  const dir = tempDir();
  const running = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir.path,
    databaseUrl: options.databaseUrl,
    masterKey: options.masterKey ?? null,
    demo: false,
    log: silentLogger,
    app: options.app,
  });
  const clients: CcmonClient[] = [];
  return {
    running,
    url: running.url,
    dataDir: dir.path,
    async client(role: Role = 'admin', scopes: string[] = ['global'], rateLimit: number | null = null) {
      const ak = `test-${process.pid}-${++keySeq}`;
      const sk = `secret-${ak}-0123456789abcdef`;
      await running.monitor.store.createKey({
        ak,
        sealedSk: running.monitor.keys.box.seal(sk),
        role,
        scopes,
        rateLimit,
        createdAt: Date.now(),
      });
      await running.monitor.keys.reload();
      const c = new CcmonClient({ url: running.url, ak, sk });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await running.close();
      dir.remove();
    },
  };
}
