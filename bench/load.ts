// One load run: `connections` keep-alive connections, each with one request in flight, every
// request the next one of the pool (shared by all connections, so no two requests of a run are
// the same while the pool lasts). The requests are raw HTTP/1.1 bytes built before the clock
// starts, and answers are parsed only as far as status and length: the generator must cost far
// less per request than the servers it measures. (autocannon, building each distinct request
// as it goes, spent 21–25 µs of CPU a request here — more than either server — and so measured
// itself: bare and ccmon both at ~25k req/s.)

import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { SYSTEM_STATE_PATH } from '../src/http/cms-routes.js';
import { requestHeaders, type PooledQuery } from './pool.js';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and socket errors: must be 0. */
  failures: number;
  /** Requests sent after the pool ran out (then not distinct): must be 0. */
  reused: number;
  /** CPU time per request (µs) of the server and of the load generator. */
  serverCpuUs: number;
  loaderCpuUs: number;
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The raw bytes of every pooled request, one buffer with offsets. */
export interface RawPool {
  bytes: Buffer;
  starts: Uint32Array;
  size: number;
}

export function rawPool(host: string, pool: PooledQuery[], path = SYSTEM_STATE_PATH): RawPool {
  const parts: Buffer[] = [];
  const starts = new Uint32Array(pool.length + 1);
  let at = 0;
  for (let i = 0; i < pool.length; i++) {
    const q = pool[i]!;
    let head = `POST ${path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(requestHeaders(host, q))) head += `${k}: ${v}\r\n`;
    const b = Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), q.body]);
    starts[i] = at;
    at += b.length;
    parts.push(b);
  }
  starts[pool.length] = at;
  return { bytes: Buffer.concat(parts, at), starts, size: pool.length };
}

const HEADER_END = Buffer.from('\r\n\r\n');
const LENGTH_LOWER = Buffer.from('content-length:');
const LENGTH_UPPER = Buffer.from('Content-Length:');

/** Reads complete answers off a connection's bytes, without making strings of them. */
class AnswerReader {
  private pending: Buffer | null = null;

  /** Calls `answer(status)` for every complete response in the bytes so far. */
  push(chunk: Buffer, answer: (status: number) => void): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) break;
      const status = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48);
      let at = buf.indexOf(LENGTH_LOWER);
      if (at < 0 || at > end) at = buf.indexOf(LENGTH_UPPER);
      let length = 0;
      if (at >= 0 && at < end) {
        at += LENGTH_LOWER.length;
        while (buf[at] === 32) at++;
        for (let d = buf[at]!; d >= 48 && d <= 57; d = buf[++at]!) length = length * 10 + d - 48;
      }
      const total = end + 4 + length;
      if (buf.length < total) break;
      answer(status);
      buf = buf.subarray(total);
    }
    this.pending = buf.length === 0 ? null : buf;
  }
}

export async function loadRun(url: string, raw: RawPool, connections: number, seconds: number, serverPid: number): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const latencies = new Float64Array(Math.max(1_000_000, raw.size));
  let n = 0;
  let next = 0;
  let failures = 0;
  let stopping = false;
  const serverCpu = cpuSecondsOf(serverPid);
  const loaderCpu = cpuSecondsOf(process.pid);
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let ended = started;

  await new Promise<void>((resolve, reject) => {
    let open = connections;
    for (let c = 0; c < connections; c++) {
      const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
      const reader = new AnswerReader();
      let sentAt = 0n;
      const send = () => {
        const i = next++ % raw.size;
        sentAt = process.hrtime.bigint();
        socket.write(raw.bytes.subarray(raw.starts[i]!, raw.starts[i + 1]!));
      };
      const finish = () => {
        if (--open === 0) resolve();
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        reader.push(chunk, (status) => {
          const now = process.hrtime.bigint();
          if (status >= 200 && status < 300) {
            if (n < latencies.length) latencies[n] = Number(now - sentAt) / 1e6;
            n++;
          } else {
            failures++;
          }
          if (now >= deadline || stopping) {
            if (!stopping) ended = now;
            stopping = true;
            socket.end();
          } else {
            send();
          }
        });
      });
      socket.on('error', (err) => {
        failures++;
        stopping = true;
        reject(err);
      });
      socket.on('close', finish);
    }
  });

  const serverCpuUs = ((cpuSecondsOf(serverPid) - serverCpu) * 1e6) / Math.max(1, n);
  const loaderCpuUs = ((cpuSecondsOf(process.pid) - loaderCpu) * 1e6) / Math.max(1, n);
  const elapsed = Number(ended - started) / 1e9;
  const sorted = latencies.subarray(0, Math.min(n, latencies.length)).sort();
  return {
    requests: n,
    rps: n / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failures,
    reused: Math.max(0, next - raw.size),
    serverCpuUs,
    loaderCpuUs,
  };
}

/** Sends one pooled query with node:http and returns the answer's status and body. */
export function sendQuery(url: string, host: string, q: PooledQuery, agent?: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + SYSTEM_STATE_PATH, { method: 'POST', headers: requestHeaders(host, q), agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(q.body);
  });
}
