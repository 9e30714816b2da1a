// The import file readers of the CLI: a roster CSV and a JSON-lines event file are read whole,
// and a bad line is named by its number in the file, whatever surrounds it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FileError, parseEventLines, parseRosterCsv } from '../../src/cli/import-files.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const agentIdArb = fc.oneof(fc.integer({ min: 101, max: 59999 }), fc.integer({ min: 70000, max: 999999 }));
const rosterArb = fc.uniqueArray(
  fc.record({
    ccId: fc.integer({ min: 1, max: 65535 }),
    vdn: fc.integer({ min: 1, max: 5000 }),
    agentId: agentIdArb,
    skills: fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { maxLength: 4 }),
  }),
  { selector: (a) => `${a.ccId}/${a.vdn}/${a.agentId}`, maxLength: 30 },
);

type Agent = { ccId: number; vdn: number; agentId: number; skills: number[] };

/** Renders a roster as a CSV with the columns in the given order, some fields quoted, blank lines between. */
function renderCsv(agents: Agent[], columns: string[], eol: string, quote: boolean[], blanks: boolean[]): string {
  const value = (a: Agent, c: string) => (c === 'skills' ? a.skills.join(';') : String(a[c as 'ccId' | 'vdn' | 'agentId']));
  const lines = [columns.join(',')];
  agents.forEach((a, i) => {
    if (blanks[i % blanks.length]) lines.push('');
    lines.push(columns.map((c, j) => (quote[(i + j) % quote.length] ? `"${value(a, c)}"` : value(a, c))).join(','));
  });
  return lines.join(eol) + eol;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FileError, `expected a FileError, got ${err}`);
    return err.message;
  }
  assert.fail('expected the file to be refused');
}

test('a roster CSV reads back the agents it was written from, in any column order, quoting and line ending', () => {
  fc.assert(
    fc.property(
      rosterArb,
      fc.shuffledSubarray(['ccId', 'vdn', 'agentId', 'skills'], { minLength: 4, maxLength: 4 }),
      fc.constantFrom('\n', '\r\n'),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      (agents, columns, eol, quote, blanks) => {
        const parsed = parseRosterCsv(renderCsv(agents, columns, eol, quote, blanks), 'r.csv');
        assert.deepEqual(parsed, agents.map((a) => ({ ...a, skills: [...a.skills].sort((x, y) => x - y) })));
      },
    ),
  );
});

test('a bad roster line is named by its line number in the file, blank lines counted', () => {
  const badLines = ['1,1,50', '1,0,1001', '70000,1,1001', '1,1,60000', '1,1,1001,abc', '1,1', '1,1,1001,1,extra', 'x,y,z'];
  fc.assert(
    fc.property(rosterArb, fc.nat(), fc.constantFrom(...badLines), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), (agents, at, bad, blanks) => {
      const lines = renderCsv(agents, ['ccId', 'vdn', 'agentId', 'skills'], '\n', [false], blanks).split('\n').slice(0, -1);
      const position = 1 + (at % lines.length); // after the header at the earliest
      lines.splice(position, 0, bad);
      const message = thrown(() => parseRosterCsv(lines.join('\n'), 'roster.csv'));
      assert.match(message, new RegExp(`^roster\\.csv line ${position + 1}: `));
    }),
  );
});

test('a roster CSV names both lines of a repeated agent, the missing header columns, and an empty file', () => {
  assert.equal(
    thrown(() => parseRosterCsv('ccId,vdn,agentId\n1,1,1001\n\n1,1,1002\n1,1,1001\n', 'r.csv')),
    'r.csv line 5: agent 1001 of 1/1 is already on line 2',
  );
  assert.equal(thrown(() => parseRosterCsv('\n\nagentId,skills\n1001,1\n', 'r.csv')), 'r.csv line 3: the header must name ccId,vdn,agentId (missing ccId, vdn)');
  assert.equal(thrown(() => parseRosterCsv(' \n\r\n', 'r.csv')), 'r.csv is empty; expected a header line ccId,vdn,agentId');
  // The same agent in another VDN is another roster entry, and a BOM is not part of the header.
  assert.deepEqual(parseRosterCsv('\uFEFFCCID,VDN,AGENTID\n1,1,1001\n1,2,1001\n', 'r.csv').length, 2);
});

test('an event file reads every line, names a bad one by its number, and refuses events far in the future', () => {
  const ok = (agentId: number, at: unknown) => JSON.stringify({ ccId: 1, vdn: 1, agentId, state: 'idle', at });
  const text = ['', ok(1001, NOW), '   ', ok(1002, '2025-12-31T23:00:00+08:00'), ok(1003, NOW + 5 * 60_000)].join('\r\n');
  const events = parseEventLines(text, 'e.jsonl', NOW);
  assert.deepEqual(events.map((e) => [e.line, e.event.agentId, e.event.state, e.event.at]), [
    [2, 1001, 1, NOW],
    [4, 1002, 1, Date.parse('2025-12-31T15:00:00Z')],
    [5, 1003, 1, NOW + 5 * 60_000],
  ]);
  assert.equal(thrown(() => parseEventLines(`${ok(1001, NOW)}\n\n{"ccId":1,`, 'e.jsonl', NOW)), 'e.jsonl line 3: not valid JSON');
  assert.match(thrown(() => parseEventLines(`${ok(1001, NOW)}\n${ok(1001, NOW + 10 * 60_000)}`, 'e.jsonl', NOW)), /^e\.jsonl line 2: at is 600 s ahead/);
  assert.match(thrown(() => parseEventLines(`${ok(50, NOW)}`, 'e.jsonl', NOW)), /^e\.jsonl line 1: agentId must be/);
  assert.match(thrown(() => parseEventLines('[1,2]', 'e.jsonl', NOW)), /^e\.jsonl line 1: an event must be a JSON object/);
});

test('an event file may start with a byte order mark', () => {
  const events = parseEventLines('\uFEFF' + JSON.stringify({ ccId: 1, vdn: 1, agentId: 1001, state: 5, at: NOW }) + '\n', 'e.jsonl', NOW);
  assert.equal(events.length, 1);
});
