// Pools of correctly signed, pairwise distinct query requests, signed the way real clients sign:
// one timestamp per second, so the pool holds `perSecond` requests per timestamp.

import { authPrefix, c2Timestamp, hmacHex, signatureOf } from '../src/auth/c2.js';
import { SYSTEM_STATE_PATH } from '../src/http/cms-routes.js';
import { BENCH_AK, BENCH_SK, CC_ID } from './fixture.js';

export const JSON_TYPE = 'application/json;charset=UTF-8';
const SIGNED = ['content-length', 'content-type', 'host'];

export interface PooledQuery {
  offset: number;
  limit: number;
  body: Buffer;
  authorization: string;
}

export interface PoolOptions {
  host: string;
  vdn: number;
  agents: number;
  count: number;
  perSecond: number;
  /** First timestamp of the pool (ms); each next `perSecond` requests use the next second. */
  startMs: number;
}

export function signWith(host: string, body: Buffer, timestamp: string, signingKey: string, method = 'POST', path = SYSTEM_STATE_PATH): string {
  const signedHeaders = SIGNED.join(';');
  const headers = { host, 'content-type': JSON_TYPE, 'content-length': String(body.length) };
  const signature = signatureOf(signingKey, { method, path, query: '', headers, body }, SIGNED).toString('hex');
  return authPrefix(BENCH_AK, timestamp, signedHeaders) + '/' + signature;
}

export function signingKeyAt(timestamp: string): string {
  return hmacHex(BENCH_SK, authPrefix(BENCH_AK, timestamp, SIGNED.join(';')));
}

/**
 * Requests sweep the VDN page by page (the last page included), with limits 96–100, half of
 * them wrapped in queryParam, and a sequence field that makes every body unique.
 */
export function queryPool(o: PoolOptions): PooledQuery[] {
  const pool: PooledQuery[] = new Array(o.count);
  const pages = Math.ceil(o.agents / 100);
  let timestamp = '';
  let signingKey = '';
  for (let i = 0; i < o.count; i++) {
    if (i % o.perSecond === 0) {
      timestamp = c2Timestamp(o.startMs + Math.floor(i / o.perSecond) * 1000);
      signingKey = signingKeyAt(timestamp);
    }
    const page = i % pages;
    const offset = page * 100;
    const limit = page === pages - 1 ? 100 : 100 - (i % 5);
    const fields = `"ccId":${CC_ID},"vdn":${o.vdn},"offset":${offset},"limit":${limit},"seq":${i}`;
    const body = Buffer.from(i % 2 === 0 ? `{${fields}}` : `{"queryParam":{${fields}}}`);
    pool[i] = { offset, limit, body, authorization: signWith(o.host, body, timestamp, signingKey) };
  }
  return pool;
}

export function requestHeaders(host: string, q: PooledQuery): Record<string, string> {
  return { host, 'content-type': JSON_TYPE, 'Content-Length': String(q.body.length), authorization: q.authorization };
}
