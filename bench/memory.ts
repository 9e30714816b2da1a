// Memory and start-up with 1,000,000 agents: resident bytes an agent (RSS of a server holding
// them minus RSS of an empty one), the read model's own bytes an agent, and the time from
// process start to the first successful query of a server opening that store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedClient } from './ingest.js';
import { SYSTEM_STATE_PATH } from '../src/http/cms-routes.js';
import { CC_ID } from './fixture.js';
import { startChild } from './processes.js';

export interface MemoryResult {
  agents: number;
  vdns: number;
  prepareSeconds: number;
  emptyRss: number;
  loadedRss: number;
  rssPerAgent: number;
  modelBytesPerAgent: number;
  startupMs: number;
}

export async function memoryBenchmark(vdns: number, agentsPerVdn: number): Promise<MemoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ccmon-bench-million-'));
  try {
    const preparing = process.hrtime.bigint();
    const prep = startChild({ mode: 'prepare', dataDir: dir, vdns: Array.from({ length: vdns }, (_, i) => [10 + i, agentsPerVdn] as [number, number]) });
    await prep.ready;
    const prepareSeconds = Number(process.hrtime.bigint() - preparing) / 1e9;

    const empty = startChild({ mode: 'ccmon' }, ['--expose-gc']);
    await empty.ready;
    const emptyRss = (await empty.stats()).rss;
    await empty.stop();

    const loaded = startChild({ mode: 'ccmon', dataDir: dir }, ['--expose-gc']);
    const url = await loaded.ready;
    const client = signedClient(url);
    const answer = await client.post(SYSTEM_STATE_PATH, Buffer.from(JSON.stringify({ ccId: CC_ID, vdn: 10 + vdns - 1, offset: agentsPerVdn - 100, limit: 100 })));
    const startupMs = Number(process.hrtime.bigint() - loaded.startedAt) / 1e6;
    client.close();
    if (answer.status !== 200 || answer.json.resultCode !== '0100000') throw new Error(`first query failed: ${JSON.stringify(answer.json)}`);
    const stats = await loaded.stats();
    await loaded.stop();
    return {
      agents: stats.agents,
      vdns,
      prepareSeconds,
      emptyRss,
      loadedRss: stats.rss,
      rssPerAgent: (stats.rss - emptyRss) / stats.agents,
      modelBytesPerAgent: stats.modelBytes / stats.agents,
      startupMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
