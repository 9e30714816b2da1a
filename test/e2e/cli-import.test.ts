// ccmon agents import and ccmon events send against a running `ccmon serve` child. A file with
// a bad line is refused whole, with the file and line named, and the server is left as it was.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers.js';
import { assertOneLineFailure, ccmon, serve, type CliResult, type ServeProcess } from './processes.js';

const AK = 'e2e-import-admin';
const SK = 'e2e-import-secret-0123456789';

interface ListedAgent {
  agentId: number;
  skills: number[];
  state: number;
  at: string | null;
}

describe('ccmon agents import and events send', () => {
  const dir = tempDir('ccmon-e2e-import-');
  const files = tempDir('ccmon-e2e-files-');
  let server: ServeProcess;
  let env: Record<string, string>;
  let fileSeq = 0;

  before(async () => {
    const created = await ccmon(['keys', 'create', '--ak', AK, '--sk', SK, '--role', 'admin', '--scope', 'global', '--data', dir.path]);
    assert.equal(created.code, 0, created.stderr);
    server = await serve(['--data', dir.path]);
    env = { CCMON_URL: server.url, CCMON_AK: AK, CCMON_SK: SK };
  });
  after(async () => {
    await server.stop();
    dir.remove();
    files.remove();
  });

  function file(lines: string[], ext = 'csv'): string {
    const path = join(files.path, `f${++fileSeq}.${ext}`);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  }

  const run = (args: string[]): Promise<CliResult> => ccmon(args, { env });

  async function listAgents(cc: number, vdn: number): Promise<ListedAgent[] | string> {
    const r = await run(['agents', 'list', '--cc', String(cc), '--vdn', String(vdn), '--limit', '1000']);
    if (r.code !== 0) return r.stderr;
    return (JSON.parse(r.stdout) as { agents: ListedAgent[] }).agents;
  }

  test('agents import loads a CSV roster with skills, and agents list shows it', async () => {
    const csv = file(['ccId,vdn,agentId,skills', '1,5,1001,1;2', '"1","5","1002",', '1,5,70000,"7"', '2,9,101']);
    const r = await run(['agents', 'import', csv]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `imported 4 agents from ${csv}: 4 added, 0 updated, 2 new VDNs\n`);
    const agents = await listAgents(1, 5);
    assert.deepEqual(
      agents,
      [
        { agentId: 1001, skills: [1, 2], state: 0, stateName: 'signed-out', at: null, reason: null },
        { agentId: 1002, skills: [], state: 0, stateName: 'signed-out', at: null, reason: null },
        { agentId: 70000, skills: [7], state: 0, stateName: 'signed-out', at: null, reason: null },
      ],
    );
    assert.deepEqual((await listAgents(2, 9) as ListedAgent[]).map((a) => a.agentId), [101]);
    const vdns = await run(['vdns']);
    assert.equal(vdns.stdout, '1/5\tagents 3\tsigned in 0\tidle 0\ttalking 0\tbusy 0\n2/9\tagents 1\tsigned in 0\tidle 0\ttalking 0\tbusy 0\n');
    const again = await run(['agents', 'import', file(['agentId,vdn,ccId,skills', '1001,5,1,3'])]);
    assert.match(again.stdout, /^imported 1 agent from .*: 0 added, 1 updated, 0 new VDNs\n$/);
    assert.deepEqual((await listAgents(1, 5) as ListedAgent[])[0]!.skills, [3]);
  });

  test('a roster file with a bad line 4 names the file, the line and the reason, and nothing of it is applied', async () => {
    const csv = file(['ccId,vdn,agentId', '1,7,1001', '1,7,1002', '1,7,50', '1,8,1003']);
    const r = await run(['agents', 'import', csv]);
    assertOneLineFailure(r, new RegExp(`^ccmon: ${csv} line 4: agentId must be an integer from 101 to 59999`), 1);
    assert.equal(r.stdout, '');
    assert.match(String(await listAgents(1, 7)), /VDN 7 is not configured in call center 1/);
    assert.match(String(await listAgents(1, 8)), /VDN 8 is not configured/);

    // Into a VDN that exists: its agents and skills stay as they were.
    const before = await listAgents(1, 5);
    const bad = file(['ccId,vdn,agentId,skills', '1,5,1001,9', '1,5,1234,1', '1,5,1235,1;2;abc']);
    assertOneLineFailure(await run(['agents', 'import', bad]), new RegExp(`${bad} line 4: each skill`), 1);
    assert.deepEqual(await listAgents(1, 5), before);
  });

  test('a roster file naming one agent twice is refused with both lines named', async () => {
    const csv = file(['ccId,vdn,agentId', '', '3,1,2001', '3,1,2002', '3,1,2001']);
    assertOneLineFailure(await run(['agents', 'import', csv]), new RegExp(`^ccmon: ${csv} line 5: agent 2001 of 3/1 is already on line 3$`), 1);
    assert.match(String(await listAgents(3, 1)), /not configured/);
  });

  test('a roster file without an agentId column, an empty file or too many fields is refused with one line', async () => {
    const noColumn = file(['ccId,vdn,skills', '3,2,1']);
    assertOneLineFailure(await run(['agents', 'import', noColumn]), new RegExp(`${noColumn} line 1: the header must name ccId,vdn,agentId \\(missing agentId\\)`), 1);
    const empty = file(['', '']);
    assertOneLineFailure(await run(['agents', 'import', empty]), new RegExp(`${empty} is empty`), 1);
    const wide = file(['ccId,vdn,agentId', '3,2,2001,5']);
    assertOneLineFailure(await run(['agents', 'import', wide]), new RegExp(`${wide} line 2: 4 fields, but the header has 3`), 1);
    assertOneLineFailure(await run(['agents', 'import', join(files.path, 'missing.csv')]), /no such file: .*missing\.csv/, 1);
    assertOneLineFailure(await run(['agents', 'import']), /the CSV file is missing/, 2);
    assert.match(String(await listAgents(3, 2)), /not configured/);
  });

  test('events send applies JSON-line events and prints the tally; a resend is all duplicates, an older event stale', async () => {
    await run(['agents', 'import', file(['ccId,vdn,agentId', '4,1,3001', '4,1,3002', '4,1,3003'])]);
    const t0 = Date.now() - 60_000;
    const events = file(
      [
        JSON.stringify({ ccId: 4, vdn: 1, agentId: 3001, state: 1, at: t0 }),
        JSON.stringify({ ccId: 4, vdn: 1, agentId: 3002, state: 5, at: new Date(t0 + 1000).toISOString() }),
        '',
        JSON.stringify({ ccId: 4, vdn: 1, agentId: 3003, state: 8, at: t0 + 2000, reason: 12 }),
      ],
      'jsonl',
    );
    const r = await run(['events', 'send', events]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `sent 3 events from ${events}: 3 applied, 0 duplicate, 0 stale, 0 rejected\n`);
    assert.equal(r.stderr, '');
    const agents = (await listAgents(4, 1)) as ListedAgent[];
    assert.deepEqual(
      agents.map((a) => [a.agentId, a.state, a.at]),
      [
        [3001, 1, new Date(t0).toISOString()],
        [3002, 5, new Date(t0 + 1000).toISOString()],
        [3003, 8, new Date(t0 + 2000).toISOString()],
      ],
    );
    const resend = await run(['events', 'send', events]);
    assert.equal(resend.stdout, `sent 3 events from ${events}: 0 applied, 3 duplicate, 0 stale, 0 rejected\n`);
    const older = file([JSON.stringify({ ccId: 4, vdn: 1, agentId: 3001, state: 7, at: t0 - 1 })], 'jsonl');
    assert.equal((await run(['events', 'send', older])).stdout, `sent 1 event from ${older}: 0 applied, 0 duplicate, 1 stale, 0 rejected\n`);
    assert.deepEqual(await listAgents(4, 1), agents);
  });

  test('an event file with a bad line names the line and sends nothing', async () => {
    await run(['agents', 'import', file(['ccId,vdn,agentId', '4,2,3001'])]);
    const at = Date.now() - 1000;
    const good = JSON.stringify({ ccId: 4, vdn: 2, agentId: 3001, state: 1, at });
    const badJson = file([good, good, '{"ccId":4,"vdn":2,', good], 'jsonl');
    assertOneLineFailure(await run(['events', 'send', badJson]), new RegExp(`^ccmon: ${badJson} line 3: not valid JSON$`), 1);
    const badState = file([good, JSON.stringify({ ccId: 4, vdn: 2, agentId: 3001, state: 11, at })], 'jsonl');
    assertOneLineFailure(await run(['events', 'send', badState]), new RegExp(`${badState} line 2: .*state`), 1);
    const agents = (await listAgents(4, 2)) as ListedAgent[];
    assert.deepEqual(agents.map((a) => [a.state, a.at]), [[0, null]]);
  });

  test('events for agents not on the roster are rejected line by line, the rest applied, and the exit is 1', async () => {
    await run(['agents', 'import', file(['ccId,vdn,agentId', '4,3,3001'])]);
    const at = Date.now() - 1000;
    const events = file(
      [
        JSON.stringify({ ccId: 4, vdn: 3, agentId: 3001, state: 1, at }),
        JSON.stringify({ ccId: 4, vdn: 3, agentId: 4242, state: 1, at }),
        JSON.stringify({ ccId: 4, vdn: 99, agentId: 3001, state: 1, at }),
      ],
      'jsonl',
    );
    const r = await run(['events', 'send', events]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `sent 3 events from ${events}: 1 applied, 0 duplicate, 0 stale, 2 rejected\n`);
    assert.deepEqual(r.stderr.split('\n'), [
      `ccmon: ${events} line 2: agent 4242 is not on the roster of call center 4, VDN 3`,
      `ccmon: ${events} line 3: agent 3001 is not on the roster of call center 4, VDN 99`,
      '',
    ]);
    assert.deepEqual(((await listAgents(4, 3)) as ListedAgent[]).map((a) => a.state), [1]);
  });
});
