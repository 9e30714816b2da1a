// The processes under test, each started by run.ts with fork() so the load generator and the
// server never share a core's event loop. argv[2] is a JSON ChildSpec; the child reports on IPC.
//   bare    — node:http reading each body and answering fixed success bytes, nothing else
//   ccmon   — startServer over a data directory (or PostgreSQL), optionally loading VDNs first
//   prepare — fills a data directory with VDNs through the store and exits

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../src/auth/secret-box.js';
import { Monitor } from '../src/core/monitor.js';
import { successBody } from '../src/http/cms-routes.js';
import { silentLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { openStore } from '../src/store/open.js';
import { createBenchKey, loadVdn } from './fixture.js';

export interface ChildSpec {
  mode: 'bare' | 'ccmon' | 'prepare';
  /** Data directory; a temporary one (removed on exit) when absent. */
  dataDir?: string;
  databaseUrl?: string;
  /** VDNs to load before serving: [vdn, agents]. */
  vdns?: Array<[number, number]>;
}

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'stats'; rss: number; agents: number; modelBytes: number }
  | { type: 'done' };

/** Removes what this child created when it is told to go or its parent goes away. */
let cleanup = (): void => {};

function reply(message: ChildMessage): void {
  process.send!(message);
}

const BARE_BODY = successBody({ busyAgent: 3, talkingNum: 4, idleAgent: 1, totalLoginAgent: 8 });

function startBare(): void {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(BARE_BODY) });
      res.end(BARE_BODY);
    });
  });
  server.keepAliveTimeout = 65_000;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'exit') process.exit(0);
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    reply({ type: 'ready', url: `http://127.0.0.1:${port}` });
  });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

async function startCcmon(spec: ChildSpec): Promise<void> {
  const temp = spec.dataDir ? null : mkdtempSync(join(tmpdir(), 'ccmon-bench-'));
  const running = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: spec.dataDir ?? temp!,
    databaseUrl: spec.databaseUrl,
    masterKey: null,
    demo: false,
    log: silentLogger,
  });
  const { monitor } = running;
  cleanup = () => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  await createBenchKey(monitor.store);
  await monitor.keys.reload();
  for (const [vdn, agents] of spec.vdns ?? []) await loadVdn(monitor, vdn, agents, Date.now() - 60_000);
  gc(); // the fixture's loading garbage is not the server's to carry into the measurement
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') {
      gc();
      let modelBytes = 0;
      for (const ref of monitor.model.vdnRefs()) {
        const a = monitor.model.agentsOf(ref.ccId, ref.vdn)!;
        modelBytes += a.ids.byteLength + a.states.byteLength + a.ats.byteLength;
      }
      reply({ type: 'stats', rss: process.memoryUsage().rss, agents: monitor.model.agentCount, modelBytes });
    } else if (m.type === 'exit') {
      void running.close().then(() => {
        cleanup();
        process.exit(0);
      });
    }
  });
  reply({ type: 'ready', url: running.url });
}

async function prepare(spec: ChildSpec): Promise<void> {
  const store = await openStore({ dataDir: spec.dataDir!, databaseUrl: spec.databaseUrl });
  const monitor = await Monitor.start(store, new SecretBox(null), silentLogger);
  await createBenchKey(store);
  for (const [vdn, agents] of spec.vdns ?? []) await loadVdn(monitor, vdn, agents, Date.now() - 60_000);
  await monitor.close();
  reply({ type: 'done' });
  process.disconnect();
}

const spec = JSON.parse(process.argv[2]!) as ChildSpec;
process.on('disconnect', () => {
  cleanup();
  process.exit(0);
});
if (spec.mode === 'bare') startBare();
else if (spec.mode === 'ccmon') await startCcmon(spec);
else await prepare(spec);
