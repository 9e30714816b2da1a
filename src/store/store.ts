// The storage interface. Everything above it (read model, HTTP, CLI) talks to this and nothing
// else, so the embedded SQLite store and the PostgreSQL store are interchangeable.

import type { StoredKey } from '../auth/keys.js';
import type { AgentEvent } from '../domain/events.js';
import type { RosterAgent, RosterRemoval } from '../domain/roster.js';
import type { AgentState } from '../domain/states.js';

export interface VdnRef {
  ccId: number;
  vdn: number;
}

export interface AgentRef extends VdnRef {
  agentId: number;
}

/** An agent's current state as stored. */
export interface AgentStateRow extends AgentRef {
  state: AgentState;
  at: number;
}

export interface AgentRecord extends AgentStateRow {
  skills: number[];
  reason: number | null;
}

/** An event as the event log keeps it. */
export interface LoggedEvent extends AgentEvent {
  seq: number;
  receivedAt: number;
  outcome: 'applied' | 'stale';
}

export type EventResult =
  | { status: 'applied' | 'duplicate' | 'stale' }
  | { status: 'rejected'; reason: string };

export interface RosterChange {
  /** VDNs to configure even when no agent is added to them. */
  configure: VdnRef[];
  upsert: RosterAgent[];
  remove: RosterRemoval[];
}

export interface RosterApplied {
  /** VDNs that did not exist before this change. */
  configured: VdnRef[];
  /** Agents new to their VDN: they start signed out. */
  added: AgentRef[];
  updated: number;
  removed: AgentRef[];
  /** Removals of agents that were not on the roster. */
  notFound: number;
}

/** Receives everything the read model needs to stay in step, in the order it should apply it. */
export interface SnapshotSink {
  vdn(ccId: number, vdn: number): void;
  /** Agents arrive ordered by ccId, vdn, agentId. */
  agent(ccId: number, vdn: number, agentId: number, state: AgentState, at: number): void;
}

/** What other writers (another instance, another process) changed. */
export interface StoreChangeListener {
  states(rows: AgentStateRow[]): void;
  roster(change: RosterApplied): void;
  vdnRemoved(ref: VdnRef): void;
  keysChanged(): void;
  /** Changes may have been missed: reload everything. */
  resync(): void;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  loadSnapshot(sink: SnapshotSink): Promise<void>;

  getKey(ak: string): Promise<StoredKey | undefined>;
  listKeys(): Promise<StoredKey[]>;
  /** Fails with KeyExistsError when the AK is taken. */
  createKey(key: StoredKey): Promise<void>;
  deleteKey(ak: string): Promise<boolean>;

  /** Applies the whole change or nothing. */
  applyRoster(change: RosterChange): Promise<RosterApplied>;
  /** Removes a VDN with its agents; false when it was not configured. */
  removeVdn(ref: VdnRef): Promise<boolean>;
  listVdns(): Promise<VdnRef[]>;
  /** A page of a VDN's agents by agent ID; undefined when the VDN is not configured. */
  listAgents(ref: VdnRef, offset: number, limit: number): Promise<AgentRecord[] | undefined>;

  /**
   * Stores a batch of valid events, each decided against the agent's stored state with
   * orderEvent; applied and stale events are kept in the event log. Durable on return.
   */
  ingest(events: readonly AgentEvent[], receivedAt: number): Promise<EventResult[]>;
  /** The event log after a sequence number, oldest first. */
  readEventLog(afterSeq: number, limit: number): Promise<LoggedEvent[]>;

  /** Starts delivering other writers' changes; returns a function that stops it. */
  watch(listener: StoreChangeListener): () => void;
  /** True while the store can take writes. */
  readonly ready: boolean;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(ak: string) {
    super(`a key with AK ${ak} already exists`);
  }
}

export class StoreUnavailableError extends Error {
  constructor(cause: string) {
    super(`the database is unavailable: ${cause}`);
  }
}

export function unknownAgentReason(ref: AgentRef): string {
  return `agent ${ref.agentId} is not on the roster of call center ${ref.ccId}, VDN ${ref.vdn}`;
}
