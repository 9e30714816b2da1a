// Agent state events: validation, event time, and the ordering rule that makes ingest idempotent
// and order-safe (SPEC section 5).

import { parseAgentKey } from './ids.js';
import { describeRange, readInteger } from './integers.js';
import { parseAgentState, type AgentState } from './states.js';

export interface AgentEvent {
  ccId: number;
  vdn: number;
  agentId: number;
  state: AgentState;
  /** Event time, epoch milliseconds. */
  at: number;
  reason: number | null;
}

/** Where an agent's state stands; a roster entry with no event yet is signed out at NEVER. */
export interface StateStamp {
  state: AgentState;
  at: number;
}

export const NEVER = -1;

export type Outcome = 'applied' | 'duplicate' | 'stale';

/**
 * Newer event time wins. At the same time the same state is a repeat; different states are
 * ordered by code, so every instance and every arrival order ends on the same state.
 */
export function orderEvent(current: StateStamp, event: StateStamp): Outcome {
  if (event.at > current.at) return 'applied';
  if (event.at < current.at) return 'stale';
  if (event.state === current.state) return 'duplicate';
  return event.state > current.state ? 'applied' : 'stale';
}

const REASON = { min: 0, max: 65535 };
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const LATEST_EPOCH_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

/** Event time from ISO 8601 (with a zone) or epoch milliseconds; undefined when neither. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= LATEST_EPOCH_MS ? value : undefined;
  }
  if (typeof value === 'string') {
    if (/^\d{1,15}$/.test(value)) return parseEventTime(Number(value));
    if (!ISO_8601.test(value)) return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  }
  return undefined;
}

export type EventParse = { ok: true; event: AgentEvent } | { ok: false; reason: string };

export interface EventRules {
  /** Events further ahead of the server clock than this are rejected (ms). */
  maxFutureMs: number;
  now: number;
}

export function parseEvent(raw: unknown, rules: EventRules): EventParse {
  const key = parseAgentKey(raw, 'an event');
  if (!key.ok) return key;
  const { ccId, vdn, agentId } = key.value;
  const e = raw as Record<string, unknown>;
  const state = parseAgentState(e.state);
  if (state === undefined) {
    return { ok: false, reason: 'state must be a state code from 0 to 10 or a state name such as "idle"' };
  }
  if (e.at === undefined) return { ok: false, reason: 'at (the event time) is required' };
  const at = parseEventTime(e.at);
  if (at === undefined) {
    return { ok: false, reason: 'at must be an ISO 8601 time with a zone (2024-01-01T08:00:00Z) or epoch milliseconds' };
  }
  if (at > rules.now + rules.maxFutureMs) {
    return { ok: false, reason: `at is ${Math.round((at - rules.now) / 1000)} s ahead of the server clock` };
  }
  let reason: number | null = null;
  if (e.reason !== undefined && e.reason !== null) {
    const r = readInteger(e.reason, REASON);
    if (r === undefined) return { ok: false, reason: describeRange('reason', REASON) };
    reason = r;
  }
  return { ok: true, event: { ccId, vdn, agentId, state, at, reason } };
}
