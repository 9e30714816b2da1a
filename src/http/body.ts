// Reading a request body up to a size limit.

import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

const EMPTY = Buffer.alloc(0);

export function tooLarge(limit: number): ApiError {
  return new ApiError('tooLarge', `the request body is larger than ${limit} bytes`, { connection: 'close' });
}

export function readBody(req: IncomingMessage, limit: number, done: (err: ApiError | Error | null, body: Buffer) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge(limit), EMPTY);
    return;
  }
  let first: Buffer | null = null;
  let chunks: Buffer[] | null = null;
  let length = 0;
  let finished = false;
  const finish = (err: ApiError | Error | null, body: Buffer) => {
    if (finished) return;
    finished = true;
    done(err, body);
  };
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    length += chunk.length;
    if (length > limit) {
      req.pause();
      finish(tooLarge(limit), EMPTY);
      return;
    }
    if (first === null) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  req.on('end', () => finish(null, chunks ? Buffer.concat(chunks, length) : (first ?? EMPTY)));
  req.on('error', (err) => finish(err, EMPTY));
}
