// ccmon's own interface under /api/v1 (SPEC section 5): roster, events, keys, VDN listings.

import type { ScopeText } from '../auth/keys.js';
import { parseNewKey } from '../auth/new-key.js';
import type { ActiveKey } from '../auth/key-ring.js';
import { countStates } from '../domain/counts.js';
import { parseEvent, type AgentEvent } from '../domain/events.js';
import { CC_ID, VDN_ID, isAgentId } from '../domain/ids.js';
import { describeRange, readInteger } from '../domain/integers.js';
import { parseRosterAgent, parseRosterRemoval, parseSkills } from '../domain/roster.js';
import { stateName, type AgentState } from '../domain/states.js';
import { KeyExistsError, type EventResult, type RosterChange, type VdnRef } from '../store/store.js';
import { ApiError } from './errors.js';
import { authenticate, parseJson, sendResult, type AppContext, type Exchange } from './exchange.js';

export const MAX_EVENTS_PER_BATCH = 50_000;
export const MAX_ROSTER_ENTRIES = 200_000;

function vdnParams(x: Exchange): VdnRef {
  const ccId = readInteger(x.params[0], CC_ID);
  if (ccId === undefined) throw new ApiError('badRequest', describeRange('ccId', CC_ID));
  const vdn = readInteger(x.params[1], VDN_ID);
  if (vdn === undefined) throw new ApiError('badRequest', describeRange('vdn', VDN_ID));
  return { ccId, vdn };
}

function agentParam(x: Exchange): number {
  const agentId = Number(x.params[2]);
  if (!/^\d+$/.test(x.params[2] ?? '') || !isAgentId(agentId)) {
    throw new ApiError('badRequest', 'agentId must be an integer from 101 to 59999 or from 70000 to 999999');
  }
  return agentId;
}

function requireScope(key: ActiveKey, ref: VdnRef): void {
  if (!key.scope.allows(ref.ccId, ref.vdn)) {
    throw new ApiError('forbidden', `this key is not allowed call center ${ref.ccId}, VDN ${ref.vdn}`);
  }
}

