// Validation of the "Querying System Status by Agent" body (SPEC section 1).

import { CC_ID, VDN_ID } from './ids.js';
import { describeRange, readInteger, type IntegerRange } from './integers.js';

export interface PageQuery {
  ccId: number;
  vdn: number;
  offset: number;
  limit: number;
}

const OFFSET: IntegerRange = { min: 0, max: 2147483647 };
const LIMIT: IntegerRange = { min: 1, max: 100 };

export type QueryParse = { ok: true; query: PageQuery } | { ok: false; reason: string };

function field(params: Record<string, unknown>, name: keyof PageQuery, range: IntegerRange): number | string {
  const value = params[name];
  if (value === undefined) return `${name} is required`;
  const n = readInteger(value, range);
  return n === undefined ? describeRange(name, range) : n;
}

/** Takes the parsed JSON body: fields at the top level or wrapped in queryParam (which wins). */
export function parsePageQuery(body: unknown): QueryParse {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'the body must be a JSON object' };
  }
  let params = body as Record<string, unknown>;
  if ('queryParam' in params) {
    const wrapped = params.queryParam;
    if (wrapped === null || typeof wrapped !== 'object' || Array.isArray(wrapped)) {
      return { ok: false, reason: 'queryParam must be a JSON object' };
    }
    params = wrapped as Record<string, unknown>;
  }
  const ccId = field(params, 'ccId', CC_ID);
  if (typeof ccId === 'string') return { ok: false, reason: ccId };
  const vdn = field(params, 'vdn', VDN_ID);
  if (typeof vdn === 'string') return { ok: false, reason: vdn };
  const offset = field(params, 'offset', OFFSET);
  if (typeof offset === 'string') return { ok: false, reason: offset };
  const limit = field(params, 'limit', LIMIT);
  if (typeof limit === 'string') return { ok: false, reason: limit };
  return { ok: true, query: { ccId, vdn, offset, limit } };
}
