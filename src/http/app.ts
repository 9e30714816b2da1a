// The HTTP application: routes each request, reads its body, and turns every failure into the
// CC-CMS wire format. It does no process work (no listen, no env): server.ts does that.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Monitor } from '../core/monitor.js';
import type { Logger } from '../log.js';
import * as api from './api-routes.js';
import { readBody } from './body.js';
import { PING_PATH, SYSTEM_STATE_PATH, ping, systemState } from './cms-routes.js';
import { ApiError } from './errors.js';
import { DEFAULT_APP_OPTIONS, send, sendApiError, sendResult, type AppContext, type AppOptions, type Exchange } from './exchange.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { StoreUnavailableError } from '../store/store.js';

type Handler = (ctx: AppContext, x: Exchange) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** Whether the body limit is the CC-CMS one or the /api/v1 one. */
  cms?: boolean;
}

const SEGMENT = '([^/]+)';

const ROUTES: Route[] = [
  { method: 'POST', pattern: exact(SYSTEM_STATE_PATH), handler: systemState, cms: true },
  { method: 'POST', pattern: exact(PING_PATH), handler: ping, cms: true },
  { method: 'GET', pattern: exact('/api/v1/vdns'), handler: api.listVdns },
  { method: 'PUT', pattern: path('/api/v1/vdns/%/%'), handler: api.configureVdn },
  { method: 'DELETE', pattern: path('/api/v1/vdns/%/%'), handler: api.removeVdn },
  { method: 'GET', pattern: path('/api/v1/vdns/%/%/agents'), handler: api.listAgents },
  { method: 'PUT', pattern: path('/api/v1/vdns/%/%/agents/%'), handler: api.putAgent },
  { method: 'DELETE', pattern: path('/api/v1/vdns/%/%/agents/%'), handler: api.deleteAgent },
  { method: 'POST', pattern: exact('/api/v1/roster'), handler: api.postRoster },
  { method: 'POST', pattern: exact('/api/v1/events'), handler: api.postEvents },
  { method: 'GET', pattern: exact('/api/v1/keys'), handler: api.listKeys },
  { method: 'POST', pattern: exact('/api/v1/keys'), handler: api.createKey },
  { method: 'DELETE', pattern: path('/api/v1/keys/%'), handler: api.deleteKey },
  { method: 'GET', pattern: exact('/api/v1/openapi.json'), handler: (_ctx, x) => sendJsonDocument(x.res) },
  { method: 'GET', pattern: exact('/healthz'), handler: (_ctx, x) => sendResult(x.res, 200, { status: 'UP' }) },
  { method: 'GET', pattern: exact('/readyz'), handler: readiness },
];

/** The CC-CMS interfaces, first in ROUTES, found by path alone: the query path is the hot one. */
const CMS_ROUTES = new Map<string, Route>([
  [SYSTEM_STATE_PATH, ROUTES[0]!],
  [PING_PATH, ROUTES[1]!],
]);

function exact(p: string): RegExp {
  return new RegExp('^' + p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');
}

function path(template: string): RegExp {
  return new RegExp('^' + template.split('%').join(SEGMENT) + '$');
}

const OPENAPI_TEXT = JSON.stringify(OPENAPI_DOCUMENT);

function sendJsonDocument(res: ServerResponse): void {
  send(res, 200, OPENAPI_TEXT);
}

function readiness(ctx: AppContext, x: Exchange): void {
  if (ctx.monitor.ready) sendResult(x.res, 200, { status: 'READY' });
  else throw new ApiError('unavailable', 'the database is unavailable; answers come from the last known state');
}

export function createApp(monitor: Monitor, options: Partial<AppOptions> & { log: Logger }): RequestListener {
  const ctx: AppContext = { monitor, options: { ...DEFAULT_APP_OPTIONS, ...options } };
  const log = ctx.options.log;

  const fail = (res: ServerResponse, err: unknown, req: IncomingMessage) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ApiError) {
      sendApiError(res, err);
      return;
    }
    if (err instanceof StoreUnavailableError) {
      sendApiError(res, new ApiError('unavailable', `${err.message}; try again when it is back (sending a change again is safe)`));
      return;
    }
    const requestId = randomUUID();
    log.error('request failed', { requestId, method: req.method, url: req.url, error: (err as Error)?.stack ?? String(err) });
    sendApiError(res, new ApiError('internal', `internal error; request id ${requestId}`));
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    let route = req.method === 'POST' ? CMS_ROUTES.get(pathname) : undefined;
    let params: string[] = [];
    const allowed: string[] = [];
    if (route === undefined) {
      for (const r of ROUTES) {
        const m = r.pattern.exec(pathname);
        if (m === null) continue;
        allowed.push(r.method);
        if (r.method === req.method) {
          route = r;
          params = m.slice(1);
          break;
        }
      }
    }
    if (route === undefined) {
      req.resume();
      if (allowed.length > 0) {
        fail(res, new ApiError('methodNotAllowed', `${req.method} is not allowed here; use ${allowed.join(', ')}`, { allow: allowed.join(', ') }), req);
      } else {
        fail(res, new ApiError('notFound', `no interface at ${pathname}`), req);
      }
      return;
    }
    const handler = route.handler;
    const limit = route.cms ? ctx.options.queryBodyLimit : ctx.options.apiBodyLimit;
    readBody(req, limit, (err, body) => {
      if (err !== null) {
        fail(res, err, req);
        return;
      }
      try {
        const done = handler(ctx, { req, res, path: pathname, query, body, params });
        if (done instanceof Promise) done.catch((e: unknown) => fail(res, e, req));
      } catch (e) {
        fail(res, e, req);
      }
    });
  };
}
