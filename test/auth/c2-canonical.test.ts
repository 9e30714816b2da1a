// The parts of a C2 signature: normalize, the query and header lines, timestamps, the
// Authorization header, and the whole signature against a reference written from the SPEC text.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  c2Timestamp,
  canonicalHead,
  canonicalHeaders,
  canonicalQuery,
  normalize,
  normalizeBytes,
  parseAuthorization,
  parseC2Timestamp,
  signRequest,
  signaturesEqual,
} from '../../src/auth/c2.js';

/** normalize as the SPEC words it, built on encodeURIComponent (which leaves ! ' ( ) * alone). */
function referenceNormalize(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const hmacHexRef = (key: string, msg: string) => createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(msg, 'utf8')).digest('hex');

/** The whole signature from the SPEC's description, for a body that is a UTF-8 string. */
function referenceAuthorization(ak: string, sk: string, ts: string, method: string, path: string, query: string, headers: Record<string, string>, body: string): string {
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const signedHeaders = names.join(';');
  const prefix = `auth-v2/${ak}/${ts}/${signedHeaders}`;
  const signingKey = hmacHexRef(sk, prefix);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const headerLines = names.map((n) => `${referenceNormalize(n)}:${referenceNormalize(lower[n]!)}`).sort().join('\n');
  const queryLines = query === ''
    ? ''
    : query.split('&').map((p) => {
        const [k, v = ''] = p.split('=');
        return `${referenceNormalize(decodeURIComponent(k!))}=${referenceNormalize(decodeURIComponent(v))}`;
      }).sort().join('&') + '\n';
  const canonical = `${method}\n${path}\n${queryLines}${signedHeaders}\n${headerLines}\n${referenceNormalize(body)}`;
  return `${prefix}/${hmacHexRef(signingKey, canonical)}`;
}

