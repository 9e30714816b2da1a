// A small known roster for the CC-CMS conformance tests: call center 1, VDN 1, agents 101–112
// in states chosen so every page has distinct counts.

import type { CcmonClient } from '../../src/client/client.js';

/** Agent 101 + i is in STATES[i]. */
export const STATES = [1, 5, 7, 0, 6, 2, 1, 10, 0, 4, 8, 1] as const;
export const AGENTS = STATES.map((_, i) => 101 + i);

/** Counts of the agents at positions [from, to) of the fixture: [busy, talking, idle]. */
export function fixtureCounts(from: number, to: number): [number, number, number] {
  let busy = 0;
  let talking = 0;
  let idle = 0;
  for (const s of STATES.slice(from, to)) {
    if (s === 1) idle++;
    else if (s >= 2 && s <= 5) talking++;
    else if (s >= 6) busy++;
  }
  return [busy, talking, idle];
}

export async function loadFixture(admin: CcmonClient, ccId = 1, vdn = 1): Promise<void> {
  await admin.call('POST', '/api/v1/roster', { upsert: AGENTS.map((agentId) => ({ ccId, vdn, agentId })) });
  const at = Date.now() - 60_000;
  const events = AGENTS.map((agentId, i) => ({ ccId, vdn, agentId, state: STATES[i], at }));
  const out = await admin.call('POST', '/api/v1/events', { events });
  if (out.applied !== AGENTS.length) throw new Error(`fixture events not applied: ${JSON.stringify(out)}`);
}
