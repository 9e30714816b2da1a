// What the CLI commands share: option parsing and the one line that describes a failure.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { UsageError, counted, describeFailure, intOption, parse, storeFailure } from '../../src/cli/common.js';
import { tempDir } from '../helpers.js';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${err}`);
    return err.message;
  }
  assert.fail('expected a usage error');
}

test('intOption takes decimal integers in range, a default when absent, and names the option otherwise', () => {
  assert.equal(intOption('limit', '100', 7, 1, 100), 100);
  assert.equal(intOption('limit', undefined, 7, 1, 100), 7);
  assert.equal(intOption('port', '0', 8080, 0, 65535), 0);
  for (const bad of ['101', '0', '1.5', '1e2', '', ' 5', '-1', '0x10', 'ten']) {
    assert.equal(usage(() => intOption('limit', bad, 7, 1, 100)), '--limit must be an integer from 1 to 100', bad);
  }
  assert.equal(usage(() => intOption('cc', undefined, undefined, 1, 65535)), '--cc is required');
});

test('parse refuses unknown options and extra arguments in one line', () => {
  const options = { cc: { type: 'string' } } as const;
  assert.equal(parse(['--cc', '4'], options).values.cc, '4');
  assert.equal(parse(['f.csv'], options, 1).positionals[0], 'f.csv');
  assert.equal(usage(() => parse(['--nope'], options)), "Unknown option '--nope'");
  assert.equal(usage(() => parse(['a', 'b'], options, 1)), 'unexpected argument "b"');
  for (const args of [['--nope'], ['--cc'], ['x']]) assert.doesNotMatch(usage(() => parse(args, options)), /\n/);
});

test('describeFailure puts system and database errors in one line naming the path', () => {
  const dir = tempDir('ccmon-cli-common-');
  try {
    const file = join(dir.path, 'file');
    writeFileSync(file, 'x');
    const caught = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      assert.fail('expected a failure');
    };
    assert.equal(describeFailure(caught(() => mkdirSync(join(file, 'sub')))), `cannot create ${join(file, 'sub')}: a part of the path is a file, not a directory`);
    assert.equal(describeFailure(caught(() => mkdirSync(file))), `cannot create ${file}: a file is in the way`);
    writeFileSync(join(dir.path, 'ccmon.db'), Buffer.alloc(4096, 1));
    const sqlite = caught(() => new Database(join(dir.path, 'ccmon.db')).pragma('user_version'));
    assert.equal(describeFailure(sqlite), 'file is not a database (SQLITE_NOTADB)');
    assert.equal(storeFailure(dir.path, sqlite).message, `cannot use the store in ${dir.path}: file is not a database (SQLITE_NOTADB)`);
    const plain = new Error('first line\n    at somewhere');
    assert.equal(storeFailure(dir.path, plain), plain);
    assert.equal(describeFailure(plain), 'first line');
    assert.equal(describeFailure('a string\nand more'), 'a string');
  } finally {
    dir.remove();
  }
});

test('counted says one thing and many things', () => {
  assert.equal(counted(1, 'event'), '1 event');
  assert.equal(counted(0, 'event'), '0 events');
  assert.equal(counted(2, 'new VDN'), '2 new VDNs');
});
