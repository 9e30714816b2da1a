// A small contact-center simulator: agents move through plausible state sequences (ringing,
// talking, wrap-up, breaks), sent as ordinary events through the same ingest path as a switch.

import type { AgentEvent } from '../domain/events.js';
import type { AgentState } from '../domain/states.js';

/** Next states an agent may move to from each state, with weights. */
const TRANSITIONS: Record<number, Array<[AgentState, number]>> = {
  0: [[1, 8], [0, 2]],
  1: [[4, 6], [2, 1], [7, 1], [8, 1], [9, 1], [0, 1]],
  2: [[3, 1]],
  3: [[5, 1]],
  4: [[5, 9], [1, 1]],
  5: [[6, 7], [5, 3]],
  6: [[1, 7], [10, 2], [7, 1]],
  7: [[1, 1]],
  8: [[1, 1]],
  9: [[1, 1]],
  10: [[1, 1]],
};

/** A deterministic pseudo-random source (mulberry32), so a seeded run is repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function nextState(from: AgentState, random: () => number): AgentState {
  const options = TRANSITIONS[from]!;
  const total = options.reduce((sum, [, w]) => sum + w, 0);
  let pick = random() * total;
  for (const [state, weight] of options) {
    pick -= weight;
    if (pick < 0) return state;
  }
  return options[options.length - 1]![0];
}

/** A mix of states like a staffed floor in the middle of a shift. */
export function initialState(random: () => number): AgentState {
  const r = random();
  if (r < 0.1) return 0;
  if (r < 0.35) return 1;
  if (r < 0.4) return 4;
  if (r < 0.7) return 5;
  if (r < 0.8) return 6;
  if (r < 0.88) return 7;
  if (r < 0.94) return 8;
  if (r < 0.97) return 9;
  return 10;
}

export class Simulator {
  private readonly states = new Map<number, AgentState>();

  constructor(
    private readonly ccId: number,
    private readonly vdn: number,
    agentIds: readonly number[],
    private readonly random: () => number = Math.random,
  ) {
    for (const id of agentIds) this.states.set(id, initialState(random));
  }

  /** Every agent's current simulated state, as events at `at`. */
  snapshot(at: number): AgentEvent[] {
    return [...this.states].map(([agentId, state]) => ({ ccId: this.ccId, vdn: this.vdn, agentId, state, at, reason: null }));
  }

  /** Moves about `share` of the agents one step on. */
  step(at: number, share = 0.05): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const [agentId, state] of this.states) {
      if (this.random() >= share) continue;
      const next = nextState(state, this.random);
      if (next === state) continue;
      this.states.set(agentId, next);
      events.push({ ccId: this.ccId, vdn: this.vdn, agentId, state: next, at, reason: null });
    }
    return events;
  }
}
