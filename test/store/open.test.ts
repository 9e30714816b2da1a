// Choosing and configuring the store from the command line's settings.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore, storeUrlOptions } from '../../src/store/open.js';

describe('store settings', () => {
  it('takes ccmon\'s own parameters out of the database URL and leaves the driver\'s', () => {
    const { url, options } = storeUrlOptions('postgres://ccmon:pw@db:5432/ccmon?pool_max=20&resync_interval=5&pool_max_waiting=0&sslmode=require');
    assert.equal(url, 'postgres://ccmon:pw@db:5432/ccmon?sslmode=require');
    assert.deepEqual(options, { maxConnections: 20, resyncIntervalMs: 5000, maxWaiting: 0 });
  });

  it('refuses a parameter out of range with its name', () => {
    assert.throws(() => storeUrlOptions('postgres://db/ccmon?pool_max=0'), /pool_max must be an integer from 1 to 1000/);
    assert.throws(() => storeUrlOptions('postgres://db/ccmon?resync_interval=1.5'), /resync_interval/);
  });

  it('refuses a database URL that is not PostgreSQL\'s', async () => {
    await assert.rejects(openStore({ dataDir: '.', databaseUrl: 'mysql://db/ccmon' }), /must start with postgres:\/\//);
  });

  it('says which database it could not open, without the password', async () => {
    await assert.rejects(
      openStore({ dataDir: '.', databaseUrl: 'postgres://ccmon:secret@127.0.0.1:1/ccmon', postgres: { connectTimeoutMs: 2000 } }),
      (err: Error) => /cannot open the PostgreSQL database postgres:\/\/ccmon@127\.0\.0\.1:1\/ccmon: .*ECONNREFUSED/.test(err.message) && !err.message.includes('secret'),
    );
  });
});
