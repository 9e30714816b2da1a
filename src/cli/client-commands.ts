// The commands that talk to a running server: agents, events, query, ping, vdns.

import { ClientError } from '../client/client.js';
import { MAX_EVENTS_PER_BATCH } from '../http/api-routes.js';
import { CLIENT_OPTIONS, UsageError, clientFrom, counted, intOption, parse, print, readText } from './common.js';
import { parseEventLines, parseRosterCsv } from './import-files.js';

export async function agents(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'import') return importAgents(rest);
  if (sub === 'list') return listAgents(rest);
  throw new UsageError(sub === undefined ? 'ccmon agents import FILE | ccmon agents list --cc N --vdn N' : `unknown agents command "${sub}": use import or list`);
}

async function importAgents(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, CLIENT_OPTIONS, 1);
  const file = positionals[0];
  if (file === undefined) throw new UsageError('ccmon agents import FILE: the CSV file is missing');
  const roster = parseRosterCsv(readText(file), file);
  const client = clientFrom(values);
  try {
    const r = await client.call('POST', '/api/v1/roster', { upsert: roster });
    print(`imported ${counted(roster.length, 'agent')} from ${file}: ${r.added} added, ${r.updated} updated, ${counted(r.configured, 'new VDN')}`);
    return 0;
  } finally {
    client.close();
  }
}

async function listAgents(args: string[]): Promise<number> {
  const { values, page } = pageArgs(args, 1000);
  const { ccId: cc, vdn, offset, limit } = page;
  const client = clientFrom(values);
  try {
    const r = await client.call('GET', `/api/v1/vdns/${cc}/${vdn}/agents?offset=${offset}&limit=${limit}`);
    print(JSON.stringify(r));
    return 0;
  } finally {
    client.close();
  }
}

export async function events(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'send') throw new UsageError(sub === undefined ? 'ccmon events send FILE' : `unknown events command "${sub}": use send`);
  const { values, positionals } = parse(rest, CLIENT_OPTIONS, 1);
  const file = positionals[0];
  if (file === undefined) throw new UsageError('ccmon events send FILE: the JSON-lines file is missing');
  const numbered = parseEventLines(readText(file), file, Date.now());
  const client = clientFrom(values);
  const tally = { applied: 0, duplicate: 0, stale: 0, rejected: 0 };
  try {
    for (let start = 0; start < numbered.length; start += MAX_EVENTS_PER_BATCH) {
      const batch = numbered.slice(start, start + MAX_EVENTS_PER_BATCH);
      const r = await client.call('POST', '/api/v1/events', { events: batch.map((n) => n.event) }).catch((err: Error) => {
        // Earlier batches are stored; sending the whole file again is safe (repeats are duplicates).
        if (start > 0) err.message += ` (after ${start} of ${numbered.length} events were sent; sending the file again is safe)`;
        throw err;
      });
      r.results.forEach((result: { status: keyof typeof tally; reason?: string }, i: number) => {
        tally[result.status]++;
        if (result.status === 'rejected') process.stderr.write(`ccmon: ${file} line ${batch[i]!.line}: ${result.reason}\n`);
      });
    }
  } finally {
    client.close();
  }
  print(`sent ${counted(numbered.length, 'event')} from ${file}: ${tally.applied} applied, ${tally.duplicate} duplicate, ${tally.stale} stale, ${tally.rejected} rejected`);
  return tally.rejected > 0 ? 1 : 0;
}

/** --cc, --vdn, --offset and --limit (at most maxLimit) with the client options. */
function pageArgs(args: string[], maxLimit: number) {
  const { values } = parse(args, { ...CLIENT_OPTIONS, cc: { type: 'string' }, vdn: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' } });
  const page = {
    ccId: intOption('cc', values.cc, undefined, 1, 65535),
    vdn: intOption('vdn', values.vdn, undefined, 1, 5000),
    offset: intOption('offset', values.offset, 0, 0, 2147483647),
    limit: intOption('limit', values.limit, 100, 1, maxLimit),
  };
  return { values, page };
}

export async function query(args: string[]): Promise<number> {
  const { values, page } = pageArgs(args, 100);
  const client = clientFrom(values);
  try {
    const res = await client.systemState(page);
    if (res.json === undefined) throw notJson(res.status);
    if (res.json.result !== '0') throw new ClientError(`${res.json.resultDesc} (resultCode ${res.json.resultCode}, HTTP ${res.status})`);
    print(res.text);
    return 0;
  } finally {
    client.close();
  }
}

/** An answer that is not JSON: not a ccmon (or CC-CMS) server, or a proxy's error page. */
function notJson(status: number): ClientError {
  return new ClientError(`HTTP ${status} from the server, and the answer is not JSON: is --url a ccmon server?`);
}

export async function ping(args: string[]): Promise<number> {
  const { values } = parse(args, CLIENT_OPTIONS);
  const client = clientFrom(values);
  try {
    const res = await client.request('POST', '/rest/cmsapp/v1/ping', { say: 'Hello world!' });
    if (res.json === undefined) throw notJson(res.status);
    if (res.json.status !== 'UP') throw new ClientError(`${res.json.resultDesc} (resultCode ${res.json.resultCode}, HTTP ${res.status})`);
    print(res.text);
    return 0;
  } finally {
    client.close();
  }
}

export async function vdns(args: string[]): Promise<number> {
  const { values } = parse(args, CLIENT_OPTIONS);
  const client = clientFrom(values);
  try {
    const r = await client.call('GET', '/api/v1/vdns');
    for (const v of r.vdns) {
      print(`${v.ccId}/${v.vdn}\tagents ${v.agents}\tsigned in ${v.totalLoginAgent}\tidle ${v.idleAgent}\ttalking ${v.talkingNum}\tbusy ${v.busyAgent}`);
    }
    if (r.vdns.length === 0) print('no VDNs configured');
    return 0;
  } finally {
    client.close();
  }
}
