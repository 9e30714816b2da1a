// SKs at rest under CCMON_MASTER_KEY, with real processes: the secret never reaches the data
// files, the server still verifies with it, and every master-key mistake is one clear line.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers.js';
import { assertOneLineFailure, ccmon, serve } from './processes.js';

const MASTER = 'e2e-master-key-0123456789';
const SK = 'e2e-at-rest-secret-QWERTY-987654';

/** Whether any file of the data directory holds the text (the database and its WAL). */
function dataHolds(dir: string, text: string): boolean {
  return readdirSync(dir).some((f) => readFileSync(join(dir, f)).includes(text));
}

test('with CCMON_MASTER_KEY the SK is not in the data files and the server still verifies with it', async () => {
  const dir = tempDir('ccmon-e2e-master-');
  const withMaster = { CCMON_MASTER_KEY: MASTER };
  try {
    const created = await ccmon(['keys', 'create', '--ak', 'sealed', '--sk', SK, '--role', 'read', '--scope', 'global', '--data', dir.path], { env: withMaster });
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stdout, /unencrypted/);
    assert.equal(dataHolds(dir.path, 'sealed'), true, 'the AK is stored as it is');
    assert.equal(dataHolds(dir.path, SK), false, 'the SK is in the data files');

    const server = await serve(['--data', dir.path], { env: withMaster });
    try {
      const ping = await ccmon(['ping', '--url', server.url, '--ak', 'sealed', '--sk', SK]);
      assert.equal(ping.code, 0, ping.stderr);
      // A key created while it runs is sealed too, and picked up.
      const later = await ccmon(['keys', 'create', '--ak', 'sealed-later', '--sk', SK + 'X', '--role', 'read', '--scope', 'global', '--data', dir.path], { env: withMaster });
      assert.equal(later.code, 0, later.stderr);
      assert.equal((await ccmon(['ping', '--url', server.url, '--ak', 'sealed-later', '--sk', SK + 'X'])).code, 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.equal(dataHolds(dir.path, SK), false, 'the SK is in the data files after the server ran');

    // One at a time: each failing server holds the data directory's lock while it starts.
    const noMaster = await ccmon(['serve', '--port', '0', '--data', dir.path]);
    const wrongMaster = await ccmon(['serve', '--port', '0', '--data', dir.path], { env: { CCMON_MASTER_KEY: 'another-master-key-000' } });
    const shortMaster = await ccmon(['serve', '--port', '0', '--data', dir.path], { env: { CCMON_MASTER_KEY: 'short' } });
    const createWithout = await ccmon(['keys', 'create', '--role', 'read', '--scope', 'global', '--data', dir.path]);
    const createWrong = await ccmon(['keys', 'create', '--role', 'read', '--scope', 'global', '--data', dir.path], { env: { CCMON_MASTER_KEY: 'another-master-key-000' } });
    assertOneLineFailure(noMaster, /^ccmon: the stored secret keys are encrypted: set CCMON_MASTER_KEY to the master key$/, 1);
    assertOneLineFailure(wrongMaster, /^ccmon: CCMON_MASTER_KEY does not open the stored secret keys \(wrong master key\?\)$/, 1);
    assertOneLineFailure(createWithout, /set CCMON_MASTER_KEY/, 1);
    assertOneLineFailure(createWrong, /does not open the stored secret keys/, 1);
    assertOneLineFailure(shortMaster, /^ccmon: the master key must be at least 16 characters$/, 1);
    const listed = await ccmon(['keys', 'list', '--data', dir.path]);
    assert.deepEqual(listed.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]), ['sealed', 'sealed-later']);
  } finally {
    dir.remove();
  }
});

test('without a master key the SK is stored as it is, and keys create says so', async () => {
  const dir = tempDir('ccmon-e2e-master-');
  try {
    const created = await ccmon(['keys', 'create', '--ak', 'plain', '--sk', SK, '--role', 'read', '--scope', 'global', '--data', dir.path]);
    assert.match(created.stdout, /SK stored unencrypted: set CCMON_MASTER_KEY/);
    assert.equal(dataHolds(dir.path, SK), true);
  } finally {
    dir.remove();
  }
});
