// One request and its answer: what the route handlers see, and the ways they answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveKey } from '../auth/key-ring.js';
import { roleAllows, type Role } from '../auth/keys.js';
import { verifyRequest } from '../auth/key-ring.js';
import type { Monitor } from '../core/monitor.js';
import type { Logger } from '../log.js';
import { ApiError, failureBody } from './errors.js';

export interface AppOptions {
  /** How far a signature's timestamp may be from the server clock (ms). */
  maxClockSkewMs: number;
  /** Body limit of the CC-CMS interfaces (bytes). */
  queryBodyLimit: number;
  /** Body limit of /api/v1 (bytes): bulk roster changes are large. */
  apiBodyLimit: number;
  /** Events further ahead of the server clock are rejected (ms). */
  maxFutureEventMs: number;
  log: Logger;
  now: () => number;
}

export const DEFAULT_APP_OPTIONS: Omit<AppOptions, 'log'> = {
  maxClockSkewMs: 15 * 60_000,
  queryBodyLimit: 64 * 1024,
  apiBodyLimit: 32 * 1024 * 1024,
  maxFutureEventMs: 5 * 60_000,
  now: Date.now,
};

export interface AppContext {
  monitor: Monitor;
  options: AppOptions;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  /** Raw query string without "?", or "". */
  query: string;
  body: Buffer;
  /** Path parameters of the matched route. */
  params: string[];
}

const JSON_TYPE = 'application/json;charset=UTF-8';

export function send(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendApiError(res: ServerResponse, err: ApiError): void {
  send(res, err.status, failureBody(err.code, err.message), err.headers);
}

/** The /api/v1 success envelope, shaped like the CC-CMS answers. */
export function sendResult(res: ServerResponse, status: number, data: unknown): void {
  send(res, status, JSON.stringify({ result: '0', resultCode: '0100000', resultDesc: data }));
}

function verdictFor(ctx: AppContext, x: Exchange) {
  return verifyRequest(
    ctx.monitor.keys,
    x.req.headers.authorization,
    { method: x.req.method!, path: x.path, query: x.query, headers: x.req.headers as Record<string, string>, body: x.body },
    ctx.options.now(),
    ctx.options.maxClockSkewMs,
  );
}

function admit(ctx: AppContext, key: ActiveKey, role: Role): ActiveKey {
  if (!roleAllows(key.role, role)) throw new ApiError('forbidden', `this key has the ${key.role} role; ${role} is needed`);
  if (key.bucket !== null) {
    const wait = key.bucket.take(ctx.options.now());
    if (wait > 0) {
      throw new ApiError('flowControl', 'flow control: this key has exceeded its request rate', { 'retry-after': String(wait) });
    }
  }
  return key;
}

/**
 * Checks the C2 signature and the key's role and rate. Returns the key at once when the ring
 * holds it, or a promise when the AK has to be looked up in the store first.
 */
export function authenticate(ctx: AppContext, x: Exchange, role: Role): ActiveKey | Promise<ActiveKey> {
  const verdict = verdictFor(ctx, x);
  if (verdict.ok) return admit(ctx, verdict.key, role);
  if (verdict.unknownAk === undefined) throw new ApiError('unauthorized', verdict.reason);
  return ctx.monitor.keys.fetch(verdict.unknownAk).then((key) => {
    if (key === undefined) throw new ApiError('unauthorized', `unknown AK ${verdict.unknownAk}`);
    const again = verdictFor(ctx, x);
    if (!again.ok) throw new ApiError('unauthorized', again.reason);
    return admit(ctx, again.key, role);
  });
}

export function parseJson(body: Buffer, kind: 'invalidParameter' | 'badRequest'): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(kind, body.length === 0 ? 'the request body is empty; a JSON object is expected' : 'the request body is not valid JSON');
  }
}

export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value === JSON_TYPE || value === 'application/json') return true;
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase() === 'application/json';
}
