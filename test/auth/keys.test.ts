// Key scopes and roles: what a key may touch, and the rules for a key to create.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Scope, parseScope, roleAllows, ROLES } from '../../src/auth/keys.js';
import { parseNewKey } from '../../src/auth/new-key.js';

describe('scopes', () => {
  test('global allows every call center and VDN', () => {
    const s = new Scope(['global']);
    fc.assert(fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 5000 }), (cc, vdn) => s.allows(cc, vdn)));
  });

  test('a call center allows its VDNs and nothing else', () => {
    const s = new Scope(['7']);
    assert.ok(s.allows(7, 1) && s.allows(7, 5000));
    assert.ok(!s.allows(8, 1) && !s.allows(6, 7) && !s.allows(1, 7));
  });

  test('a VDN allows only that VDN of that call center', () => {
    const s = new Scope(['7/12', '9/1']);
    assert.ok(s.allows(7, 12) && s.allows(9, 1));
    assert.ok(!s.allows(7, 13) && !s.allows(12, 7) && !s.allows(9, 12) && !s.allows(7, 1));
  });

  test('matches a naive reading of the scope list for random scopes', () => {
    const text = fc.oneof(
      fc.constant('global'),
      fc.integer({ min: 1, max: 5 }).map(String),
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })).map(([c, v]) => `${c}/${v}`),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (texts, cc, vdn) => {
        const naive = texts.some((t) => t === 'global' || t === String(cc) || t === `${cc}/${vdn}`);
        assert.equal(new Scope(texts).allows(cc, vdn), naive);
      }),
    );
  });

  test('parses global, CC and CC/VDN, and refuses anything else', () => {
    assert.deepEqual(parseScope('global'), { ok: true, value: 'global' });
    assert.deepEqual(parseScope('7'), { ok: true, value: '7' });
    assert.deepEqual(parseScope('007/012'), { ok: true, value: '7/12' });
    assert.deepEqual(parseScope('65535/5000'), { ok: true, value: '65535/5000' });
    for (const bad of ['', 'GLOBAL', 'all', '0', '65536', '7/0', '7/5001', '7/1/2', '7/', '/7', '-1', '1.5', 'a/b']) {
      assert.equal(parseScope(bad).ok, false, bad);
    }
  });
});

describe('roles', () => {
  test('nest: read < write < admin', () => {
    const expected: Record<string, boolean> = {
      'read read': true, 'read write': false, 'read admin': false,
      'write read': true, 'write write': true, 'write admin': false,
      'admin read': true, 'admin write': true, 'admin admin': true,
    };
    for (const held of ROLES) for (const needed of ROLES) assert.equal(roleAllows(held, needed), expected[`${held} ${needed}`], `${held} ${needed}`);
  });
});

describe('a key to create', () => {
  test('gets a generated AK and SK when none is given', () => {
    const a = parseNewKey({ role: 'read', scopes: ['global'] });
    const b = parseNewKey({ role: 'read', scopes: ['global'] });
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.key.ak, b.key.ak);
    assert.notEqual(a.key.sk, b.key.sk);
    assert.ok(a.key.sk.length >= 32);
    assert.equal(a.key.rateLimit, null);
  });

  test('takes a single scope, dedupes and normalizes scopes, and keeps a rate limit', () => {
    const r = parseNewKey({ ak: 'ops.team-1', sk: 'x'.repeat(16), role: 'write', scope: '3', rateLimit: 50 });
    assert.ok(r.ok);
    assert.deepEqual(r.key.scopes, ['3']);
    assert.equal(r.key.rateLimit, 50);
    const d = parseNewKey({ role: 'read', scopes: ['1/2', '01/02', '3'] });
    assert.ok(d.ok);
    assert.deepEqual(d.key.scopes, ['1/2', '3']);
  });

  test('refuses bad roles, scopes, AKs, SKs and rate limits with a reason', () => {
    const bad: Array<Record<string, unknown>> = [
      { role: 'root', scopes: ['global'] },
      { scopes: ['global'] },
      { role: 'read' },
      { role: 'read', scopes: [] },
      { role: 'read', scopes: ['1/0'] },
      { role: 'read', scopes: ['global'], ak: 'has space' },
      { role: 'read', scopes: ['global'], ak: '' },
      { role: 'read', scopes: ['global'], ak: 7 },
      { role: 'read', scopes: ['global'], sk: 'short' },
      { role: 'read', scopes: ['global'], sk: 12345678901234567 },
      { role: 'read', scopes: ['global'], sk: 'has a space in it 0123' },
      { role: 'read', scopes: ['global'], rateLimit: 0 },
      { role: 'read', scopes: ['global'], rateLimit: -5 },
      { role: 'read', scopes: ['global'], rateLimit: true },
      { role: 'read', scopes: ['global'], rateLimit: 'fast' },
    ];
    for (const body of bad) {
      const r = parseNewKey(body);
      assert.equal(r.ok, false, JSON.stringify(body));
      assert.ok(!r.ok && r.reason.length > 5);
    }
  });
});
