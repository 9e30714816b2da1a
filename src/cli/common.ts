// What every CLI command shares: argument parsing, the client from --url/--ak/--sk, and one
// readable line for every failure.

import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CcmonClient } from '../client/client.js';

export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const CLIENT_OPTIONS = {
  url: { type: 'string' },
  ak: { type: 'string' },
  sk: { type: 'string' },
  ca: { type: 'string' },
} as const satisfies Options;

export const STORE_OPTIONS = {
  data: { type: 'string' },
  database: { type: 'string' },
} as const satisfies Options;

export function parse<O extends Options>(args: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

export function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function clientFrom(values: { url?: string; ak?: string; sk?: string; ca?: string }): CcmonClient {
  const url = values.url ?? env('CCMON_URL') ?? 'http://127.0.0.1:8080';
  const ak = values.ak ?? env('CCMON_AK');
  const sk = values.sk ?? env('CCMON_SK');
  if (!ak) throw new UsageError('no AK: pass --ak or set CCMON_AK');
  if (!sk) throw new UsageError('no SK: pass --sk or set CCMON_SK');
  const caFile = values.ca ?? env('CCMON_CA');
  return new CcmonClient({ url, ak, sk, ca: caFile ? readText(caFile) : undefined });
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${code ?? (err as Error).message}`);
  }
}

export function intOption(name: string, value: string | undefined, fallback: number | undefined, min: number, max: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export function dataDir(value: string | undefined): string {
  return value ?? env('CCMON_DATA') ?? '.ccmon';
}

export function databaseUrl(value: string | undefined): string | undefined {
  return value ?? env('CCMON_DATABASE_URL');
}

export function masterKey(): string | null {
  return env('CCMON_MASTER_KEY') ?? null;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file is in the way',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

const ERRNO_ACTION: Record<string, string> = { mkdir: 'cannot create', open: 'cannot open', read: 'cannot read', write: 'cannot write' };

/** One line for any failure: system and database errors are put in words, never a stack. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err).split('\n')[0]!;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string') {
    const action = ERRNO_ACTION[e.syscall] ?? `${e.syscall} failed on`;
    return `${action} ${e.path}: ${ERRNO_TEXT[e.code] ?? e.code}`;
  }
  if (e.code === 'ENOTFOUND') return `the host name ${(e as { hostname?: string }).hostname ?? ''} is not known`;
  if (e.code === 'EADDRNOTAVAIL' && e.syscall === 'listen') {
    return `cannot listen on ${(e as { address?: string }).address ?? 'that address'}: it is not an address of this machine`;
  }
  const line = err.message.split('\n')[0]!;
  return typeof e.code === 'string' && e.code.startsWith('SQLITE_') ? `${line} (${e.code})` : line;
}

const UNTRUSTED_CERTIFICATE = /\b(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/;

/** The line printed for a failure; CCMON_DEBUG=1 adds the stack, for reporting a bug. */
export function failureLine(err: unknown, known = false): string {
  let text = known ? (err as Error).message.replace(/\s*\n\s*/g, ' ') : describeFailure(err);
  if (UNTRUSTED_CERTIFICATE.test(text)) text += " (the server's certificate is not trusted: pass --ca FILE or set CCMON_CA)";
  const stack = env('CCMON_DEBUG') && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return `ccmon: ${text}${stack}\n`;
}

/** For failures while opening the store: says which store could not be used. */
export function storeFailure(where: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return new Error(`cannot use the store in ${where}: ${describeFailure(err)}`);
  return err instanceof Error ? err : new Error(String(err));
}

/** "1 agent", "3 agents". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function print(text: string): void {
  process.stdout.write(text + '\n');
}
