// Roster entries: which agents a VDN has, with their skill queues.

import { SKILL_ID, parseAgentKey } from './ids.js';
import { describeRange, readInteger } from './integers.js';

export interface RosterAgent {
  ccId: number;
  vdn: number;
  agentId: number;
  skills: number[];
}

export interface RosterRemoval {
  ccId: number;
  vdn: number;
  agentId: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX_SKILLS = 2000;

export function parseSkills(raw: unknown): Parsed<number[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return { ok: false, reason: 'skills must be an array of skill IDs' };
  if (raw.length > MAX_SKILLS) return { ok: false, reason: `an agent has at most ${MAX_SKILLS} skills` };
  const skills = new Set<number>();
  for (const s of raw) {
    const id = readInteger(s, SKILL_ID);
    if (id === undefined) return { ok: false, reason: describeRange('each skill', SKILL_ID) };
    skills.add(id);
  }
  return { ok: true, value: [...skills].sort((a, b) => a - b) };
}

export function parseRosterAgent(raw: unknown): Parsed<RosterAgent> {
  const key = parseAgentKey(raw, 'an agent');
  if (!key.ok) return key;
  const skills = parseSkills((raw as Record<string, unknown>).skills);
  if (!skills.ok) return skills;
  return { ok: true, value: { ...key.value, skills: skills.value } };
}

export function parseRosterRemoval(raw: unknown): Parsed<RosterRemoval> {
  return parseAgentKey(raw, 'an agent');
}
