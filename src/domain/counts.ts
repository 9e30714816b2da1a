// The four counts of the CC-CMS answer, over one page of a VDN's agents.

import { BUCKET_OF_STATE, Bucket } from './states.js';

export interface AgentCounts {
  busyAgent: number;
  talkingNum: number;
  idleAgent: number;
  totalLoginAgent: number;
}

export const ZERO_COUNTS: Readonly<AgentCounts> = Object.freeze({
  busyAgent: 0,
  talkingNum: 0,
  idleAgent: 0,
  totalLoginAgent: 0,
});

/** Counts states[from, to) — the page — with the SPEC's mapping. */
export function countStates(states: ArrayLike<number>, from: number, to: number): AgentCounts {
  let busy = 0;
  let talking = 0;
  let idle = 0;
  for (let i = from; i < to; i++) {
    const bucket = BUCKET_OF_STATE[states[i]!];
    if (bucket === Bucket.Idle) idle++;
    else if (bucket === Bucket.Talking) talking++;
    else if (bucket === Bucket.Busy) busy++;
  }
  return { busyAgent: busy, talkingNum: talking, idleAgent: idle, totalLoginAgent: busy + talking + idle };
}
