#!/usr/bin/env node
// Entry point of the ccmon command.
import { failureLine } from './common.js';
import { main } from './main.js';

// A reader that stops early (ccmon keys list | head -1) is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Nothing that escapes a command may end as a stack trace: one line, exit 1.
const fatal = (err: unknown) => {
  process.stderr.write(failureLine(err));
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

await main(process.argv.slice(2));
