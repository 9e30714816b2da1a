// npm run bench: every figure of BENCHMARKS.md, measured in one run on this machine, and the
// file written again from them. Options (after `--`): --seconds N (per load run, default 5),
// --pairs N (default 5), --database URL (PostgreSQL; or CCMON_DATABASE_URL), --only query|ingest|
// memory|breakdown (one section, printed but BENCHMARKS.md left alone).

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { breakdown, type Stage } from './breakdown.js';
import { freshness, ingestBenchmark, type FreshnessResult, type IngestResult } from './ingest.js';
import { memoryBenchmark, type MemoryResult } from './memory.js';
import { startChild } from './processes.js';
import { median, queryBenchmark, type QueryReport } from './query.js';
import { renderReport } from './report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '5' },
    database: { type: 'string' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const pairs = Number(values.pairs);
const only = values.only;
const databaseUrl = values.database ?? process.env.CCMON_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = (line: string) => console.log(line);
const wanted = (section: string) => only === undefined || only === section;

const INGEST_VDN = 4;
const INGEST_AGENTS = 10_000;
const FRESH_VDN = 3;

export interface PostgresFigures {
  skipped: string | null;
  ingest?: IngestResult;
  freshness?: FreshnessResult;
  crossFreshness?: FreshnessResult;
}

export interface Figures {
  date: string;
  machine: { cpu: string; cores: number; node: string; memoryGiB: number };
  command: string;
  connections: number;
  seconds: number;
  query?: QueryReport;
  ingest?: IngestResult;
  freshness?: FreshnessResult;
  postgres?: PostgresFigures;
  memory?: MemoryResult;
  breakdown?: { stages: Stage[]; bareCpuUs: number; ccmonCpuUs: number };
  totalSeconds: number;
}

function machine(): Figures['machine'] {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mem = /MemTotal:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return { cpu, cores: cpus().length, node: process.version, memoryGiB: Math.round(Number(mem ?? 0) / 1024 / 1024) };
}

/** A fresh schema on the PostgreSQL server, or why PostgreSQL is skipped. */
async function postgresSchema(): Promise<{ url: string; drop(): Promise<void> } | string> {
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
    const name = `ccmon_bench_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(`CREATE SCHEMA ${name}`);
    const u = new URL(databaseUrl);
    u.searchParams.set('options', `-c search_path=${name}`);
    return {
      url: u.toString(),
      drop: async () => {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
        await admin.end();
      },
    };
  } catch (err) {
    await admin.end().catch(() => {});
    return `PostgreSQL at ${new URL(databaseUrl).host} is unreachable (${(err as Error).message}); give --database or CCMON_DATABASE_URL`;
  }
}

async function writesOn(databaseUrl?: string): Promise<{ ingest: IngestResult; freshness: FreshnessResult; crossFreshness?: FreshnessResult }> {
  const server = startChild({ mode: 'ccmon', databaseUrl, vdns: [[INGEST_VDN, INGEST_AGENTS], [FRESH_VDN, 10]] });
  const url = await server.ready;
  try {
    const ingest = await ingestBenchmark(url, INGEST_VDN, INGEST_AGENTS, 80, 5_000);
    log(`  ingest (${databaseUrl ? 'PostgreSQL' : 'embedded'}): ${Math.round(ingest.eventsPerSecond)} events/s (${ingest.events} events in batches of ${ingest.batchSize})`);
    const fresh = await freshness(url, url, FRESH_VDN, 1000);
    log(`  freshness, same instance: p50 ${fresh.p50.toFixed(3)} ms, p99 ${fresh.p99.toFixed(3)} ms`);
    if (!databaseUrl) return { ingest, freshness: fresh };
    const other = startChild({ mode: 'ccmon', databaseUrl });
    try {
      const cross = await freshness(url, await other.ready, FRESH_VDN, 500);
      log(`  freshness, across two instances: p50 ${cross.p50.toFixed(3)} ms, p99 ${cross.p99.toFixed(3)} ms`);
      return { ingest, freshness: fresh, crossFreshness: cross };
    } finally {
      await other.stop();
    }
  } finally {
    await server.stop();
  }
}

const started = Date.now();
const figures: Figures = {
  date: new Date().toISOString(),
  machine: machine(),
  command: 'npm run bench',
  connections: 10,
  seconds,
  totalSeconds: 0,
};
log(`ccmon benchmark — ${figures.machine.cpu}, ${figures.machine.cores} cores, Node.js ${figures.machine.node}`);

if (wanted('query')) {
  log(`\nQueries: ${figures.connections} connections, ${seconds} s a run, ${pairs} pairs`);
  figures.query = await queryBenchmark({ connections: figures.connections, seconds, pairs, poolSize: 600_000, log });
  for (const [name, ratios] of Object.entries(figures.query.ratios)) {
    log(`  ${name}: ${median(ratios).toFixed(2)} × bare req/s, p99 ${median(figures.query.p99Ratios[name]!).toFixed(2)} × bare (medians)`);
  }
}

if (wanted('ingest')) {
  log('\nWrites (embedded store)');
  const embedded = await writesOn();
  figures.ingest = embedded.ingest;
  figures.freshness = embedded.freshness;
  log('\nWrites (PostgreSQL)');
  const schema = await postgresSchema();
  if (typeof schema === 'string') {
    figures.postgres = { skipped: schema };
    log(`  skipped: ${schema}`);
  } else {
    try {
      figures.postgres = { skipped: null, ...(await writesOn(schema.url)) };
    } finally {
      await schema.drop();
    }
  }
}

if (wanted('memory')) {
  log('\nMemory and start-up with 1,000,000 agents');
  figures.memory = await memoryBenchmark(10, 100_000);
  const m = figures.memory;
  log(`  ${m.agents} agents in ${m.vdns} VDNs: ${m.rssPerAgent.toFixed(1)} resident bytes an agent, read model ${m.modelBytesPerAgent.toFixed(1)} bytes an agent; first answer ${Math.round(m.startupMs)} ms after process start`);
}

if (wanted('breakdown')) {
  log('\nWhere a query\'s time goes (in-process, 200,000 distinct requests, 100,000-agent VDN)');
  const stages = await breakdown(200_000, 100_000);
  for (const s of stages) log(`  ${(s.ns / 1000).toFixed(2).padStart(6)} µs  ${s.name}`);
  const runs = figures.query?.cases;
  figures.breakdown = {
    stages,
    bareCpuUs: runs ? median(runs[0]!.runs.map((r) => r.serverCpuUs)) : NaN,
    ccmonCpuUs: runs ? median(runs[2]!.runs.map((r) => r.serverCpuUs)) : NaN,
  };
}

figures.totalSeconds = (Date.now() - started) / 1000;
log(`\nDone in ${Math.round(figures.totalSeconds)} s.`);
if (only === undefined) {
  writeFileSync(new URL('../../BENCHMARKS.md', import.meta.url), renderReport(figures));
  log('BENCHMARKS.md written.');
}
