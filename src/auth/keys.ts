// AK/SK keys: role, scope, and the rules for what a key may touch (SPEC section 3).

import { randomBytes } from 'node:crypto';
import { CC_ID, VDN_ID, vdnKey } from '../domain/ids.js';
import { readInteger } from '../domain/integers.js';

export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles nest: a write key may also read, an admin key may do everything. */
const ROLE_RANK: Record<Role, number> = { read: 1, write: 2, admin: 3 };

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLE_RANK[held] >= ROLE_RANK[needed];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** A scope as written: "global", a call center "7", or a call center and VDN "7/12". */
export type ScopeText = string;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseScope(text: string): Parsed<ScopeText> {
  if (text === 'global') return { ok: true, value: text };
  const parts = text.split('/');
  const cc = readInteger(parts[0], CC_ID);
  if (parts.length > 2 || cc === undefined) {
    return { ok: false, reason: `scope "${text}" must be global, a call center ID (1-65535) or CC/VDN such as 1/2` };
  }
  if (parts.length === 1) return { ok: true, value: String(cc) };
  const vdn = readInteger(parts[1], VDN_ID);
  if (vdn === undefined) return { ok: false, reason: `scope "${text}" has a VDN outside 1-5000` };
  return { ok: true, value: `${cc}/${vdn}` };
}

/** Compiled scope test: global, whole call centers, and single VDNs. */
export class Scope {
  readonly global: boolean;
  private readonly callCenters = new Set<number>();
  private readonly vdns = new Set<number>();

  constructor(readonly texts: readonly ScopeText[]) {
    this.global = texts.includes('global');
    for (const t of texts) {
      if (t === 'global') continue;
      const [cc, vdn] = t.split('/').map(Number) as [number, number | undefined];
      if (vdn === undefined) this.callCenters.add(cc);
      else this.vdns.add(vdnKey(cc, vdn));
    }
  }

  allows(ccId: number, vdn: number): boolean {
    return this.global || this.callCenters.has(ccId) || this.vdns.has(vdnKey(ccId, vdn));
  }
}

const AK_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
const SK_PATTERN = /^[\x21-\x7e]{16,256}$/;

export function checkAk(ak: string): string | undefined {
  return AK_PATTERN.test(ak) ? undefined : 'the AK must be 1-128 characters of A-Z a-z 0-9 . _ -';
}

export function checkSk(sk: string): string | undefined {
  return SK_PATTERN.test(sk) ? undefined : 'the SK must be 16-256 printable ASCII characters without spaces';
}

export function generateSk(): string {
  return randomBytes(32).toString('base64url');
}

export function generateAk(): string {
  return 'ak-' + randomBytes(8).toString('hex');
}

/** A key as the store keeps it: the secret is sealed (see secret-box.ts). */
export interface StoredKey {
  ak: string;
  sealedSk: string;
  role: Role;
  scopes: ScopeText[];
  /** Requests per second allowed, or null for no limit. */
  rateLimit: number | null;
  createdAt: number;
}
