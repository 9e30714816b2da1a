// SPEC section 1 against a real server: body shapes, the integer rules of every field, content
// types, paging, and the exact bytes of a success.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers.js';
import { AGENTS, fixtureCounts, loadFixture } from './fixture.js';
import { addKey, failureOf, query, successText, type RawKey } from './raw.js';

let server: TestServer;
let key: RawKey;

before(async () => {
  server = await startTestServer();
  const admin = await server.client('admin');
  await loadFixture(admin);
  await admin.call('POST', '/api/v1/roster', { upsert: [{ ccId: 65535, vdn: 5000, agentId: 999999 }] });
  await admin.call('POST', '/api/v1/events', { events: [{ ccId: 65535, vdn: 5000, agentId: 999999, state: 'idle', at: Date.now() - 1000 }] });
  key = await addKey(server, 'read');
});

after(() => server.close());

const page = (from: number, to: number) => successText(...fixtureCounts(from, Math.min(to, AGENTS.length)));

async function expectSuccess(body: string | object, expected: string, contentType?: string | null): Promise<void> {
  const res = await query(server.url, key, body, contentType === undefined ? {} : { contentType });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, expected);
  assert.match(String(res.headers['content-type']), /^application\/json/);
}

async function expectInvalid(body: string | Buffer | object, mentions?: string): Promise<void> {
  const desc = failureOf(await query(server.url, key, body), 200, '0100002');
  if (mentions !== undefined) assert.ok(desc.includes(mentions), `"${desc}" should name ${mentions}`);
}

describe('a valid query', () => {
  test('answers the wrapped body with the exact success bytes and key order', async () => {
    await expectSuccess({ queryParam: { ccId: 1, vdn: 1, offset: 0, limit: 5 } }, page(0, 5));
  });

  test('answers the top-level body the same way', async () => {
    await expectSuccess({ ccId: 1, vdn: 1, offset: 0, limit: 5 }, page(0, 5));
  });

  test('carries the same numbers in resultDatas and resultDesc, and they add up', async () => {
    const res = await query(server.url, key, { ccId: 1, vdn: 1, offset: 0, limit: 100 });
    assert.deepEqual(Object.keys(res.json), ['result', 'resultCode', 'resultDatas', 'resultDesc']);
    assert.deepEqual(Object.keys(res.json.resultDatas), ['busyAgent', 'talkingNum', 'idleAgent', 'totalLoginAgent']);
    assert.deepEqual(res.json.resultDatas, res.json.resultDesc);
    const d = res.json.resultDesc;
    assert.equal(d.busyAgent + d.talkingNum + d.idleAgent, d.totalLoginAgent);
    assert.deepEqual([d.busyAgent, d.talkingNum, d.idleAgent, d.totalLoginAgent], [4, 3, 3, 10]);
  });

  test('lets queryParam win over top-level fields', async () => {
    await expectSuccess({ queryParam: { ccId: 1, vdn: 1, offset: 5, limit: 3 }, ccId: 7, vdn: 4999, offset: 'x' }, page(5, 8));
  });

  test('checks queryParam even when the top-level fields are valid', async () => {
    await expectInvalid({ queryParam: { ccId: 1, vdn: 1, offset: 0, limit: 0 }, ccId: 1, vdn: 1, offset: 0, limit: 5 }, 'limit');
  });

  test('ignores unknown fields', async () => {
    await expectSuccess({ queryParam: { ccId: 1, vdn: 1, offset: 2, limit: 4, skillId: 3, extra: { a: [1] } }, page: 2 }, page(2, 6));
  });

  test('accepts strings of ASCII digits for every field', async () => {
    await expectSuccess({ ccId: '1', vdn: '0001', offset: '3', limit: '05' }, page(3, 8));
  });

  test('accepts the integral exponent form 1e2 as 100', async () => {
    await expectSuccess('{"ccId":1,"vdn":1,"offset":0,"limit":1e2}', page(0, 100));
    await expectSuccess('{"ccId":1e0,"vdn":1,"offset":0.5e1,"limit":1E1}', page(5, 15));
  });

  test('pages by agent ID ascending, each page counting only its agents', async () => {
    for (let offset = 0; offset < AGENTS.length; offset += 3) {
      await expectSuccess({ ccId: 1, vdn: 1, offset, limit: 3 }, page(offset, offset + 3));
    }
  });

  test('answers an offset past the end with zero counts', async () => {
    await expectSuccess({ ccId: 1, vdn: 1, offset: AGENTS.length, limit: 10 }, successText(0, 0, 0));
    await expectSuccess({ ccId: 1, vdn: 1, offset: 2147483647, limit: 100 }, successText(0, 0, 0));
  });

  test('serves a page that runs past the end with the agents that are there', async () => {
    await expectSuccess({ ccId: 1, vdn: 1, offset: 10, limit: 100 }, page(10, 12));
  });

  test('accepts the largest ccId and vdn', async () => {
    await expectSuccess({ ccId: 65535, vdn: 5000, offset: 0, limit: 1 }, successText(0, 0, 1));
  });

  for (const contentType of [
    'application/json',
    'application/json;charset=UTF-8',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'Application/Json; Charset=UTF-8',
    null,
  ]) {
    test(`accepts Content-Type ${contentType ?? '(none)'}`, async () => {
      await expectSuccess({ ccId: 1, vdn: 1, offset: 0, limit: 5 }, page(0, 5), contentType);
    });
  }
});

