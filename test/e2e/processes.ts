// Real ccmon processes for end-to-end tests: the CLI run as a child, and `ccmon serve` started on
// a free port with its printed URL read back. The binary is found next to the compiled test, so
// the tests run from any build directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const CLI = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

/** The test process's environment without any CCMON_ setting, plus the given ones. */
function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCMON_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `ccmon ARGS` to the end and returns what it printed. */
export async function ccmon(args: string[], options: { env?: Env; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv(options.env),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** Asserts the way every CLI failure must look: one "ccmon: ..." line on stderr, no stack, non-zero exit. */
export function assertOneLineFailure(r: CliResult, pattern?: RegExp, exitCode?: number): string {
  assert.equal(r.signal, null, `ccmon was killed by ${r.signal}`);
  assert.notEqual(r.code, 0, `expected a failure, got exit 0 with stdout ${JSON.stringify(r.stdout)}`);
  if (exitCode !== undefined) assert.equal(r.code, exitCode, `exit code; stderr ${JSON.stringify(r.stderr)}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got ${JSON.stringify(r.stderr)}`);
  const line = lines[0]!;
  assert.match(line, /^ccmon: \S/);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal/);
  if (pattern) assert.match(line, pattern);
  return line;
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait until the process is gone. */
  kill9(): Promise<void>;
}

const STOP_TIMEOUT_MS = 10_000;

/** Servers still running: a test file that ends early must not leave them behind. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `ccmon serve ARGS` (on --port 0 unless a port is given) and waits for its "listening on" line. */
export async function serve(args: string[], options: { env?: Env; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const withPort = args.includes('--port') ? args : [...args, '--port', '0'];
  const child = spawn(process.execPath, [CLI, 'serve', ...withPort], { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ccmon serve did not report a URL in time; stderr: ${err}`));
    }, options.timeoutMs ?? 15_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /^ccmon listening on (\S+)/m.exec(out);
      if (m && out.includes('\n', m.index)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`ccmon serve exited (${code ?? signal}) before listening; stderr: ${err}`));
    });
  });
  let gone = false;
  live.add(child);
  void exited.then(() => {
    gone = true;
    live.delete(child);
  });
  return {
    url,
    child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const [code, signal] = await exited;
      clearTimeout(timer);
      if (signal === 'SIGKILL') throw new Error(`ccmon serve did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
      return code;
    },
    async kill9() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until check() returns true, trying every few milliseconds; returns the time it took. */
export async function eventually(check: () => Promise<boolean>, withinMs: number, everyMs = 50): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
