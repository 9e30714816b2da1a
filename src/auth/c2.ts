// Huawei C2 ("auth-v2") request signatures (SPEC section 3). One module signs (client) and
// verifies (server), so both always build the same canonical request.

import { createHmac, timingSafeEqual } from 'node:crypto';

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX_UPPER = '0123456789ABCDEF';

/** Percent-encodes every byte but A–Z a–z 0–9 - . _ ~, with uppercase hex. Returns ASCII bytes. */
export function normalizeBytes(input: Uint8Array): Buffer {
  let escapes = 0;
  for (let i = 0; i < input.length; i++) if (UNRESERVED[input[i]!] === 0) escapes++;
  if (escapes === 0) return Buffer.from(input.buffer, input.byteOffset, input.length);
  const out = Buffer.allocUnsafe(input.length + 2 * escapes);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (UNRESERVED[b] === 1) {
      out[o++] = b;
    } else {
      out[o++] = 37; // %
      out[o++] = HEX_UPPER.charCodeAt(b >> 4);
      out[o++] = HEX_UPPER.charCodeAt(b & 15);
    }
  }
  return out;
}

export function normalize(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127 || UNRESERVED[s.charCodeAt(i)] === 0) {
      return normalizeBytes(Buffer.from(s, 'utf8')).toString('latin1');
    }
  }
  return s;
}

export function hmacHex(key: string, message: string | Uint8Array): string {
  return createHmac('sha256', key).update(message).digest('hex');
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The canonical query line: normalize(k)=normalize(v) pairs, sorted, joined with &. */
export function canonicalQuery(rawQuery: string): string {
  const pairs: string[] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push(normalize(decodeQueryPart(k)) + '=' + normalize(decodeQueryPart(v)));
  }
  return pairs.sort().join('&');
}

/** Header lines for the signed headers: normalize(name):normalize(value), sorted, joined with \n. */
export function canonicalHeaders(names: readonly string[], valueOf: (name: string) => string): string {
  const lines = names.map((name) => normalize(name) + ':' + normalize(valueOf(name)));
  return lines.sort().join('\n');
}

export interface RequestToSign {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  /** Raw query string without the leading "?"; empty when the URL has none. */
  query: string;
  /** Header values by lowercase name; must hold every signed header. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

/** Everything of the canonical request before normalize(body). */
export function canonicalHead(req: RequestToSign, signedHeaders: readonly string[]): string {
  const joined = signedHeaders.join(';');
  const headerLines = canonicalHeaders(signedHeaders, (name) => req.headers[name] ?? '');
  const queryLine = req.query === '' ? '' : canonicalQuery(req.query) + '\n';
  return req.method + '\n' + req.path + '\n' + queryLine + joined + '\n' + headerLines + '\n';
}

export function authPrefix(ak: string, timestamp: string, signedHeaders: string): string {
  return 'auth-v2/' + ak + '/' + timestamp + '/' + signedHeaders;
}

export function signatureOf(signingKey: string, req: RequestToSign, signedHeaders: readonly string[]): Buffer {
  return createHmac('sha256', signingKey)
    .update(canonicalHead(req, signedHeaders))
    .update(normalizeBytes(req.body))
    .digest();
}

/** C2 timestamp for a time: yyyy-MM-ddTHH:mm:ssZ. */
export function c2Timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** The Authorization header value for a request. Header names are lowercased and sorted here. */
export function signRequest(ak: string, sk: string, timestamp: string, req: RequestToSign): string {
  const names = Object.keys(req.headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lowered: Record<string, string> = {};
  for (const [n, v] of Object.entries(req.headers)) lowered[n.toLowerCase()] = v;
  const joined = names.join(';');
  const prefix = authPrefix(ak, timestamp, joined);
  const signature = signatureOf(hmacHex(sk, prefix), { ...req, headers: lowered }, names).toString('hex');
  return prefix + '/' + signature;
}

export interface ParsedAuthorization {
  ak: string;
  timestamp: string;
  signedHeaders: string;
  headerNames: string[];
  signature: Buffer;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;

export type AuthorizationParse = { ok: true; auth: ParsedAuthorization } | { ok: false; reason: string };

export function parseAuthorization(header: string | undefined): AuthorizationParse {
  if (header === undefined || header === '') return { ok: false, reason: 'the Authorization header is missing' };
  const parts = header.split('/');
  if (parts.length !== 5 || parts[0] !== 'auth-v2') {
    return { ok: false, reason: 'the Authorization header must be auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}' };
  }
  const [, ak, timestamp, signedHeaders, signature] = parts as [string, string, string, string, string];
  if (ak === '') return { ok: false, reason: 'the Authorization header has an empty AK' };
  if (!TIMESTAMP.test(timestamp)) {
    return { ok: false, reason: 'the Authorization timestamp must be yyyy-MM-ddTHH:mm:ssZ (UTC)' };
  }
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host')) return { ok: false, reason: 'the signed headers must include host' };
  for (const name of headerNames) {
    if (name === '' || name !== name.toLowerCase()) {
      return { ok: false, reason: 'signed header names must be lowercase and joined with ;' };
    }
  }
  if (!HEX64.test(signature)) return { ok: false, reason: 'the signature must be 64 hexadecimal characters' };
  return { ok: true, auth: { ak, timestamp, signedHeaders, headerNames, signature: Buffer.from(signature, 'hex') } };
}

/** Milliseconds since the epoch of a C2 timestamp, or NaN. */
export function parseC2Timestamp(timestamp: string): number {
  const m = TIMESTAMP.exec(timestamp);
  if (m === null) return NaN;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? +m[7].slice(1) : 0);
  // Date.UTC rolls 2024-02-31 over into March; a real timestamp reads back the same.
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === timestamp.slice(0, 19) ? ms : NaN;
}

export function signaturesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
