// `ccmon serve --demo`: call center 1, VDN 1 with a few hundred agents in mixed states, kept
// moving by the simulator, and a fresh key to query it with.

import { generateAk, generateSk } from '../auth/keys.js';
import type { Monitor } from '../core/monitor.js';
import { Simulator } from '../sim/simulator.js';

export const DEMO_CC = 1;
export const DEMO_VDN = 1;
export const DEMO_AGENTS = 300;
const FIRST_AGENT = 1001;

export interface Demo {
  ak: string;
  sk: string;
  stop(): void;
}

export async function startDemo(monitor: Monitor, tickMs = 1000): Promise<Demo> {
  const agentIds = Array.from({ length: DEMO_AGENTS }, (_, i) => FIRST_AGENT + i);
  await monitor.applyRoster({
    configure: [{ ccId: DEMO_CC, vdn: DEMO_VDN }],
    upsert: agentIds.map((agentId) => ({ ccId: DEMO_CC, vdn: DEMO_VDN, agentId, skills: [1 + (agentId % 3)] })),
    remove: [],
  });
  const ak = 'demo-' + generateAk().slice(3);
  const sk = generateSk();
  await monitor.store.createKey({
    ak,
    sealedSk: monitor.keys.box.seal(sk),
    role: 'admin',
    scopes: ['global'],
    rateLimit: null,
    createdAt: Date.now(),
  });
  await monitor.keys.reload();
  const simulator = new Simulator(DEMO_CC, DEMO_VDN, agentIds);
  await monitor.ingest(simulator.snapshot(Date.now()), Date.now());
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const now = Date.now();
    monitor
      .ingest(simulator.step(now), now)
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, tickMs);
  timer.unref();
  return { ak, sk, stop: () => clearInterval(timer) };
}
