// A key to create, as asked for through the API or the CLI: both check it with the same rules.

import { checkAk, checkSk, generateAk, generateSk, isRole, parseScope, type ScopeText } from './keys.js';

export interface NewKeyRequest {
  ak: string;
  sk: string;
  role: 'read' | 'write' | 'admin';
  scopes: ScopeText[];
  rateLimit: number | null;
}

/** Validates a key to create; shared by the API and the CLI so both apply the same rules. */
export function parseNewKey(body: Record<string, unknown>): { ok: true; key: NewKeyRequest } | { ok: false; reason: string } {
  const ak = body.ak === undefined ? generateAk() : body.ak;
  if (typeof ak !== 'string' || checkAk(ak)) return { ok: false, reason: checkAk(typeof ak === 'string' ? ak : '')! };
  const sk = body.sk === undefined ? generateSk() : body.sk;
  if (typeof sk !== 'string' || checkSk(sk)) return { ok: false, reason: checkSk(typeof sk === 'string' ? sk : '')! };
  if (!isRole(body.role)) return { ok: false, reason: 'role must be read, write or admin' };
  const rawScopes = body.scopes ?? body.scope;
  const list = Array.isArray(rawScopes) ? rawScopes : rawScopes === undefined ? [] : [rawScopes];
  if (list.length === 0) return { ok: false, reason: 'at least one scope is needed: global, CC or CC/VDN' };
  const scopes: ScopeText[] = [];
  for (const s of list) {
    const parsed = parseScope(String(s));
    if (!parsed.ok) return parsed;
    scopes.push(parsed.value);
  }
  let rateLimit: number | null = null;
  if (body.rateLimit !== undefined && body.rateLimit !== null) {
    const r = Number(body.rateLimit);
    if (!Number.isFinite(r) || r <= 0 || typeof body.rateLimit === 'boolean') {
      return { ok: false, reason: 'rateLimit must be a positive number of requests per second' };
    }
    rateLimit = r;
  }
  return { ok: true, key: { ak, sk, role: body.role, scopes: [...new Set(scopes)], rateLimit } };
}
