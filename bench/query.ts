// Query throughput and latency: the bare node:http server against ccmon with a 100-agent and a
// 100,000-agent VDN, same connections, duration and request pool shape, repeated in pairs.

import { successBody } from '../src/http/cms-routes.js';
import { expectedCounts } from './fixture.js';
import { loadRun, rawPool, sendQuery, type LoadResult } from './load.js';
import { queryPool, type PooledQuery } from './pool.js';
import { startChild } from './processes.js';
import { wrkMissing, wrkRun, type WrkResult } from './wrk.js';

export const SMALL_VDN = 1;
export const LARGE_VDN = 2;
export const SMALL_AGENTS = 100;
export const LARGE_AGENTS = 100_000;

export interface QueryOptions {
  connections: number;
  seconds: number;
  pairs: number;
  poolSize: number;
  log: (line: string) => void;
}

export interface QueryCase {
  name: string;
  runs: LoadResult[];
}

export interface QueryReport {
  cases: QueryCase[];
  /** ccmon / bare req/s per pair, per ccmon case name. */
  ratios: Record<string, number[]>;
  p99Ratios: Record<string, number[]>;
  poolSize: number;
  checked: number;
  /** Requests sent again after a run used up the pool, over all runs: 0 when every request was distinct. */
  repeats: number;
  wrk: WrkCrossCheck;
}

/** The same three cases loaded by wrk instead of bench/load.ts. */
export interface WrkCrossCheck {
  skipped: string | null;
  seconds: number;
  cases: Array<{ name: string; runs: WrkResult[] }>;
  ratios: Record<string, number[]>;
}

const WRK_POOL = 400_000;
const WRK_REPEATS = 2;

function hostOf(url: string): string {
  return new URL(url).host;
}

/** Checks ccmon's answers to a sample of the pool (the last page always among them) byte for byte. */
async function checkAnswers(url: string, pool: PooledQuery[], agents: number): Promise<number> {
  const lastPage = pool.findIndex((q) => q.offset + 100 >= agents);
  const sample = [lastPage, ...Array.from({ length: 99 }, (_, i) => Math.floor((i * pool.length) / 99))];
  for (const i of sample) {
    const q = pool[i]!;
    const got = await sendQuery(url, hostOf(url), q);
    const want = successBody(expectedCounts(agents, q.offset, q.limit));
    if (got.status !== 200 || got.text !== want) {
      throw new Error(`wrong answer for offset ${q.offset} limit ${q.limit}: HTTP ${got.status} ${got.text}, expected ${want}`);
    }
  }
  return sample.length;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function queryBenchmark(o: QueryOptions): Promise<QueryReport> {
  const bare = startChild({ mode: 'bare' });
  const profile = process.env.CCMON_BENCH_CPU_PROF;
  const ccmon = startChild(
    { mode: 'ccmon', vdns: [[SMALL_VDN, SMALL_AGENTS], [LARGE_VDN, LARGE_AGENTS]] },
    ['--expose-gc', ...(profile ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profile] : [])],
  );
  try {
    const [bareUrl, ccmonUrl] = await Promise.all([bare.ready, ccmon.ready]);
    const startMs = Date.now();
    const perSecond = 20_000;
    const small = queryPool({ host: hostOf(ccmonUrl), vdn: SMALL_VDN, agents: SMALL_AGENTS, count: o.poolSize, perSecond, startMs });
    const large = queryPool({ host: hostOf(ccmonUrl), vdn: LARGE_VDN, agents: LARGE_AGENTS, count: o.poolSize, perSecond, startMs });
    const checked = (await checkAnswers(ccmonUrl, small, SMALL_AGENTS)) + (await checkAnswers(ccmonUrl, large, LARGE_AGENTS));
    o.log(`  answers checked: ${checked} pooled requests, byte for byte (last pages included)`);
    // The bare server gets the same bytes as the 100,000-agent case.
    const largeRaw = rawPool(hostOf(ccmonUrl), large);
    const cases = [
      { name: 'bare node:http', url: bareUrl, pool: largeRaw, pid: bare.process.pid! },
      { name: `ccmon, ${SMALL_AGENTS}-agent VDN`, url: ccmonUrl, pool: rawPool(hostOf(ccmonUrl), small), pid: ccmon.process.pid! },
      { name: `ccmon, ${LARGE_AGENTS.toLocaleString('en')}-agent VDN`, url: ccmonUrl, pool: largeRaw, pid: ccmon.process.pid! },
    ];
    // Warm-up: let each server's JIT settle before anything is measured.
    for (const c of cases) await loadRun(c.url, c.pool, o.connections, 1, c.pid);
    const results: QueryCase[] = cases.map((c) => ({ name: c.name, runs: [] }));
    for (let pair = 0; pair < o.pairs; pair++) {
      // Every other repetition runs the cases in reverse, so a drift in what else the machine
      // is doing does not always favour the same case.
      const order = cases.map((_, i) => (pair % 2 === 0 ? i : cases.length - 1 - i));
      for (const i of order) {
        const c = cases[i]!;
        const r = await loadRun(c.url, c.pool, o.connections, o.seconds, c.pid);
        if (r.failures > 0) throw new Error(`${c.name}: ${r.failures} requests failed`);
        results[i]!.runs.push(r);
        o.log(`  pair ${pair + 1} ${c.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, server ${r.serverCpuUs.toFixed(1)} µs CPU/req, load generator ${r.loaderCpuUs.toFixed(1)} µs${r.reused ? `, ${r.reused} pool repeats` : ''}`);
      }
    }
    const ratios: Record<string, number[]> = {};
    const p99Ratios: Record<string, number[]> = {};
    for (const c of results.slice(1)) {
      ratios[c.name] = c.runs.map((r, pair) => r.rps / results[0]!.runs[pair]!.rps);
      p99Ratios[c.name] = c.runs.map((r, pair) => r.p99 / results[0]!.runs[pair]!.p99);
    }
    const repeats = results.reduce((n, c) => n + c.runs.reduce((m, r) => m + r.reused, 0), 0);
    const wrk = await wrkCrossCheck(bareUrl, ccmonUrl, cases.map((c) => c.name), o);
    return { cases: results, ratios, p99Ratios, poolSize: o.poolSize, checked, repeats, wrk };
  } finally {
    await Promise.all([bare.stop(), ccmon.stop()]);
  }
}