describe('an invalid parameter (HTTP 200, 0100002)', () => {
  const VALID: Record<string, string> = { ccId: '1', vdn: '1', offset: '0', limit: '5' };
  const bodyWith = (field: string, value: string | undefined) =>
    '{' +
    Object.entries(VALID)
      .filter(([k]) => k !== field || value !== undefined)
      .map(([k, v]) => `"${k}":${k === field ? value : v}`)
      .join(',') +
    '}';

  const notIntegers = ['1.5', '1e-1', '1.5e0', 'true', 'false', 'null', '"1.0"', '"1e2"', '" 1"', '"1 "', '""', '"+1"', '"0x1"', '"١"', '[]', '[1]', '{}', '"abc"', '-1', '"-1"', '99999999999999999999'];
  const outOfRange: Record<string, string[]> = {
    ccId: ['0', '65536', '"65536"'],
    vdn: ['0', '5001', '"5001"'],
    offset: ['2147483648', '"2147483648"', '-0.5'],
    limit: ['0', '101', '"101"', '"0"'],
  };

  for (const field of Object.keys(VALID)) {
    test(`rejects ${field} when it is missing`, async () => {
      await expectInvalid(bodyWith(field, undefined), field);
    });
    test(`rejects ${field} when it is not an integer`, async () => {
      for (const v of notIntegers) await expectInvalid(bodyWith(field, v), field);
    });
    test(`rejects ${field} outside its range`, async () => {
      for (const v of outOfRange[field]!) await expectInvalid(bodyWith(field, v), field);
    });
    test(`rejects ${field} when it is wrong inside queryParam`, async () => {
      await expectInvalid(`{"queryParam":${bodyWith(field, 'true')}}`, field);
    });
  }

  for (const [what, body] of [
    ['bad JSON', '{"ccId":1,"vdn":1,'],
    ['an empty body', ''],
    ['a JSON array', '[{"ccId":1,"vdn":1,"offset":0,"limit":5}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"ccId=1"'],
    ['a queryParam that is null', '{"queryParam":null,"ccId":1,"vdn":1,"offset":0,"limit":5}'],
    ['a queryParam that is an array', '{"queryParam":[],"ccId":1,"vdn":1,"offset":0,"limit":5}'],
    ['bytes that are not UTF-8 JSON', Buffer.from([0xff, 0xfe, 0x7b])],
  ] as const) {
    test(`rejects ${what}`, async () => {
      await expectInvalid(body);
    });
  }

  test('rejects a Content-Type that is not JSON', async () => {
    const res = await query(server.url, key, { ccId: 1, vdn: 1, offset: 0, limit: 5 }, { contentType: 'text/plain' });
    failureOf(res, 200, '0100002');
  });

  test('answers a VDN that is not configured in that call center with 0100002', async () => {
    await expectInvalid({ ccId: 1, vdn: 2, offset: 0, limit: 5 }, 'not configured');
    await expectInvalid({ ccId: 2, vdn: 1, offset: 0, limit: 5 }, 'not configured');
  });

  test('answers any body with a success or 0100002, never anything else', async () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: -5, max: 200 }), fc.integer({ min: 0, max: 200 }).map(String));
    const nearlyValid = fc.record({ ccId: field, vdn: field, offset: field, limit: field }, { requiredKeys: [] });
    const body = fc.oneof(
      nearlyValid.map((q) => JSON.stringify(q)),
      nearlyValid.map((q) => JSON.stringify({ queryParam: q })),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await query(server.url, key, b);
        if (res.json?.resultCode === '0100000') {
          const d = res.json.resultDesc;
          assert.equal(d.busyAgent + d.talkingNum + d.idleAgent, d.totalLoginAgent);
        } else {
          failureOf(res, 200, '0100002');
        }
      }),
      { numRuns: 150 },
    );
  });

  test('keeps answering correctly after every kind of bad input', async () => {
    await expectSuccess({ ccId: 1, vdn: 1, offset: 0, limit: 100 }, page(0, 100));
  });
});