describe('normalize', () => {
  test('keeps the unreserved set A-Z a-z 0-9 - . _ ~ as it is', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
    assert.equal(normalize(unreserved), unreserved);
  });

  test('escapes every other ASCII byte with uppercase hex', () => {
    const cases: Record<string, string> = {
      ' ': '%20', '/': '%2F', ':': '%3A', '*': '%2A', '!': '%21', "'": '%27', '(': '%28', ')': '%29',
      '+': '%2B', '%': '%25', '=': '%3D', '&': '%26', '{': '%7B', '"': '%22', '\n': '%0A', '\x7f': '%7F', '\0': '%00',
    };
    for (const [input, expected] of Object.entries(cases)) assert.equal(normalize(input), expected, JSON.stringify(input));
    for (let c = 0; c < 128; c++) {
      const out = normalize(String.fromCharCode(c));
      assert.ok(out.length === 1 || /^%[0-9A-F]{2}$/.test(out), `byte ${c} gives ${out}`);
    }
  });

  test('escapes each UTF-8 byte of multi-byte characters', () => {
    assert.equal(normalize('é'), '%C3%A9');
    assert.equal(normalize('€'), '%E2%82%AC');
    assert.equal(normalize('😀'), '%F0%9F%98%80');
    assert.equal(normalize('a b/中'), 'a%20b%2F%E4%B8%AD');
  });

  test('agrees with the reference for any string, and the bytes form agrees with the string form', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const n = normalize(s);
        assert.equal(n, referenceNormalize(s));
        assert.equal(normalizeBytes(Buffer.from(s, 'utf8')).toString('latin1'), n);
        assert.equal(decodeURIComponent(n), s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the canonical request', () => {
  test('sorts the query pairs and normalizes keys and values', () => {
    assert.equal(canonicalQuery('b=2&a=1'), 'a=1&b=2');
    assert.equal(canonicalQuery('name=a%20b&x=%2f'), 'name=a%20b&x=%2F');
    assert.equal(canonicalQuery('k=%E4%B8%AD'), 'k=%E4%B8%AD');
    assert.equal(canonicalQuery('flag&a=1'), 'a=1&flag=');
    assert.equal(canonicalQuery('a=2&a=1'), 'a=1&a=2');
    assert.equal(canonicalQuery(''), '');
  });

  test('sorts the header lines and normalizes their values', () => {
    const values: Record<string, string> = { host: '10.0.0.1:8080', 'content-type': 'application/json;charset=UTF-8', 'x-a': 'é' };
    assert.equal(
      canonicalHeaders(['x-a', 'host', 'content-type'], (n) => values[n]!),
      'content-type:application%2Fjson%3Bcharset%3DUTF-8\nhost:10.0.0.1%3A8080\nx-a:%C3%A9',
    );
  });

  test('has a query line only when the URL has a query', () => {
    const req = { method: 'POST', path: '/p/q', headers: { host: 'h' }, body: Buffer.alloc(0) };
    assert.equal(canonicalHead({ ...req, query: '' }, ['host']), 'POST\n/p/q\nhost\nhost:h\n');
    assert.equal(canonicalHead({ ...req, query: 'z=1&y=2' }, ['host']), 'POST\n/p/q\ny=2&z=1\nhost\nhost:h\n');
  });

  test('signs like the reference built from the SPEC text, for any request', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const value = fc.string({ unit: 'binary', maxLength: 20 });
    const queryPair = fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), value).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v));
    fc.assert(
      fc.property(
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
        fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/), { minLength: 1, maxLength: 4 }).map((p) => '/' + p.join('/')),
        fc.array(queryPair, { maxLength: 3 }).map((p) => p.join('&')),
        fc.dictionary(token, value, { maxKeys: 3 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
        (method, path, query, extra, body) => {
          const headers = { ...extra, host: 'h:1' };
          const ts = '2024-05-06T07:08:09Z';
          const got = signRequest('ak', 'sk-0123456789abcdef', ts, { method, path, query, headers, body: Buffer.from(body, 'utf8') });
          assert.equal(got, referenceAuthorization('ak', 'sk-0123456789abcdef', ts, method, path, query, headers, body));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('lowercases and sorts the signed header names in the Authorization header', () => {
    const auth = signRequest('ak', 'sk', '2024-01-01T00:00:00Z', {
      method: 'POST', path: '/', query: '', body: Buffer.alloc(0), headers: { Host: 'h', 'X-B': '1', 'Content-Type': 'application/json' },
    });
    assert.equal(auth.split('/')[3], 'content-type;host;x-b');
  });
});

describe('timestamps', () => {
  test('reads the seconds form and the millisecond form as UTC', () => {
    assert.equal(parseC2Timestamp('2024-01-01T00:00:00Z'), Date.UTC(2024, 0, 1));
    assert.equal(parseC2Timestamp('2024-01-01T00:00:00.123Z'), Date.UTC(2024, 0, 1, 0, 0, 0, 123));
    assert.equal(parseC2Timestamp('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  });

  test('refuses impossible dates and other forms', () => {
    for (const ts of ['2023-02-29T00:00:00Z', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z',
      '2024-01-01T00:00:00', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00.1Z', '2024-01-01T00:00:00.1234Z', '2024-1-01T00:00:00Z', '']) {
      assert.ok(Number.isNaN(parseC2Timestamp(ts)), ts);
    }
  });

  test('writes yyyy-MM-ddTHH:mm:ssZ, which reads back to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => {
        const ts = c2Timestamp(ms);
        assert.match(ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        assert.equal(parseC2Timestamp(ts), ms - (ms % 1000));
      }),
    );
  });
});

describe('the Authorization header', () => {
  const sig = 'a'.repeat(64);

  test('parses the five parts', () => {
    const parsed = parseAuthorization(`auth-v2/my.ak/2024-01-01T00:00:00Z/content-type;host/${sig}`);
    assert.ok(parsed.ok);
    assert.equal(parsed.auth.ak, 'my.ak');
    assert.deepEqual(parsed.auth.headerNames, ['content-type', 'host']);
    assert.equal(parsed.auth.signature.toString('hex'), sig);
  });

  test('refuses signed headers without host', () => {
    const parsed = parseAuthorization(`auth-v2/ak/2024-01-01T00:00:00Z/content-type/${sig}`);
    assert.equal(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.reason : '', /host/);
  });

  test('refuses every malformed shape with a reason', () => {
    for (const h of [undefined, '', 'auth-v2', `auth-v3/ak/2024-01-01T00:00:00Z/host/${sig}`, `auth-v2//2024-01-01T00:00:00Z/host/${sig}`,
      `auth-v2/ak/2024-01-01/host/${sig}`, `auth-v2/ak/2024-01-01T00:00:00Z/Host/${sig}`, `auth-v2/ak/2024-01-01T00:00:00Z/host;;x/${sig}`,
      `auth-v2/ak/2024-01-01T00:00:00Z/host/${sig.slice(1)}`, `auth-v2/ak/2024-01-01T00:00:00Z/host/${'z'.repeat(64)}`, `auth-v2/a/k/2024-01-01T00:00:00Z/host/${sig}`]) {
      const parsed = parseAuthorization(h);
      assert.equal(parsed.ok, false, String(h));
      assert.ok(!parsed.ok && parsed.reason.length > 5);
    }
  });
});

describe('comparing signatures', () => {
  test('is true only for equal bytes, and false without throwing for another length', () => {
    const a = Buffer.from('00'.repeat(32), 'hex');
    assert.equal(signaturesEqual(a, Buffer.from(a)), true);
    for (let i = 0; i < 32; i++) {
      const b = Buffer.from(a);
      b[i] = 1;
      assert.equal(signaturesEqual(a, b), false, `byte ${i}`);
    }
    assert.equal(signaturesEqual(a, a.subarray(0, 31)), false);
    assert.equal(signaturesEqual(a, Buffer.alloc(0)), false);
  });
});
