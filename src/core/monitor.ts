// The application core: a store and the read model kept in step with it. Every write goes to
// the store first and reaches the read model only once the store has made it durable.

import { KeyRing } from '../auth/key-ring.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { AgentEvent } from '../domain/events.js';
import { ReadModel } from '../live/read-model.js';
import type { AgentStateRow, EventResult, RosterApplied, RosterChange, Store, VdnRef } from '../store/store.js';

export interface MonitorLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export class Monitor {
  model = new ReadModel();
  readonly keys: KeyRing;
  private unwatch: (() => void) | null = null;
  private resyncing: Promise<void> | null = null;

  private constructor(
    readonly store: Store,
    box: SecretBox,
    private readonly log: MonitorLog,
  ) {
    this.keys = new KeyRing(store, box);
  }

  static async start(store: Store, box: SecretBox, log: MonitorLog): Promise<Monitor> {
    const monitor = new Monitor(store, box, log);
    await monitor.keys.reload();
    await monitor.loadModel();
    monitor.unwatch = store.watch({
      states: (rows) => monitor.model.applyStates(rows),
      roster: (change) => monitor.model.applyRoster(change),
      vdnRemoved: (ref) => monitor.model.removeVdn(ref),
      keysChanged: () => {
        monitor.keys.reload().catch((err: Error) => log.error('could not reload keys', { error: err.message }));
      },
      resync: () => void monitor.resync(),
    });
    return monitor;
  }

  private async loadModel(): Promise<void> {
    const model = new ReadModel();
    await this.store.loadSnapshot(model);
    model.compact();
    this.model = model;
  }

  /** Rebuilds the read model from the store (after changes may have been missed). */
  resync(): Promise<void> {
    this.resyncing ??= Promise.all([this.loadModel(), this.keys.reload()])
      .then(() => undefined)
      .catch((err: Error) => this.log.warn('resync failed; will retry on the next signal', { error: err.message }))
      .finally(() => {
        this.resyncing = null;
      });
    return this.resyncing;
  }

  async ingest(events: readonly AgentEvent[], receivedAt: number): Promise<EventResult[]> {
    const results = await this.store.ingest(events, receivedAt);
    const applied: AgentStateRow[] = [];
    for (let i = 0; i < events.length; i++) {
      if (results[i]!.status === 'applied') applied.push(events[i]!);
    }
    this.model.applyStates(applied);
    return results;
  }

  async applyRoster(change: RosterChange): Promise<RosterApplied> {
    const applied = await this.store.applyRoster(change);
    this.model.applyRoster(applied);
    return applied;
  }

  async removeVdn(ref: VdnRef): Promise<boolean> {
    const removed = await this.store.removeVdn(ref);
    this.model.removeVdn(ref);
    return removed;
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    await this.resyncing;
    await this.store.close();
  }
}
