// Huawei C2 ("auth-v2") request signatures (SPEC section 3). One module signs (client) and
// verifies (server), so both always build the same canonical request.

import * as cryptoModule from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX_UPPER = '0123456789ABCDEF';

/** Percent-encodes every byte but A–Z a–z 0–9 - . _ ~, with uppercase hex. Returns ASCII bytes. */
export function normalizeBytes(input: Uint8Array): Buffer {
  let escapes = 0;
  for (let i = 0; i < input.length; i++) if (UNRESERVED[input[i]!] === 0) escapes++;
  if (escapes === 0) return Buffer.from(input.buffer, input.byteOffset, input.length);
  const out = Buffer.allocUnsafe(input.length + 2 * escapes);
  writeNormalizedBytes(input, out, 0);
  return out;
}

/** Writes the percent-encoding of input into out at `at` (room for 3 bytes a byte); returns the end. */
function writeNormalizedBytes(input: Uint8Array, out: Buffer, at: number): number {
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (UNRESERVED[b] === 1) {
      out[at++] = b;
    } else {
      out[at++] = 37; // %
      out[at++] = HEX_UPPER.charCodeAt(b >> 4);
      out[at++] = HEX_UPPER.charCodeAt(b & 15);
    }
  }
  return at;
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

// --- The server's allocation-light check ---------------------------------------------------
// The same canonical request as signatureOf, written byte for byte into one reused buffer and
// hashed as HMAC-SHA256 from the signing key's precomputed pad blocks. Anything unusual (a
// large body, a duplicate signed header, a non-string header value) takes signatureOf instead.

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Decodes the 64 hex characters of s from `from` into out[0..32); false when one is not hex. */
export function decodeHex64(s: string, from: number, out: Buffer): boolean {
  if (s.length - from !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const hi = s.charCodeAt(from + 2 * i);
    const lo = s.charCodeAt(from + 2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    out[i] = (h << 4) | l;
  }
  return true;
}

/** HMAC-SHA256 key blocks: the key XOR ipad and XOR opad (keys of at most 64 bytes). */
export interface HmacBlocks {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

const SHA256_BLOCK = 64;

export function hmacBlocks(key: string): HmacBlocks {
  let k = Buffer.from(key, 'utf8');
  if (k.length > SHA256_BLOCK) k = createHash('sha256').update(k).digest();
  const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
  const outer = Buffer.alloc(SHA256_BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i]! ^= k[i]!;
    outer[i]! ^= k[i]!;
  }
  return { inner, outer };
}

/** Signed header names as the check uses them: in canonical line order, normalized. */
export interface HeaderLayout {
  /** False when the fast path can't be used for these names (a duplicate name). */
  readonly fast: boolean;
  readonly names: readonly string[];
  /** normalize(name) + ":" in the order the canonical header lines sort. */
  readonly lineStarts: readonly string[];
  readonly lineStartBytes: readonly Uint8Array[];
  /** names[order[i]] is the header of the i-th line. */
  readonly order: readonly number[];
}

export function headerLayout(names: readonly string[]): HeaderLayout {
  const starts = names.map((n) => normalize(n) + ':');
  // A normalized name never holds ":", so the lines "name:value" sort as "name:" does.
  const order = names.map((_, i) => i).sort((a, b) => (starts[a]! < starts[b]! ? -1 : starts[a]! > starts[b]! ? 1 : 0));
  return {
    fast: new Set(names).size === names.length,
    names,
    lineStarts: order.map((i) => starts[i]!),
    lineStartBytes: order.map((i) => Buffer.from(starts[i]!, 'latin1')),
    order,
  };
}

const FAST_BODY_LIMIT = 64 * 1024;
let scratch = Buffer.allocUnsafe(4096);
const outerScratch = Buffer.allocUnsafe(SHA256_BLOCK + 32);
const digestOut = Buffer.allocUnsafe(32);
const oneShotHash = (cryptoModule as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;

/**
 * SHA-256 of data written into out at `at`. The one-shot hash (Node.js 20.12+) answering a
 * latin1 string is several times cheaper than any call that hands back a new Buffer.
 */
function sha256Into(data: Buffer, out: Buffer, at: number): void {
  if (oneShotHash) out.write(oneShotHash('sha256', data, 'latin1'), at, 'latin1');
  else createHash('sha256').update(data).digest().copy(out, at);
}

/** Writes normalize(s) at `at` and returns the end, or -1 when s is not ASCII. */
function writeNormalized(s: string, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return -1;
    if (UNRESERVED[c] === 1) {
      scratch[at++] = c;
    } else {
      scratch[at++] = 37;
      scratch[at++] = HEX_UPPER.charCodeAt(c >> 4);
      scratch[at++] = HEX_UPPER.charCodeAt(c & 15);
    }
  }
  return at;
}

// The canonical request up to its header lines, for the last method, path, query and signed
// headers seen: a client sends the same ones request after request.
let lastHead = { method: '', path: '', query: '', signedHeaders: '', bytes: new Uint8Array(0) };

function headBytes(req: RequestToSign, signedHeaders: string): Uint8Array {
  const h = lastHead;
  if (h.method === req.method && h.path === req.path && h.query === req.query && h.signedHeaders === signedHeaders) return h.bytes;
  const queryLine = req.query === '' ? '' : canonicalQuery(req.query) + '\n';
  const bytes = Buffer.from(req.method + '\n' + req.path + '\n' + queryLine + signedHeaders + '\n', 'utf8');
  lastHead = { method: req.method, path: req.path, query: req.query, signedHeaders, bytes };
  return bytes;
}

/**
 * The C2 signature of a request, equal to signatureOf(signingKey, req, names) for the key the
 * blocks were made from; undefined when this request needs signatureOf. The buffer returned is
 * reused by the next call: compare it at once.
 */
export function fastSignature(blocks: HmacBlocks, req: RequestToSign, signedHeaders: string, layout: HeaderLayout): Buffer | undefined {
  const body = req.body;
  if (!layout.fast || body.length > FAST_BODY_LIMIT) return undefined;
  let room = SHA256_BLOCK + 3 * (req.method.length + req.path.length + body.length) + signedHeaders.length + 8;
  for (let i = 0; i < layout.names.length; i++) {
    const value = req.headers[layout.names[i]!];
    if (typeof value !== 'string') return undefined;
    room += layout.lineStarts[i]!.length + 3 * value.length + 1;
  }
  if (req.query !== '') room += 9 * req.query.length + 1;
  if (room > scratch.length) scratch = Buffer.allocUnsafe(Math.max(room, 2 * scratch.length));
  scratch.set(blocks.inner, 0);
  const head = headBytes(req, signedHeaders);
  scratch.set(head, SHA256_BLOCK);
  let at = SHA256_BLOCK + head.length;
  for (let i = 0; i < layout.order.length; i++) {
    if (i > 0) scratch[at++] = 10;
    const start = layout.lineStartBytes[i]!;
    for (let j = 0; j < start.length; j++) scratch[at++] = start[j]!;
    at = writeNormalized(req.headers[layout.names[layout.order[i]!]!]!, at);
    if (at < 0) return undefined;
  }
  scratch[at++] = 10;
  at = writeNormalizedBytes(body, scratch, at);
  sha256Into(scratch.subarray(0, at), outerScratch, SHA256_BLOCK);
  blocks.outer.copy(outerScratch, 0);
  sha256Into(outerScratch, digestOut, 0);
  return digestOut;
}
