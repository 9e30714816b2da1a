// The ccmon command: one line per failure, a non-zero exit, never a stack trace.

import { ClientError } from '../client/client.js';
import { agents, events, ping, query, vdns } from './client-commands.js';
import { UsageError, failureLine, print } from './common.js';
import { FileError } from './import-files.js';
import { KEYS_HELP, keys } from './keys.js';
import { SERVE_HELP, serve } from './serve.js';

const HELP = `ccmon — agent-status monitoring, wire-compatible with Huawei CC-CMS

${SERVE_HELP}
${KEYS_HELP}
ccmon agents import FILE        CSV with header ccId,vdn,agentId[,skills]
ccmon agents list --cc N --vdn N [--offset 0] [--limit 100]
ccmon events send FILE          JSON lines {"ccId","vdn","agentId","state","at"}
ccmon query --cc N --vdn N [--offset 0] [--limit 100]
ccmon ping
ccmon vdns

Client commands take --url, --ak, --sk (default CCMON_URL, CCMON_AK, CCMON_SK) and --ca FILE.
Store commands take --data DIR (default CCMON_DATA or .ccmon) or --database URL (CCMON_DATABASE_URL).
CCMON_MASTER_KEY encrypts stored SKs; CCMON_DEBUG=1 prints the stack of a failure.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { serve, keys, agents, events, query, ping, vdns };

/** The help lines of one command, with the notes that apply to every command. */
function helpFor(command: string): string {
  const lines = HELP.split('\n');
  let mine = false;
  const own = lines.filter((line) => {
    if (line.startsWith('ccmon ')) mine = line === `ccmon ${command}` || line.startsWith(`ccmon ${command} `);
    else if (!/^\s/.test(line)) mine = false;
    return mine;
  });
  return [...own, '', ...lines.slice(lines.findIndex((l) => l.startsWith('Client commands')))].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    print(HELP);
    process.exitCode = command === undefined ? 2 : 0;
    return;
  }
  const run = COMMANDS[command];
  if (run !== undefined && (args.includes('--help') || args.includes('-h'))) {
    print(helpFor(command));
    process.exitCode = 0;
    return;
  }
  try {
    if (run === undefined) throw new UsageError(`unknown command "${command}"; run ccmon --help`);
    process.exitCode = await run(args);
  } catch (err) {
    const known = err instanceof UsageError || err instanceof ClientError || err instanceof FileError;
    process.stderr.write(failureLine(err, known));
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
