// Starting and talking to the benchmark's child processes (bench/child.ts).

import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, ChildSpec } from './child.js';

const CHILD = new URL('./child.js', import.meta.url);

export interface Child {
  process: ChildProcess;
  /** Resolves with the server URL (or '' for prepare) once the child reports ready or done. */
  ready: Promise<string>;
  /** ms from fork() to the ready report. */
  startedAt: bigint;
  stats(): Promise<Extract<ChildMessage, { type: 'stats' }>>;
  stop(): Promise<void>;
}

export function startChild(spec: ChildSpec, execArgv: string[] = []): Child {
  const startedAt = process.hrtime.bigint();
  const child = fork(CHILD, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'done') resolve('');
    });
    child.once('exit', (code) => reject(new Error(`benchmark child (${spec.mode}) exited with code ${code} before it was ready`)));
  });
  return {
    process: child,
    ready,
    startedAt,
    stats() {
      return new Promise((resolve) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type !== 'stats') return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
