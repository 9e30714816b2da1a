// Where a query's time goes: each stage of the CC-CMS query path timed in this process over
// the same kind of signed request pool the load runs use, by CPU time of the process (so each
// stage's own garbage collection, on any thread, is included and other processes are not).

import { KeyRing, verifyRequest } from '../src/auth/key-ring.js';
import type { StoredKey } from '../src/auth/keys.js';
import { SecretBox } from '../src/auth/secret-box.js';
import { parsePageQuery } from '../src/domain/query.js';
import { SYSTEM_STATE_PATH, successBody } from '../src/http/cms-routes.js';
import { isJsonContentType, parseJson } from '../src/http/exchange.js';
import { ReadModel } from '../src/live/read-model.js';
import { BENCH_AK, BENCH_SK, CC_ID, agentIdAt, stateAt } from './fixture.js';
import { JSON_TYPE, queryPool } from './pool.js';

export interface Stage {
  name: string;
  ns: number;
}

function time(iterations: number, pass: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 20_000); i++) sink += pass(i) ? 1 : 0; // warm-up
  const started = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink += pass(i) ? 1 : 0;
  const used = process.cpuUsage(started);
  const ns = ((used.user + used.system) * 1000) / iterations;
  if (sink < 0) console.log(sink);
  return ns;
}

export async function breakdown(iterations: number, agents: number): Promise<Stage[]> {
  const key: StoredKey = { ak: BENCH_AK, sealedSk: 'plain:' + BENCH_SK, role: 'write', scopes: ['global'], rateLimit: null, createdAt: 0 };
  const ring = new KeyRing({ getKey: async () => key, listKeys: async () => [key] }, new SecretBox(null));
  await ring.reload();
  const model = new ReadModel();
  model.vdn(CC_ID, 2);
  for (let i = 0; i < agents; i++) model.agent(CC_ID, 2, agentIdAt(i), stateAt(i), 1);
  model.compact();

  const host = '127.0.0.1:8080';
  const pool = queryPool({ host, vdn: 2, agents, count: iterations, perSecond: 20_000, startMs: Date.now() });
  const headers = pool.map((q) => ({ host, 'content-type': JSON_TYPE, 'content-length': String(q.body.length), authorization: q.authorization }));
  const now = Date.now();
  const skew = 15 * 60_000;

  const signature = time(iterations, (i) => {
    const q = pool[i]!;
    const h = headers[i]!;
    const v = verifyRequest(ring, h.authorization, { method: 'POST', path: SYSTEM_STATE_PATH, query: '', headers: h, body: q.body }, now, skew);
    if (!v.ok) throw new Error(v.reason);
    return v.ok;
  });
  const parsed = pool.map(() => ({ ccId: 0, vdn: 0, offset: 0, limit: 0 }));
  const validation = time(iterations, (i) => {
    if (!isJsonContentType(headers[i]!['content-type'])) throw new Error('content type');
    const p = parsePageQuery(parseJson(pool[i]!.body, 'invalidParameter'));
    if (!p.ok) throw new Error(p.reason);
    parsed[i] = p.query;
    return p.ok;
  });
  const counts = parsed.map(() => model.countPage(1, 2, 0, 1)!);
  const counting = time(iterations, (i) => {
    const q = parsed[i]!;
    counts[i] = model.countPage(q.ccId, q.vdn, q.offset, q.limit)!;
    return counts[i];
  });
  const answer = time(iterations, (i) => {
    const body = successBody(counts[i]!);
    return Buffer.byteLength(body) > 0;
  });
  return [
    { name: 'signature (parse Authorization, timestamp, canonical request, HMAC, compare)', ns: signature },
    { name: 'validation (content type, JSON.parse, field rules)', ns: validation },
    { name: 'counting (the page of the read model)', ns: counting },
    { name: 'answer (success body text and length)', ns: answer },
  ];
}
