// What every benchmark process agrees on: the key, the VDNs and their rosters, and the state
// an agent is put in, so the parent can compute the expected answer of any page.

import type { Monitor } from '../src/core/monitor.js';
import type { AgentEvent } from '../src/domain/events.js';
import type { AgentState } from '../src/domain/states.js';
import type { Store } from '../src/store/store.js';

export const BENCH_AK = 'bench-reader';
export const BENCH_SK = 'bench-secret-0123456789abcdef';
export const CC_ID = 1;

/** Agent IDs of a VDN: 70000, 70001, … (all valid work numbers up to 929,999 agents). */
export function agentIdAt(index: number): number {
  return 70000 + index;
}

/** The state the fixture gives the agent at an index: a spread over all eleven codes. */
export function stateAt(index: number): AgentState {
  return ((index * 7) % 11) as AgentState;
}

export async function createBenchKey(store: Store): Promise<void> {
  if (await store.getKey(BENCH_AK)) return;
  await store.createKey({ ak: BENCH_AK, sealedSk: 'plain:' + BENCH_SK, role: 'write', scopes: ['global'], rateLimit: null, createdAt: Date.now() });
}

/** Configures a VDN with `agents` agents in the fixture states, through the monitor in chunks. */
export async function loadVdn(monitor: Monitor, vdn: number, agents: number, at: number): Promise<void> {
  const CHUNK = 50_000;
  await monitor.applyRoster({ configure: [{ ccId: CC_ID, vdn }], upsert: [], remove: [] });
  for (let from = 0; from < agents; from += CHUNK) {
    const to = Math.min(agents, from + CHUNK);
    const upsert = [];
    const events: AgentEvent[] = [];
    for (let i = from; i < to; i++) {
      upsert.push({ ccId: CC_ID, vdn, agentId: agentIdAt(i), skills: [] });
      const state = stateAt(i);
      if (state !== 0) events.push({ ccId: CC_ID, vdn, agentId: agentIdAt(i), state, at, reason: null });
    }
    await monitor.applyRoster({ configure: [], upsert, remove: [] });
    await monitor.ingest(events, at);
  }
}

/** The exact success body ccmon answers for a page of a fixture VDN. */
export function expectedCounts(agents: number, offset: number, limit: number) {
  let busy = 0;
  let talking = 0;
  let idle = 0;
  for (let i = offset; i < Math.min(agents, offset + limit); i++) {
    const s = stateAt(i);
    if (s === 1) idle++;
    else if (s >= 2 && s <= 5) talking++;
    else if (s >= 6) busy++;
  }
  return { busyAgent: busy, talkingNum: talking, idleAgent: idle, totalLoginAgent: busy + talking + idle };
}
