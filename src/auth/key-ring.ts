// The keys a server knows, opened and ready to verify with, and the C2 check of a request.

import {
  authPrefix,
  hmacHex,
  parseAuthorization,
  parseC2Timestamp,
  signatureOf,
  signaturesEqual,
  type RequestToSign,
} from './c2.js';
import { TokenBucket } from './flow-control.js';
import { Scope, type Role, type StoredKey } from './keys.js';
import type { SecretBox } from './secret-box.js';

export interface ActiveKey {
  readonly ak: string;
  readonly sk: string;
  readonly role: Role;
  readonly scope: Scope;
  readonly bucket: TokenBucket | null;
  /** Signing keys by auth prefix: clients sign with one timestamp a second, so this stays small. */
  readonly signingKeys: Map<string, string>;
}

export interface KeySource {
  getKey(ak: string): Promise<StoredKey | undefined>;
  listKeys(): Promise<StoredKey[]>;
}

const MISS_TTL_MS = 1000;
const SIGNING_KEYS_KEPT = 64;

export class KeyRing {
  private keys = new Map<string, ActiveKey>();
  private misses = new Map<string, number>();

  constructor(
    private readonly source: KeySource,
    readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  private activate(k: StoredKey): ActiveKey {
    const existing = this.keys.get(k.ak);
    const sk = this.box.open(k.sealedSk);
    if (existing && existing.sk === sk && existing.role === k.role && existing.scope.texts.join() === k.scopes.join()) {
      return existing;
    }
    return {
      ak: k.ak,
      sk,
      role: k.role,
      scope: new Scope(k.scopes),
      bucket: k.rateLimit === null ? null : new TokenBucket(k.rateLimit, this.now()),
      signingKeys: new Map(),
    };
  }

  /** Reads every key again (after a change by another process). Throws if a secret can't be opened. */
  async reload(): Promise<void> {
    const next = new Map<string, ActiveKey>();
    for (const k of await this.source.listKeys()) next.set(k.ak, this.activate(k));
    this.keys = next;
    this.misses.clear();
  }

  get size(): number {
    return this.keys.size;
  }

  get(ak: string): ActiveKey | undefined {
    return this.keys.get(ak);
  }

  /** Looks up an AK the ring doesn't hold (created since the last reload); misses are remembered briefly. */
  async fetch(ak: string): Promise<ActiveKey | undefined> {
    const known = this.keys.get(ak);
    if (known) return known;
    const missedAt = this.misses.get(ak);
    if (missedAt !== undefined && this.now() - missedAt < MISS_TTL_MS) return undefined;
    const stored = await this.source.getKey(ak);
    if (!stored) {
      if (this.misses.size > 10000) this.misses.clear();
      this.misses.set(ak, this.now());
      return undefined;
    }
    const active = this.activate(stored);
    this.keys.set(ak, active);
    return active;
  }
}

export type Verdict =
  | { ok: true; key: ActiveKey }
  | { ok: false; reason: string; /** set when only the AK was not found: worth a store lookup */ unknownAk?: string };

export function signingKeyFor(key: ActiveKey, prefix: string): string {
  let signingKey = key.signingKeys.get(prefix);
  if (signingKey === undefined) {
    if (key.signingKeys.size >= SIGNING_KEYS_KEPT) key.signingKeys.clear();
    signingKey = hmacHex(key.sk, prefix);
    key.signingKeys.set(prefix, signingKey);
  }
  return signingKey;
}

/** Checks a request's Authorization header against the ring; the request holds the raw header values. */
export function verifyRequest(
  ring: KeyRing,
  authorization: string | undefined,
  request: RequestToSign,
  now: number,
  maxSkewMs: number,
): Verdict {
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) return parsed;
  const { ak, timestamp, signedHeaders, headerNames, signature } = parsed.auth;
  const at = parseC2Timestamp(timestamp);
  if (Number.isNaN(at)) return { ok: false, reason: 'the Authorization timestamp is not a valid UTC time' };
  if (Math.abs(now - at) > maxSkewMs) {
    return { ok: false, reason: `the Authorization timestamp is more than ${Math.round(maxSkewMs / 60000)} minutes from the server clock` };
  }
  for (const name of headerNames) {
    if (request.headers[name] === undefined) return { ok: false, reason: `the signed header ${name} is not in the request` };
  }
  const key = ring.get(ak);
  if (key === undefined) return { ok: false, reason: 'unknown AK', unknownAk: ak };
  const expected = signatureOf(signingKeyFor(key, authPrefix(ak, timestamp, signedHeaders)), request, headerNames);
  if (!signaturesEqual(expected, signature)) return { ok: false, reason: 'the signature does not match the request' };
  return { ok: true, key };
}