function objectBody(x: Exchange): Record<string, unknown> {
  if (x.body.length === 0) return {};
  const body = parseJson(x.body, 'badRequest');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('badRequest', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function queryParams(x: Exchange): URLSearchParams {
  return new URLSearchParams(x.query);
}

// --- VDNs -------------------------------------------------------------------------------

export async function listVdns(ctx: AppContext, x: Exchange): Promise<void> {
  const key = await authenticate(ctx, x, 'read');
  const model = ctx.monitor.model;
  const vdns = model
    .vdnRefs()
    .filter((ref) => key.scope.allows(ref.ccId, ref.vdn))
    .map((ref) => {
      const agents = model.agentsOf(ref.ccId, ref.vdn)!;
      return { ...ref, agents: agents.size, ...countStates(agents.states, 0, agents.size) };
    });
  sendResult(x.res, 200, { vdns });
}

export async function configureVdn(ctx: AppContext, x: Exchange): Promise<void> {
  const ref = vdnParams(x);
  requireScope(await authenticate(ctx, x, 'write'), ref);
  const applied = await ctx.monitor.applyRoster({ configure: [ref], upsert: [], remove: [] });
  sendResult(x.res, applied.configured.length === 1 ? 201 : 200, { ...ref, created: applied.configured.length === 1 });
}

export async function removeVdn(ctx: AppContext, x: Exchange): Promise<void> {
  const ref = vdnParams(x);
  requireScope(await authenticate(ctx, x, 'write'), ref);
  if (!(await ctx.monitor.removeVdn(ref))) {
    throw new ApiError('notFound', `VDN ${ref.vdn} is not configured in call center ${ref.ccId}`);
  }
  sendResult(x.res, 200, { ...ref, removed: true });
}

export async function listAgents(ctx: AppContext, x: Exchange): Promise<void> {
  const ref = vdnParams(x);
  requireScope(await authenticate(ctx, x, 'read'), ref);
  const q = queryParams(x);
  const offset = readInteger(q.get('offset') ?? '0', { min: 0, max: 2147483647 });
  if (offset === undefined) throw new ApiError('badRequest', 'offset must be an integer from 0 to 2147483647');
  const limit = readInteger(q.get('limit') ?? '100', { min: 1, max: 1000 });
  if (limit === undefined) throw new ApiError('badRequest', 'limit must be an integer from 1 to 1000');
  const agents = await ctx.monitor.store.listAgents(ref, offset, limit);
  if (agents === undefined) throw new ApiError('notFound', `VDN ${ref.vdn} is not configured in call center ${ref.ccId}`);
  sendResult(x.res, 200, {
    ...ref,
    total: ctx.monitor.model.agentsOf(ref.ccId, ref.vdn)?.size ?? agents.length,
    agents: agents.map((a) => ({
      agentId: a.agentId,
      skills: a.skills,
      state: a.state,
      stateName: stateName(a.state as AgentState),
      at: a.at < 0 ? null : new Date(a.at).toISOString(),
      reason: a.reason,
    })),
  });
}

// --- Roster -----------------------------------------------------------------------------

export async function putAgent(ctx: AppContext, x: Exchange): Promise<void> {
  const ref = vdnParams(x);
  const agentId = agentParam(x);
  requireScope(await authenticate(ctx, x, 'write'), ref);
  const skills = parseSkills(objectBody(x).skills);
  if (!skills.ok) throw new ApiError('badRequest', skills.reason);
  const applied = await ctx.monitor.applyRoster({ configure: [], upsert: [{ ...ref, agentId, skills: skills.value }], remove: [] });
  sendResult(x.res, applied.added.length === 1 ? 201 : 200, { ...ref, agentId, skills: skills.value, created: applied.added.length === 1 });
}

export async function deleteAgent(ctx: AppContext, x: Exchange): Promise<void> {
  const ref = vdnParams(x);
  const agentId = agentParam(x);
  requireScope(await authenticate(ctx, x, 'write'), ref);
  const applied = await ctx.monitor.applyRoster({ configure: [], upsert: [], remove: [{ ...ref, agentId }] });
  if (applied.removed.length === 0) {
    throw new ApiError('notFound', `agent ${agentId} is not on the roster of call center ${ref.ccId}, VDN ${ref.vdn}`);
  }
  sendResult(x.res, 200, { ...ref, agentId, removed: true });
}

function listField(body: Record<string, unknown>, name: string): unknown[] {
  const value = body[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ApiError('badRequest', `${name} must be an array`);
  return value;
}

/** Parses a bulk roster body; every entry is checked before anything is applied. */
export function parseRosterChange(body: Record<string, unknown>, key: ActiveKey): RosterChange {
  const configureRaw = listField(body, 'configure');
  const upsertRaw = listField(body, 'upsert');
  const removeRaw = listField(body, 'remove');
  if (configureRaw.length + upsertRaw.length + removeRaw.length > MAX_ROSTER_ENTRIES) {
    throw new ApiError('tooLarge', `a roster change holds at most ${MAX_ROSTER_ENTRIES} entries`);
  }
  const change: RosterChange = { configure: [], upsert: [], remove: [] };
  const check = (ref: VdnRef, where: string) => {
    if (!key.scope.allows(ref.ccId, ref.vdn)) {
      throw new ApiError('forbidden', `${where}: this key is not allowed call center ${ref.ccId}, VDN ${ref.vdn}`);
    }
  };
  configureRaw.forEach((raw, i) => {
    const r = raw as Record<string, unknown> | null;
    const ccId = readInteger(r?.ccId, CC_ID);
    const vdn = readInteger(r?.vdn, VDN_ID);
    if (ccId === undefined || vdn === undefined) {
      throw new ApiError('badRequest', `configure[${i}]: ${ccId === undefined ? describeRange('ccId', CC_ID) : describeRange('vdn', VDN_ID)}`);
    }
    check({ ccId, vdn }, `configure[${i}]`);
    change.configure.push({ ccId, vdn });
  });
  upsertRaw.forEach((raw, i) => {
    const parsed = parseRosterAgent(raw);
    if (!parsed.ok) throw new ApiError('badRequest', `upsert[${i}]: ${parsed.reason}`);
    check(parsed.value, `upsert[${i}]`);
    change.upsert.push(parsed.value);
  });
  removeRaw.forEach((raw, i) => {
    const parsed = parseRosterRemoval(raw);
    if (!parsed.ok) throw new ApiError('badRequest', `remove[${i}]: ${parsed.reason}`);
    check(parsed.value, `remove[${i}]`);
    change.remove.push(parsed.value);
  });
  return change;
}

export async function postRoster(ctx: AppContext, x: Exchange): Promise<void> {
  const key = await authenticate(ctx, x, 'write');
  const change = parseRosterChange(objectBody(x), key);
  const applied = await ctx.monitor.applyRoster(change);
  sendResult(x.res, 200, {
    configured: applied.configured.length,
    added: applied.added.length,
    updated: applied.updated,
    removed: applied.removed.length,
    notFound: applied.notFound,
  });
}

// --- Events -----------------------------------------------------------------------------

export async function postEvents(ctx: AppContext, x: Exchange): Promise<void> {
  const key = await authenticate(ctx, x, 'write');
  const body = parseJson(x.body, 'badRequest');
  const list = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.events;
  if (!Array.isArray(list)) throw new ApiError('badRequest', 'the body must be {"events":[...]} or an array of events');
  if (list.length > MAX_EVENTS_PER_BATCH) {
    throw new ApiError('tooLarge', `a batch holds at most ${MAX_EVENTS_PER_BATCH} events`);
  }
  const now = ctx.options.now();
  const rules = { now, maxFutureMs: ctx.options.maxFutureEventMs };
  const results: EventResult[] = new Array(list.length);
  const valid: AgentEvent[] = [];
  const validIndex: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const parsed = parseEvent(list[i], rules);
    if (!parsed.ok) {
      results[i] = { status: 'rejected', reason: parsed.reason };
    } else if (!key.scope.allows(parsed.event.ccId, parsed.event.vdn)) {
      results[i] = { status: 'rejected', reason: `this key is not allowed call center ${parsed.event.ccId}, VDN ${parsed.event.vdn}` };
    } else {
      valid.push(parsed.event);
      validIndex.push(i);
    }
  }
  const stored = valid.length > 0 ? await ctx.monitor.ingest(valid, now) : [];
  for (let j = 0; j < stored.length; j++) results[validIndex[j]!] = stored[j]!;
  const tally = { applied: 0, duplicate: 0, stale: 0, rejected: 0 };
  for (const r of results) tally[r.status]++;
  sendResult(x.res, 200, { ...tally, results });
}

// --- Keys -------------------------------------------------------------------------------

function covers(admin: ActiveKey, scope: ScopeText): boolean {
  if (admin.scope.global) return true;
  if (scope === 'global') return false;
  const [cc, vdn] = scope.split('/').map(Number) as [number, number | undefined];
  if (vdn !== undefined) return admin.scope.allows(cc, vdn);
  return admin.scope.texts.includes(String(cc));
}

export async function createKey(ctx: AppContext, x: Exchange): Promise<void> {
  const admin = await authenticate(ctx, x, 'admin');
  const parsed = parseNewKey(objectBody(x));
  if (!parsed.ok) throw new ApiError('badRequest', parsed.reason);
  const k = parsed.key;
  for (const s of k.scopes) {
    if (!covers(admin, s)) throw new ApiError('forbidden', `this key cannot grant scope ${s}`);
  }
  try {
    await ctx.monitor.store.createKey({
      ak: k.ak,
      sealedSk: ctx.monitor.keys.box.seal(k.sk),
      role: k.role,
      scopes: k.scopes,
      rateLimit: k.rateLimit,
      createdAt: Date.now(),
    });
  } catch (err) {
    if (err instanceof KeyExistsError) throw new ApiError('conflict', err.message);
    throw err;
  }
  sendResult(x.res, 201, k);
}

export async function listKeys(ctx: AppContext, x: Exchange): Promise<void> {
  const admin = await authenticate(ctx, x, 'admin');
  const keys = (await ctx.monitor.store.listKeys())
    .filter((k) => k.scopes.every((s) => covers(admin, s)))
    .map((k) => ({ ak: k.ak, role: k.role, scopes: k.scopes, rateLimit: k.rateLimit, createdAt: new Date(k.createdAt).toISOString() }));
  sendResult(x.res, 200, { keys });
}

export async function deleteKey(ctx: AppContext, x: Exchange): Promise<void> {
  const admin = await authenticate(ctx, x, 'admin');
  const ak = decodeURIComponent(x.params[0]!);
  const stored = await ctx.monitor.store.getKey(ak);
  if (stored === undefined || !stored.scopes.every((s) => covers(admin, s))) {
    throw new ApiError('notFound', `no key with AK ${ak}`);
  }
  await ctx.monitor.store.deleteKey(ak);
  await ctx.monitor.keys.reload();
  sendResult(x.res, 200, { ak, deleted: true });
}
