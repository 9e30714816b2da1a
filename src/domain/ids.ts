// Identifier ranges of the CEC platform: call centers, VDNs, agents (work numbers), skill queues.

import type { IntegerRange } from './integers.js';

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
