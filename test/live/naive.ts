// An independent, deliberately naive model of what the counts must be: a Map of agents, a sort
// for each page, and the SPEC's tables written out literally. The property tests compare the
// real read model, store and server with it.

import fc from 'fast-check';

export interface Counts {
  busyAgent: number;
  talkingNum: number;
  idleAgent: number;
  totalLoginAgent: number;
}

export interface Stamp {
  state: number;
  at: number;
}

export type Result = 'applied' | 'duplicate' | 'stale' | 'rejected';

/** SPEC section 1: which count a state adds to. */
function bucketOf(state: number): 'idle' | 'talking' | 'busy' | null {
  if (state === 0) return null;
  if (state === 1) return 'idle';
  if ([2, 3, 4, 5].includes(state)) return 'talking';
  if ([6, 7, 8, 9, 10].includes(state)) return 'busy';
  throw new Error(`no state ${state}`);
}

export function countOf(states: readonly number[]): Counts {
  const c = { busyAgent: 0, talkingNum: 0, idleAgent: 0, totalLoginAgent: 0 };
  for (const s of states) {
    const b = bucketOf(s);
    if (b === null) continue;
    c.totalLoginAgent++;
    if (b === 'idle') c.idleAgent++;
    if (b === 'talking') c.talkingNum++;
    if (b === 'busy') c.busyAgent++;
  }
  return c;
}

export class NaiveVdn {
  readonly agents = new Map<number, Stamp>();

  add(agentId: number): void {
    if (!this.agents.has(agentId)) this.agents.set(agentId, { state: 0, at: -1 });
  }

  remove(agentId: number): void {
    this.agents.delete(agentId);
  }

  /** The later event wins; at the same time the higher state code wins; the same stamp is a repeat. */
  event(agentId: number, state: number, at: number): Result {
    const cur = this.agents.get(agentId);
    if (cur === undefined) return 'rejected';
    if (at === cur.at && state === cur.state) return 'duplicate';
    if (at > cur.at || (at === cur.at && state > cur.state)) {
      this.agents.set(agentId, { state, at });
      return 'applied';
    }
    return 'stale';
  }

  get size(): number {
    return this.agents.size;
  }

  page(offset: number, limit: number): Counts {
    const ids = [...this.agents.keys()].sort((a, b) => a - b).slice(offset, offset + limit);
    return countOf(ids.map((id) => this.agents.get(id)!.state));
  }

  totals(): Counts {
    return countOf([...this.agents.values()].map((s) => s.state));
  }
}

/** The final state of each agent from a set of events, whatever their order: the greatest (at, state). */
export function finalStates(roster: readonly number[], events: readonly { agentId: number; state: number; at: number }[]): Map<number, Stamp> {
  const out = new Map<number, Stamp>(roster.map((id) => [id, { state: 0, at: -1 }]));
  for (const e of events) {
    const cur = out.get(e.agentId);
    if (cur === undefined) continue;
    if (e.at > cur.at || (e.at === cur.at && e.state > cur.state)) out.set(e.agentId, { state: e.state, at: e.at });
  }
  return out;
}

export function addsUp(c: Counts): boolean {
  return c.busyAgent + c.talkingNum + c.idleAgent === c.totalLoginAgent;
}

export function sumCounts(list: readonly Counts[]): Counts {
  return list.reduce(
    (s, c) => ({
      busyAgent: s.busyAgent + c.busyAgent,
      talkingNum: s.talkingNum + c.talkingNum,
      idleAgent: s.idleAgent + c.idleAgent,
      totalLoginAgent: s.totalLoginAgent + c.totalLoginAgent,
    }),
    { busyAgent: 0, talkingNum: 0, idleAgent: 0, totalLoginAgent: 0 },
  );
}

// --- arbitraries ---------------------------------------------------------------------------

/** Work numbers from both ranges, dense enough that random events hit them. */
export const agentIdArb = fc.oneof(fc.integer({ min: 101, max: 400 }), fc.integer({ min: 59990, max: 59999 }), fc.integer({ min: 70000, max: 70300 }));
/** Agents never put on a roster by these tests. */
export const UNKNOWN_AGENTS = [900001, 900002, 900003];

export const rosterArb = (maxLength: number) => fc.uniqueArray(agentIdArb, { minLength: 0, maxLength, size: 'medium' });

export interface GenEvent {
  agentId: number;
  state: number;
  at: number;
}

/** Events over a roster (and now and then an unknown agent), with times in a narrow range so ties happen. */
export function eventsArb(roster: readonly number[], base: number, maxLength: number): fc.Arbitrary<GenEvent[]> {
  const who = roster.length === 0 ? fc.constantFrom(...UNKNOWN_AGENTS) : fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...roster) }, { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_AGENTS) });
  return fc.array(fc.record({ agentId: who, state: fc.integer({ min: 0, max: 10 }), at: fc.integer({ min: 0, max: 12 }).map((t) => base + t * 1000) }), { maxLength, size: 'medium' });
}

/** The events as they arrive: some repeated, all shuffled. */
export function arrivalArb(events: readonly GenEvent[]): fc.Arbitrary<GenEvent[]> {
  return fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length })
    .chain((copies) => {
      const all = events.flatMap((e, i) => Array.from({ length: copies[i]! }, () => e));
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });
}

/** Random pages of a VDN of `size` agents, including pages past the end. */
export const pagesArb = (size: number) =>
  fc.array(fc.record({ offset: fc.integer({ min: 0, max: size + 5 }), limit: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 8 });
