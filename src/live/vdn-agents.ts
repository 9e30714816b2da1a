// One VDN's agents in agent-ID order, as parallel typed arrays: about 13 bytes an agent, and a
// page at any offset is a slice of the arrays, so a query costs the same at offset 0 or 99,900.

import { NEVER, orderEvent, type Outcome } from '../domain/events.js';
import type { AgentState } from '../domain/states.js';

const INITIAL_CAPACITY = 16;

export class VdnAgents {
  ids = new Int32Array(INITIAL_CAPACITY);
  states = new Uint8Array(INITIAL_CAPACITY);
  ats = new Float64Array(INITIAL_CAPACITY);
  size = 0;

  indexOf(agentId: number): number {
    let lo = 0;
    let hi = this.size - 1;
    const ids = this.ids;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v < agentId) lo = mid + 1;
      else if (v > agentId) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  private grow(min: number): void {
    let capacity = this.ids.length;
    while (capacity < min) capacity *= 2;
    if (capacity === this.ids.length) return;
    const ids = new Int32Array(capacity);
    const states = new Uint8Array(capacity);
    const ats = new Float64Array(capacity);
    ids.set(this.ids.subarray(0, this.size));
    states.set(this.states.subarray(0, this.size));
    ats.set(this.ats.subarray(0, this.size));
    this.ids = ids;
    this.states = states;
    this.ats = ats;
  }

  /** Adds an agent; appending in ID order (a snapshot load) is O(1). */
  add(agentId: number, state: AgentState, at: number): void {
    if (this.size > 0 && agentId <= this.ids[this.size - 1]!) {
      this.merge([agentId], new Set(), state, at);
      return;
    }
    if (this.size === this.ids.length) this.grow(this.size + 1);
    this.ids[this.size] = agentId;
    this.states[this.size] = state;
    this.ats[this.size] = at;
    this.size++;
  }

  /** One pass over the arrays for a whole roster change: new agents start in `state` at `at`. */
  merge(added: readonly number[], removed: ReadonlySet<number>, state: AgentState = 0, at = NEVER): void {
    const incoming = [...new Set(added)].filter((id) => this.indexOf(id) < 0).sort((a, b) => a - b);
    const capacity = Math.max(INITIAL_CAPACITY, this.size + incoming.length);
    const ids = new Int32Array(capacity);
    const states = new Uint8Array(capacity);
    const ats = new Float64Array(capacity);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < this.size || j < incoming.length) {
      if (j >= incoming.length || (i < this.size && this.ids[i]! < incoming[j]!)) {
        if (!removed.has(this.ids[i]!)) {
          ids[n] = this.ids[i]!;
          states[n] = this.states[i]!;
          ats[n] = this.ats[i]!;
          n++;
        }
        i++;
      } else {
        if (!removed.has(incoming[j]!)) {
          ids[n] = incoming[j]!;
          states[n] = state;
          ats[n] = at;
          n++;
        }
        j++;
      }
    }
    this.ids = ids;
    this.states = states;
    this.ats = ats;
    this.size = n;
  }

  /** Applies a stored state change with the same ordering rule as the store. */
  applyState(agentId: number, state: AgentState, at: number): Outcome | 'unknown' {
    const i = this.indexOf(agentId);
    if (i < 0) return 'unknown';
    const outcome = orderEvent({ state: this.states[i] as AgentState, at: this.ats[i]! }, { state, at });
    if (outcome === 'applied') {
      this.states[i] = state;
      this.ats[i] = at;
    }
    return outcome;
  }

  /** Gives back the memory that growing by doubling left unused. */
  compact(): void {
    if (this.ids.length - this.size < 64) return;
    this.ids = this.ids.slice(0, this.size);
    this.states = this.states.slice(0, this.size);
    this.ats = this.ats.slice(0, this.size);
  }
}
