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
  private resyncAgain = false;
  /** Changes applied while a resync loads its snapshot, replayed onto the new model. */
  private pending: Array<(model: ReadModel) => void> | null = null;
  private outOfStep = false;
  private retry: NodeJS.Timeout | null = null;

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
      states: (rows) => monitor.change((m) => m.applyStates(rows)),
      roster: (change) => monitor.change((m) => m.applyRoster(change)),
      vdnRemoved: (ref) => monitor.change((m) => m.removeVdn(ref)),
      keysChanged: () => {
        monitor.keys.reload().catch((err: Error) => log.error('could not reload keys', { error: err.message }));
      },
      resync: () => void monitor.resync(),
    });
    return monitor;
  }

  /** Applies a stored change to the read model (and to the one a resync is loading). */
  private change(apply: (model: ReadModel) => void): void {
    apply(this.model);
    this.pending?.push(apply);
  }

  private async loadModel(): Promise<void> {
    const model = new ReadModel();
    this.pending = [];
    try {
      await this.store.loadSnapshot(model);
      model.compact();
      // Changes that arrived during the load may be newer than the snapshot; applying one
      // the snapshot already holds changes nothing.
      for (const apply of this.pending) apply(model);
      this.model = model;
    } finally {
      this.pending = null;
    }
  }

  /** False while the store can't take writes or the read model could not be brought back in step. */
  get ready(): boolean {
    return this.store.ready && !this.outOfStep;
  }

  /** Rebuilds the read model from the store (after changes may have been missed). */
  resync(): Promise<void> {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    if (this.resyncing !== null) {
      // The load under way may have started before the changes this call is about.
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      do {
        this.resyncAgain = false;
        try {
          // Both settle before the next attempt, so two loads never overlap.
          const [model, keys] = await Promise.allSettled([this.loadModel(), this.keys.reload()]);
          if (model.status === 'rejected') throw model.reason;
          if (keys.status === 'rejected') throw keys.reason;
          this.outOfStep = false;
        } catch (err) {
          if (!this.outOfStep) this.log.warn('could not reload from the store; trying again every second', { error: (err as Error).message });
          this.outOfStep = true;
        }
      } while (this.resyncAgain && this.unwatch !== null);
      if (this.outOfStep && this.unwatch !== null) {
        this.retry = setTimeout(() => void this.resync(), 1000);
        this.retry.unref();
      }
    })().finally(() => {
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
    this.change((m) => m.applyStates(applied));
    return results;
  }

  async applyRoster(change: RosterChange): Promise<RosterApplied> {
    const applied = await this.store.applyRoster(change);
    this.change((m) => m.applyRoster(applied));
    return applied;
  }

  async removeVdn(ref: VdnRef): Promise<boolean> {
    const removed = await this.store.removeVdn(ref);
    this.change((m) => m.removeVdn(ref));
    return removed;
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    if (this.retry !== null) clearTimeout(this.retry);
    await this.resyncing;
    await this.store.close();
  }
}
