// Hand-made HTTP requests for the conformance tests: node:http directly, signed with the same
// signRequest the client uses, with every part of what is signed and what is sent separately
// controllable (to tamper with one of them).

import http from 'node:http';
import { c2Timestamp, signRequest } from '../../src/auth/c2.js';
import type { Role } from '../../src/auth/keys.js';
import { collectResponse } from '../../src/client/client.js';
import type { TestServer } from '../helpers.js';

export const SYSTEM_STATE = '/rest/cmsapp/v1/openapi/agentgroup/systemstate';
export const PING = '/rest/cmsapp/v1/ping';

export interface RawKey {
  ak: string;
  sk: string;
}

let seq = 0;

/** Creates a key in the server's store, the way an operator would, and returns its AK and SK. */
export async function addKey(
  server: TestServer,
  role: Role = 'read',
  scopes: string[] = ['global'],
  rateLimit: number | null = null,
): Promise<RawKey> {
  const ak = `raw-${process.pid}-${++seq}`;
  const sk = `raw-secret-${seq}-0123456789abcdef`;
  const { store, keys } = server.running.monitor;
  await store.createKey({ ak, sealedSk: keys.box.seal(sk), role, scopes, rateLimit, createdAt: Date.now() });
  await keys.reload();
  return { ak, sk };
}

export interface RawRequest {
  method?: string;
  /** Path with an optional query string, as sent. */
  path: string;
  body?: string | Buffer;
  /** Content-Type sent (and signed); null sends none. */
  contentType?: string | null;
  /** Further headers sent (not signed unless listed in sign.headers). */
  headers?: Record<string, string>;
  /** The key to sign with; null sends no Authorization header. */
  key?: RawKey | null;
  timestamp?: string;
  /** Sent verbatim instead of a computed Authorization header. */
  authorization?: string;
  /** What the signature covers, when it should differ from what is sent. */
  sign?: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

function splitPath(p: string): { path: string; query: string } {
  const q = p.indexOf('?');
  return q < 0 ? { path: p, query: '' } : { path: p.slice(0, q), query: p.slice(q + 1) };
}

export function raw(baseUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const method = r.method ?? 'POST';
  const body = Buffer.from(r.body ?? '');
  const contentType = r.contentType === undefined ? 'application/json;charset=UTF-8' : r.contentType;
  const sent: Record<string, string> = { host: url.host };
  if (contentType !== null) sent['content-type'] = contentType;
  Object.assign(sent, r.headers);
  let authorization = r.authorization;
  if (authorization === undefined && r.key) {
    const signedHeaders = r.sign?.headers ?? (contentType === null ? { host: url.host } : { host: url.host, 'content-type': contentType });
    authorization = signRequest(r.key.ak, r.key.sk, r.timestamp ?? c2Timestamp(Date.now()), {
      method: r.sign?.method ?? method,
      ...splitPath(r.sign?.path ?? r.path),
      headers: signedHeaders,
      body: Buffer.from(r.sign?.body ?? body),
    });
  }
  if (authorization !== undefined) sent.authorization = authorization;
  sent['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ method, hostname: url.hostname, port: url.port, path: r.path, headers: sent, agent: false }, (res) => collectResponse(res).then(resolve, reject));
    req.on('error', reject);
    req.end(body);
  });
}

/** A signed systemstate query with a JSON body given as text. */
export function query(baseUrl: string, key: RawKey, body: string | Buffer | object, extra: Partial<RawRequest> = {}): Promise<RawResponse> {
  const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return raw(baseUrl, { path: SYSTEM_STATE, key, body: bytes, ...extra });
}

export function successText(busy: number, talking: number, idle: number): string {
  const c = `{"busyAgent":${busy},"talkingNum":${talking},"idleAgent":${idle},"totalLoginAgent":${busy + talking + idle}}`;
  return `{"result":"0","resultCode":"0100000","resultDatas":${c},"resultDesc":${c}}`;
}

/** Asserts the CC-CMS failure shape: keys in order, resultDesc a sentence; returns resultDesc. */
export function failureOf(res: RawResponse, status: number, code: string): string {
  const problems: string[] = [];
  if (res.status !== status) problems.push(`HTTP ${res.status}, expected ${status}`);
  const json = res.json as Record<string, unknown> | undefined;
  if (json === undefined) throw new Error(`not JSON: ${res.text}`);
  const keys = Object.keys(json).join(',');
  if (keys !== 'result,resultCode,resultDesc') problems.push(`keys ${keys}`);
  if (json.result !== '1') problems.push(`result ${String(json.result)}`);
  if (json.resultCode !== code) problems.push(`resultCode ${String(json.resultCode)}, expected ${code}`);
  if (typeof json.resultDesc !== 'string' || json.resultDesc.length < 5) problems.push('resultDesc is not a sentence');
  if (!/^application\/json/i.test(String(res.headers['content-type']))) problems.push(`content-type ${res.headers['content-type']}`);
  if (problems.length > 0) throw new Error(problems.join('; ') + ` — body ${res.text}`);
  return json.resultDesc as string;
}
