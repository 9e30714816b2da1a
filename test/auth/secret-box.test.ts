// Secret keys at rest: sealed with the master key, and clear errors when it is missing or wrong,
// both for the box alone and for a server opening a data directory.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SecretBox } from '../../src/auth/secret-box.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server.js';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const MASTER = 'master-key-0123456789';

describe('the secret box', () => {
  test('round-trips any secret sealed with the master key, and the sealed text hides it', () => {
    const box = new SecretBox(MASTER);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), (secret) => {
        const sealed = box.seal(secret);
        assert.ok(!sealed.includes(secret) || secret.length < 4);
        assert.equal(box.open(sealed), secret);
        assert.equal(new SecretBox(MASTER).open(sealed), secret, 'another box with the same master key opens it');
      }),
      { numRuns: 30 },
    );
  });

  test('seals the same secret differently each time', () => {
    const box = new SecretBox(MASTER);
    assert.notEqual(box.seal('same-secret-0123456789'), box.seal('same-secret-0123456789'));
  });

  test('gives a clear error for the wrong master key', () => {
    const sealed = new SecretBox(MASTER).seal('the-secret-0123456789');
    assert.throws(() => new SecretBox('another-master-key-0123').open(sealed), /wrong master key/);
  });

  test('gives a clear error when a sealed secret meets no master key', () => {
    const sealed = new SecretBox(MASTER).seal('the-secret-0123456789');
    assert.throws(() => new SecretBox(null).open(sealed), /encrypted: set CCMON_MASTER_KEY/);
  });

  test('refuses a tampered sealed secret', () => {
    const sealed = new SecretBox(MASTER).seal('the-secret-0123456789');
    const raw = Buffer.from(sealed.slice('aes256gcm:'.length), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => new SecretBox(MASTER).open('aes256gcm:' + raw.toString('base64')), /master key/);
  });

  test('keeps secrets readable without a master key, and opens them with one too', () => {
    const plain = new SecretBox(null).seal('plain-secret-0123456789');
    assert.equal(new SecretBox(null).open(plain), 'plain-secret-0123456789');
    assert.equal(new SecretBox(MASTER).open(plain), 'plain-secret-0123456789');
    assert.equal(new SecretBox(null).encrypts, false);
    assert.equal(new SecretBox(MASTER).encrypts, true);
  });

  test('refuses a master key shorter than 16 characters and a secret of unknown format', () => {
    assert.throws(() => new SecretBox('short'), /at least 16/);
    assert.throws(() => new SecretBox(MASTER).open('rot13:abc'), /unknown format/);
  });
});

describe('a server with sealed keys', () => {
  test('stores no SK in clear, and will not start with a wrong or missing master key', async () => {
    const dir = tempDir();
    const config = { host: '127.0.0.1', port: 0, dataDir: dir.path, demo: false, log: silentLogger };
    try {
      const first = await startServer({ ...config, masterKey: MASTER });
      const sk = 'visible-only-once-0123456789';
      await first.monitor.store.createKey({ ak: 'sealed', sealedSk: first.monitor.keys.box.seal(sk), role: 'read', scopes: ['global'], rateLimit: null, createdAt: Date.now() });
      await first.close();
      for (const suffix of ['', '-wal']) {
        try {
          assert.ok(!readFileSync(join(dir.path, DATABASE_FILE + suffix)).includes(sk), `SK in clear in ${DATABASE_FILE}${suffix}`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      await assert.rejects(startServer({ ...config, masterKey: 'another-master-key-0123' }), /wrong master key/);
      await assert.rejects(startServer({ ...config, masterKey: null }), /CCMON_MASTER_KEY/);
      const again = await startServer({ ...config, masterKey: MASTER });
      assert.equal(again.monitor.keys.get('sealed')?.sk, sk);
      await again.close();
    } finally {
      dir.remove();
    }
  });
});