async function wrkCrossCheck(bareUrl: string, ccmonUrl: string, names: string[], o: QueryOptions): Promise<WrkCrossCheck> {
  const seconds = Math.min(o.seconds, 4);
  const skipped = wrkMissing();
  const check: WrkCrossCheck = { skipped, seconds, cases: names.map((name) => ({ name, runs: [] })), ratios: {} };
  if (skipped !== null) {
    o.log(`  wrk cross-check skipped: ${skipped}`);
    return check;
  }
  // Fresh pools, so their timestamps are as recent as a real client's.
  const host = hostOf(ccmonUrl);
  const startMs = Date.now();
  const large = rawPool(host, queryPool({ host, vdn: LARGE_VDN, agents: LARGE_AGENTS, count: WRK_POOL, perSecond: 20_000, startMs }));
  const small = rawPool(host, queryPool({ host, vdn: SMALL_VDN, agents: SMALL_AGENTS, count: WRK_POOL, perSecond: 20_000, startMs }));
  const targets = [
    { url: bareUrl, pool: large },
    { url: ccmonUrl, pool: small },
    { url: ccmonUrl, pool: large },
  ];
  for (let rep = 0; rep < WRK_REPEATS; rep++) {
    for (let i = 0; i < targets.length; i++) {
      const r = await wrkRun(targets[i]!.url, targets[i]!.pool, o.connections, seconds);
      if (r.failures > 0) throw new Error(`wrk, ${names[i]}: ${r.failures} requests failed`);
      check.cases[i]!.runs.push(r);
      o.log(`  wrk ${rep + 1} ${names[i]}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms${r.repeats ? `, ${r.repeats} pool repeats` : ''}`);
    }
  }
  for (const c of check.cases.slice(1)) check.ratios[c.name] = c.runs.map((r, rep) => r.rps / check.cases[0]!.runs[rep]!.rps);
  return check;
}
