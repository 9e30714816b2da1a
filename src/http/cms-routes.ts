// The Huawei CC-CMS interfaces (SPEC sections 1 and 3): systemstate and ping.

import type { ActiveKey } from '../auth/key-ring.js';
import type { AgentCounts } from '../domain/counts.js';
import { parsePageQuery } from '../domain/query.js';
import { ApiError } from './errors.js';
import { authenticate, isJsonContentType, parseJson, send, type AppContext, type Exchange } from './exchange.js';

export const SYSTEM_STATE_PATH = '/rest/cmsapp/v1/openapi/agentgroup/systemstate';
export const PING_PATH = '/rest/cmsapp/v1/ping';

export function successBody(c: AgentCounts): string {
  const counts = `{"busyAgent":${c.busyAgent},"talkingNum":${c.talkingNum},"idleAgent":${c.idleAgent},"totalLoginAgent":${c.totalLoginAgent}}`;
  return `{"result":"0","resultCode":"0100000","resultDatas":${counts},"resultDesc":${counts}}`;
}

function jsonBody(x: Exchange): unknown {
  if (!isJsonContentType(x.req.headers['content-type'])) {
    throw new ApiError('invalidParameter', 'Content-Type must be application/json');
  }
  return parseJson(x.body, 'invalidParameter');
}

function answerSystemState(ctx: AppContext, x: Exchange, key: ActiveKey): void {
  const parsed = parsePageQuery(jsonBody(x));
  if (!parsed.ok) throw new ApiError('invalidParameter', parsed.reason);
  const { ccId, vdn, offset, limit } = parsed.query;
  if (!key.scope.allows(ccId, vdn)) {
    throw new ApiError('forbidden', `this key is not allowed call center ${ccId}, VDN ${vdn}`);
  }
  const counts = ctx.monitor.model.countPage(ccId, vdn, offset, limit);
  if (counts === undefined) {
    throw new ApiError('invalidParameter', `VDN ${vdn} is not configured in call center ${ccId}`);
  }
  send(x.res, 200, successBody(counts));
}

export function systemState(ctx: AppContext, x: Exchange): void | Promise<void> {
  const key = authenticate(ctx, x, 'read');
  if (key instanceof Promise) return key.then((k) => answerSystemState(ctx, x, k));
  answerSystemState(ctx, x, key);
}

function answerPing(x: Exchange): void {
  const body = jsonBody(x);
  const request = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  send(x.res, 200, JSON.stringify({ request, status: 'UP' }));
}

export function ping(ctx: AppContext, x: Exchange): void | Promise<void> {
  const key = authenticate(ctx, x, 'read');
  if (key instanceof Promise) return key.then(() => answerPing(x));
  answerPing(x);
}
