// Writes and how soon they show: events/s through POST /api/v1/events in batches (each answer
// a 2xx, so durable), and freshness — ms from an ingest's 2xx to a query that sees it.

import http from 'node:http';
import { c2Timestamp } from '../src/auth/c2.js';
import { SYSTEM_STATE_PATH } from '../src/http/cms-routes.js';
import { CC_ID, agentIdAt, stateAt } from './fixture.js';
import { percentile } from './load.js';
import { JSON_TYPE, signWith, signingKeyAt } from './pool.js';

const EVENTS_PATH = '/api/v1/events';

export interface Signed {
  /** Sends a signed POST and returns the status and the parsed JSON answer. */
  post(path: string, body: Buffer): Promise<{ status: number; json: any }>;
  close(): void;
}

export function signedClient(url: string): Signed {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const host = new URL(url).host;
  let timestamp = '';
  let signingKey = '';
  return {
    post(path, body) {
      const now = c2Timestamp(Date.now());
      if (now !== timestamp) {
        timestamp = now;
        signingKey = signingKeyAt(now);
      }
      const headers = {
        host,
        'content-type': JSON_TYPE,
        'content-length': String(body.length),
        authorization: signWith(host, body, timestamp, signingKey, 'POST', path),
      };
      return new Promise((resolve, reject) => {
        const req = http.request(url + path, { method: 'POST', headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (err) {
              reject(err);
            }
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface IngestResult {
  events: number;
  batches: number;
  batchSize: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Sends `batches` batches of `batchSize` events (two in flight), each event a newer state of
 * one of the VDN's agents so every one is applied and written; checks every answer.
 */
export async function ingestBenchmark(url: string, vdn: number, agents: number, batches: number, batchSize: number): Promise<IngestResult> {
  const client = signedClient(url);
  const base = Date.now() - 30_000; // newer than the roster load (fixture states are a minute old)
  const bodies: Buffer[] = [];
  for (let b = 0; b < batches; b++) {
    const events = [];
    for (let i = 0; i < batchSize; i++) {
      const index = (b * batchSize + i) % agents;
      const round = Math.floor((b * batchSize + i) / agents);
      events.push({ ccId: CC_ID, vdn, agentId: agentIdAt(index), state: stateAt(index + round + 1), at: base + 1000 + round });
    }
    bodies.push(Buffer.from(JSON.stringify({ events })));
  }
  let next = 0;
  let applied = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const answer = await client.post(EVENTS_PATH, body);
      if (answer.status !== 200) throw new Error(`ingest answered HTTP ${answer.status}: ${JSON.stringify(answer.json).slice(0, 300)}`);
      applied += answer.json.resultDesc.applied;
    }
  };
  await Promise.all([worker(), worker()]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.close();
  if (applied !== batches * batchSize) throw new Error(`only ${applied} of ${batches * batchSize} events were applied`);
  return { events: applied, batches, batchSize, seconds, eventsPerSecond: applied / seconds };
}

export interface FreshnessResult {
  samples: number;
  p50: number;
  p99: number;
  /** Queries that came back still showing the old state before one showed the change. */
  staleReads: number;
}

/**
 * Flips one agent between idle and talking through `writer`, and after each 2xx asks `reader`
 * for the page until the change shows; records ms from the 2xx to the answer that shows it.
 */
export async function freshness(writerUrl: string, readerUrl: string, vdn: number, samples: number): Promise<FreshnessResult> {
  const writer = signedClient(writerUrl);
  const reader = writerUrl === readerUrl ? writer : signedClient(readerUrl);
  const times: number[] = [];
  let staleReads = 0;
  let seq = 0;
  const base = Date.now() - 50_000; // newer than the fixture states
  for (let i = 0; i < samples; i++) {
    const state = i % 2 === 0 ? 1 : 5;
    const event = { ccId: CC_ID, vdn, agentId: agentIdAt(0), state, at: base + i + 1 };
    const written = await writer.post(EVENTS_PATH, Buffer.from(JSON.stringify({ events: [event] })));
    if (written.status !== 200 || written.json.resultDesc.applied !== 1) throw new Error(`ingest failed: ${JSON.stringify(written.json)}`);
    const acked = process.hrtime.bigint();
    for (;;) {
      const body = Buffer.from(JSON.stringify({ ccId: CC_ID, vdn, offset: 0, limit: 1, seq: ++seq }));
      const answer = await reader.post(SYSTEM_STATE_PATH, body);
      if (answer.json.resultCode !== '0100000') throw new Error(`query failed: ${JSON.stringify(answer.json)}`);
      if (answer.json.resultDesc.idleAgent === (state === 1 ? 1 : 0)) break;
      staleReads++;
      if (Number(process.hrtime.bigint() - acked) > 10e9) throw new Error('a change did not show within 10 s');
    }
    times.push(Number(process.hrtime.bigint() - acked) / 1e6);
  }
  writer.close();
  reader.close();
  times.sort((a, b) => a - b);
  return { samples, p50: percentile(times, 50), p99: percentile(times, 99), staleReads };
}
