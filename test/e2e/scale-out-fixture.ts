// Real ccmon server processes on one PostgreSQL schema, and clients signed with a key that
// every instance shares through the database.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CcmonClient } from '../../src/client/client.js';
import type { AgentCounts } from '../../src/domain/counts.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
const run = promisify(execFile);

export interface Instance {
  url: string;
  client: CcmonClient;
  /** What the process wrote to stderr (its log), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Event times of the scale-out tests start here. */
export const BASE = Date.parse('2024-06-01T08:00:00Z');

/** A roster change that puts agents 101, 102, ... on call center 1, VDN vdn. */
export function rosterBody(vdn: number, count: number) {
  return { upsert: Array.from({ length: count }, (_, i) => ({ ccId: 1, vdn, agentId: 101 + i, skills: [1] })) };
}

export const KEY = { ak: 'scale-out-admin', sk: 'scale-out-secret-0123456789' };

/** Creates the shared admin key in the database with the ccmon command, as an operator would. */
export async function createSharedKey(databaseUrl: string): Promise<void> {
  const args = ['keys', 'create', '--database', databaseUrl, '--ak', KEY.ak, '--sk', KEY.sk, '--role', 'admin', '--scope', 'global'];
  const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: cleanEnv() });
  if (!stdout.includes(`AK: ${KEY.ak}`)) throw new Error(`ccmon keys create failed:\n${stdout}${stderr}`);
}

/** The environment without ccmon's own settings, so the test's arguments are all that count. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('CCMON_')) delete env[name];
  return env;
}

export async function startInstance(databaseUrl: string): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--database', databaseUrl, '--port', '0', '--host', '127.0.0.1'], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // A server that dies under a test is the finding: show why.
      if (!stopping) console.log(`ccmon serve --database exited by itself (${code ?? signal}):\n${stderr}`);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`ccmon serve did not start in 15 s:\n${stderr}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ccmon serve exited with ${code}:\n${stderr}`));
    });
  });
  const client = new CcmonClient({ url, ...KEY, timeoutMs: 20_000 });
  return {
    url,
    client,
    log: () => stderr,
    async stop() {
      stopping = true;
      client.close();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The counts an instance answers for a page of a VDN (from its read model). */
export async function countsOn(instance: Instance, ccId: number, vdn: number, offset = 0, limit = 100): Promise<AgentCounts | undefined> {
  const res = await instance.client.systemState({ ccId, vdn, offset, limit });
  return res.json?.resultCode === '0100000' ? res.json.resultDesc : undefined;
}

/** The HTTP status of a GET without a signature (health and readiness). */
export async function statusOf(instance: Instance, path: string): Promise<number> {
  const res = await fetch(instance.url + path);
  await res.arrayBuffer();
  return res.status;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
