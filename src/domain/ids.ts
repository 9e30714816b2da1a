// Identifier ranges of the CEC platform: call centers, VDNs, agents (work numbers), skill queues.

import { describeRange, readInteger, type IntegerRange } from './integers.js';

export const CC_ID: IntegerRange = { min: 1, max: 65535 };
export const VDN_ID: IntegerRange = { min: 1, max: 5000 };
export const SKILL_ID: IntegerRange = { min: 1, max: 2000 };
/** Work numbers: 101–59999 or 70000–999999. */
export const AGENT_ID: IntegerRange = { min: 101, max: 999999 };
export const AGENT_ID_RULE = 'agentId must be an integer from 101 to 59999 or from 70000 to 999999';

export function isAgentId(n: number): boolean {
  return Number.isInteger(n) && ((n >= 101 && n <= 59999) || (n >= 70000 && n <= 999999));
}

/** One number per (ccId, vdn) pair, for maps and sets keyed by VDN. */
export function vdnKey(ccId: number, vdn: number): number {
  return ccId * 8192 + vdn;
}

export function vdnOfKey(key: number): { ccId: number; vdn: number } {
  return { ccId: Math.floor(key / 8192), vdn: key % 8192 };
}

export interface AgentKey {
  ccId: number;
  vdn: number;
  agentId: number;
}

/** Reads ccId, vdn and agentId of an object; `noun` names the object in the reason ("an event"). */
export function parseAgentKey(raw: unknown, noun: string): { ok: true; value: AgentKey } | { ok: false; reason: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, reason: `${noun} must be a JSON object` };
  }
  const e = raw as Record<string, unknown>;
  const ccId = readInteger(e.ccId, CC_ID);
  if (ccId === undefined) return { ok: false, reason: describeRange('ccId', CC_ID) };
  const vdn = readInteger(e.vdn, VDN_ID);
  if (vdn === undefined) return { ok: false, reason: describeRange('vdn', VDN_ID) };
  const agentId = readInteger(e.agentId, { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (agentId === undefined || !isAgentId(agentId)) return { ok: false, reason: AGENT_ID_RULE };
  return { ok: true, value: { ccId, vdn, agentId } };
}
