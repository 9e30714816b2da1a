// The in-memory read model every query is answered from. It is built from a store snapshot and
// kept in step with every change the store reports, applied synchronously so a query never sees
// half of a batch.

import { countStates, type AgentCounts } from '../domain/counts.js';
import { vdnKey, vdnOfKey } from '../domain/ids.js';
import type { AgentState } from '../domain/states.js';
import type { AgentStateRow, RosterApplied, SnapshotSink, VdnRef } from '../store/store.js';
import { VdnAgents } from './vdn-agents.js';

export class ReadModel implements SnapshotSink {
  private readonly vdns = new Map<number, VdnAgents>();

  vdn(ccId: number, vdn: number): void {
    const key = vdnKey(ccId, vdn);
    if (!this.vdns.has(key)) this.vdns.set(key, new VdnAgents());
  }

  agent(ccId: number, vdn: number, agentId: number, state: AgentState, at: number): void {
    this.vdn(ccId, vdn);
    this.vdns.get(vdnKey(ccId, vdn))!.add(agentId, state, at);
  }

  /** Call after loading a snapshot. */
  compact(): void {
    for (const agents of this.vdns.values()) agents.compact();
  }

  agentsOf(ccId: number, vdn: number): VdnAgents | undefined {
    return this.vdns.get(vdnKey(ccId, vdn));
  }

  /** The counts of one page, or undefined when the VDN is not configured. */
  countPage(ccId: number, vdn: number, offset: number, limit: number): AgentCounts | undefined {
    const agents = this.vdns.get(vdnKey(ccId, vdn));
    if (agents === undefined) return undefined;
    const from = Math.min(offset, agents.size);
    return countStates(agents.states, from, Math.min(agents.size, from + limit));
  }

  applyStates(rows: readonly AgentStateRow[]): void {
    for (const r of rows) this.vdns.get(vdnKey(r.ccId, r.vdn))?.applyState(r.agentId, r.state, r.at);
  }

  applyRoster(change: RosterApplied): void {
    for (const ref of change.configured) this.vdn(ref.ccId, ref.vdn);
    const touched = new Map<number, { added: number[]; removed: Set<number> }>();
    const entry = (ccId: number, vdn: number) => {
      const key = vdnKey(ccId, vdn);
      let e = touched.get(key);
      if (e === undefined) touched.set(key, (e = { added: [], removed: new Set() }));
      return e;
    };
    for (const a of change.added) entry(a.ccId, a.vdn).added.push(a.agentId);
    for (const r of change.removed) entry(r.ccId, r.vdn).removed.add(r.agentId);
    for (const [key, e] of touched) {
      const { ccId, vdn } = vdnOfKey(key);
      this.vdn(ccId, vdn);
      this.vdns.get(key)!.merge(e.added, e.removed);
    }
  }

  removeVdn(ref: VdnRef): void {
    this.vdns.delete(vdnKey(ref.ccId, ref.vdn));
  }

  get vdnCount(): number {
    return this.vdns.size;
  }

  get agentCount(): number {
    let n = 0;
    for (const agents of this.vdns.values()) n += agents.size;
    return n;
  }

  vdnRefs(): VdnRef[] {
    return [...this.vdns.keys()].sort((a, b) => a - b).map(vdnOfKey);
  }
}
