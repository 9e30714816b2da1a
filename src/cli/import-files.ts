// Reading import files: a roster CSV and a JSON-lines event file. Every line is checked before
// anything is sent, so a bad file changes nothing; errors name the line and what was wrong.

import { parseEvent, type AgentEvent } from '../domain/events.js';
import { parseRosterAgent, type RosterAgent } from '../domain/roster.js';

export class FileError extends Error {}

function unquote(field: string): string {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/** CSV with a header naming ccId, vdn, agentId and optionally skills (";"-separated). */
export function parseRosterCsv(text: string, file: string): RosterAgent[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new FileError(`${file} is empty; expected a header line ccId,vdn,agentId`);
  const header = lines[headerIndex]!.split(',').map((h) => unquote(h));
  const column = (name: string) => header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  const [cc, vdn, agent, skills] = [column('ccId'), column('vdn'), column('agentId'), column('skills')];
  const missing = [['ccId', cc], ['vdn', vdn], ['agentId', agent]].filter(([, i]) => i === -1).map(([n]) => n);
  if (missing.length > 0) {
    throw new FileError(`${file} line ${headerIndex + 1}: the header must name ccId,vdn,agentId (missing ${missing.join(', ')})`);
  }
  const agents: RosterAgent[] = [];
  const seen = new Map<string, number>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const lineNo = i + 1;
    const fields = lines[i]!.split(',').map(unquote);
    if (fields.length > header.length) {
      throw new FileError(`${file} line ${lineNo}: ${fields.length} fields, but the header has ${header.length}`);
    }
    const skillText = skills >= 0 ? (fields[skills] ?? '') : '';
    const parsed = parseRosterAgent({
      ccId: fields[cc] ?? '',
      vdn: fields[vdn] ?? '',
      agentId: fields[agent] ?? '',
      skills: skillText === '' ? [] : skillText.split(';').map((s) => s.trim()),
    });
    if (!parsed.ok) throw new FileError(`${file} line ${lineNo}: ${parsed.reason}`);
    const id = `${parsed.value.ccId}/${parsed.value.vdn}/${parsed.value.agentId}`;
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new FileError(`${file} line ${lineNo}: agent ${parsed.value.agentId} of ${parsed.value.ccId}/${parsed.value.vdn} is already on line ${earlier}`);
    }
    seen.set(id, lineNo);
    agents.push(parsed.value);
  }
  return agents;
}

export interface NumberedEvent {
  line: number;
  event: AgentEvent;
}

/** JSON lines {"ccId","vdn","agentId","state","at"} (optional "reason"). */
export function parseEventLines(text: string, file: string, now: number): NumberedEvent[] {
  const events: NumberedEvent[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new FileError(`${file} line ${i + 1}: not valid JSON`);
    }
    const parsed = parseEvent(raw, { now, maxFutureMs: 5 * 60_000 });
    if (!parsed.ok) throw new FileError(`${file} line ${i + 1}: ${parsed.reason}`);
    events.push({ line: i + 1, event: parsed.event });
  }
  return events;
}
