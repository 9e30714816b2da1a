// Flow control per key: a token bucket of one second's worth of requests.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TokenBucket } from '../../src/auth/flow-control.js';

test('lets a burst of one second\'s worth through, then asks to wait', () => {
  const b = new TokenBucket(3, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0)], [0, 0, 0]);
  assert.equal(b.take(0), 1);
});

test('refills at the rate and never holds more than one second\'s worth', () => {
  const b = new TokenBucket(2, 0);
  b.take(0);
  b.take(0);
  assert.equal(b.take(100), 1);
  assert.equal(b.take(500), 0);
  assert.equal(b.take(500), 1);
  assert.deepEqual([b.take(60_000), b.take(60_000), b.take(60_000)], [0, 0, 1]);
});

test('asks a slow key to wait whole seconds', () => {
  const b = new TokenBucket(0.25, 0);
  assert.equal(b.take(0), 0);
  assert.equal(b.take(0), 4);
  assert.equal(b.take(3999), 1);
  assert.equal(b.take(4000), 0);
});

test('never admits more than capacity + rate × time, and a retry after the wait it names succeeds', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 50, noNaN: true }),
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
      (rate, gaps) => {
        const b = new TokenBucket(rate, 0);
        let now = 0;
        let admitted = 0;
        for (const gap of gaps) {
          now += gap;
          const wait = b.take(now);
          if (wait === 0) admitted++;
          else assert.ok(Number.isInteger(wait) && wait >= 1);
        }
        assert.ok(admitted <= Math.max(1, rate) + (rate * now) / 1000 + 1e-9, `${admitted} admitted in ${now} ms at ${rate}/s`);
        const wait = b.take(now);
        if (wait > 0) assert.equal(b.take(now + wait * 1000), 0);
      },
    ),
  );
});
