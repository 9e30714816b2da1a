// The keys a server knows, opened and ready to verify with, and the C2 check of a request.

import {
  authPrefix,
  decodeHex64,
  fastSignature,
  headerLayout,
  hmacBlocks,
  hmacHex,
  type HeaderLayout,
  type HmacBlocks,
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
  /** The same signing keys as HMAC pad blocks, for the fast check. */
  readonly signingBlocks: Map<string, HmacBlocks>;
  /** The blocks the last request of this key used: a client signs many requests a second. */
  lastSigning: { timestamp: string; signedHeaders: string; blocks: HmacBlocks } | null;
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
      signingBlocks: new Map(),
      lastSigning: null,
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

function signingBlocksFor(key: ActiveKey, timestamp: string, signedHeaders: string): HmacBlocks {
  const last = key.lastSigning;
  if (last !== null && last.timestamp === timestamp && last.signedHeaders === signedHeaders) return last.blocks;
  const prefix = authPrefix(key.ak, timestamp, signedHeaders);
  let blocks = key.signingBlocks.get(prefix);
  if (blocks === undefined) {
    if (key.signingBlocks.size >= SIGNING_KEYS_KEPT) key.signingBlocks.clear();
    blocks = hmacBlocks(signingKeyFor(key, prefix));
    key.signingBlocks.set(prefix, blocks);
  }
  key.lastSigning = { timestamp, signedHeaders, blocks };
  return blocks;
}

// One-entry caches: clients sign with one timestamp a second and always the same headers.
let lastTimestamp = '';
let lastTimestampMs = NaN;
const layouts = new Map<string, HeaderLayout | null>();
const received = Buffer.alloc(32);

function timestampMs(timestamp: string): number {
  if (timestamp === lastTimestamp) return lastTimestampMs;
  const ms = parseC2Timestamp(timestamp);
  if (!Number.isNaN(ms)) {
    lastTimestamp = timestamp;
    lastTimestampMs = ms;
  }
  return ms;
}

let lastSignedHeaders = '';
let lastLayout: HeaderLayout | null = null;
let lastAk = '';

/**
 * s.slice(from, to), or `last` when that is the same text: the cached string keeps its hash,
 * so the map lookups that follow need not hash a fresh one.
 */
function sliceOrLast(s: string, from: number, to: number, last: string): string {
  return to - from === last.length && s.startsWith(last, from) ? last : s.slice(from, to);
}

/** The layout of a valid signedHeaders list, or null when the list breaks a rule. */
function layoutOf(signedHeaders: string): HeaderLayout | null {
  if (signedHeaders === lastSignedHeaders) return lastLayout;
  let layout = layouts.get(signedHeaders);
  if (layout === undefined) {
    const names = signedHeaders.split(';');
    const valid = names.includes('host') && names.every((n) => n !== '' && n === n.toLowerCase());
    layout = valid ? headerLayout(names) : null;
    if (layouts.size >= SIGNING_KEYS_KEPT) layouts.clear();
    layouts.set(signedHeaders, layout);
  }
  lastSignedHeaders = signedHeaders;
  lastLayout = layout;
  return layout;
}

/**
 * The common case of verifyRequest without the garbage: a well-formed header whose signature
 * matches. Returns undefined for everything else, and verifyRequest then decides (and words
 * the reason) exactly as before, so the two can differ only in speed.
 */
function verifyMatching(ring: KeyRing, authorization: string | undefined, request: RequestToSign, now: number, maxSkewMs: number): Verdict | undefined {
  if (authorization === undefined || !authorization.startsWith('auth-v2/')) return undefined;
  const akEnd = authorization.indexOf('/', 8);
  if (akEnd <= 8) return undefined;
  const timestampEnd = authorization.indexOf('/', akEnd + 1);
  if (timestampEnd < 0) return undefined;
  const headersEnd = authorization.indexOf('/', timestampEnd + 1);
  if (headersEnd < 0 || authorization.indexOf('/', headersEnd + 1) >= 0) return undefined;
  const timestamp = sliceOrLast(authorization, akEnd + 1, timestampEnd, lastTimestamp);
  const at = timestampMs(timestamp);
  if (Number.isNaN(at) || Math.abs(now - at) > maxSkewMs) return undefined;
  const signedHeaders = sliceOrLast(authorization, timestampEnd + 1, headersEnd, lastSignedHeaders);
  const layout = layoutOf(signedHeaders);
  if (layout === null || !decodeHex64(authorization, headersEnd + 1, received)) return undefined;
  for (let i = 0; i < layout.names.length; i++) if (request.headers[layout.names[i]!] === undefined) return undefined;
  const key = ring.get(sliceOrLast(authorization, 8, akEnd, lastAk));
  if (key === undefined) return undefined;
  lastAk = key.ak;
  const expected = fastSignature(signingBlocksFor(key, timestamp, signedHeaders), request, signedHeaders, layout);
  if (expected === undefined || !signaturesEqual(expected, received)) return undefined;
  return { ok: true, key };
}

/** Checks a request's Authorization header against the ring; the request holds the raw header values. */
export function verifyRequest(
  ring: KeyRing,
  authorization: string | undefined,
  request: RequestToSign,
  now: number,
  maxSkewMs: number,
): Verdict {
  return verifyMatching(ring, authorization, request, now, maxSkewMs) ?? verifyAnyRequest(ring, authorization, request, now, maxSkewMs);
}

function verifyAnyRequest(
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
