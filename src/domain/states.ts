// Huawei CTI agent state codes (SPEC section 4) and how each one is counted (SPEC section 1).

export const AGENT_STATES = [
  { code: 0, name: 'signed-out', meaning: 'not signed in' },
  { code: 1, name: 'idle', meaning: 'ready, can be given a call' },
  { code: 2, name: 'preoccupied', meaning: 'reserved by the system for an outbound call' },
  { code: 3, name: 'occupied', meaning: 'locked for a few seconds before a call connects' },
  { code: 4, name: 'answering', meaning: 'a call is ringing at the agent' },
  { code: 5, name: 'talking', meaning: 'in a call' },
  { code: 6, name: 'working', meaning: 'wrap-up after a call' },
  { code: 7, name: 'busy', meaning: 'set busy by the agent' },
  { code: 8, name: 'rest', meaning: 'on an approved break' },
  { code: 9, name: 'study', meaning: 'in training' },
  { code: 10, name: 'adjusting', meaning: 'after-call paperwork, not answering' },
] as const;

export type AgentState = (typeof AGENT_STATES)[number]['code'];

export const SIGNED_OUT = 0;
export const MAX_STATE = 10;

export function isAgentState(value: unknown): value is AgentState {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_STATE;
}

const STATE_BY_NAME = new Map<string, AgentState>(AGENT_STATES.map((s) => [s.name, s.code]));

/** Accepts a state code (number or digit string) or a state name such as "talking". */
export function parseAgentState(value: unknown): AgentState | undefined {
  if (isAgentState(value)) return value;
  if (typeof value === 'string') {
    if (/^\d{1,2}$/.test(value)) {
      const code = Number(value);
      return isAgentState(code) ? code : undefined;
    }
    return STATE_BY_NAME.get(value.toLowerCase());
  }
  return undefined;
}

export function stateName(code: AgentState): string {
  return AGENT_STATES[code].name;
}

/** Which count of the CC-CMS answer a state code adds to (besides totalLoginAgent). */
export const enum Bucket {
  SignedOut = 0,
  Idle = 1,
  Talking = 2,
  Busy = 3,
}

export const BUCKET_OF_STATE: Readonly<Uint8Array> = Uint8Array.from(
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((code) => {
    if (code === 0) return Bucket.SignedOut;
    if (code === 1) return Bucket.Idle;
    if (code <= 5) return Bucket.Talking;
    return Bucket.Busy;
  }),
);
