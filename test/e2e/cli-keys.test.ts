// ccmon keys against a running `ccmon serve` child: keys made and removed on the data directory
// are honoured by the server within about a second, and every refusal is one line.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI, assertOneLineFailure, ccmon, eventually, serve, type ServeProcess } from './processes.js';

const SK = 'e2e-secret-0123456789';

describe('ccmon keys with a running server', () => {
  const dir = tempDir('ccmon-e2e-keys-');
  let server: ServeProcess;

  before(async () => {
    server = await serve(['--data', dir.path]);
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  const ping = (ak: string, sk: string) => ccmon(['ping', '--url', server.url, '--ak', ak, '--sk', sk]);

  test('a key created while the server runs is accepted within a second', async () => {
    const before = await ping('late-admin', SK);
    assertOneLineFailure(before, /unknown AK|HTTP 401/);
    const created = await ccmon(['keys', 'create', '--ak', 'late-admin', '--sk', SK, '--role', 'admin', '--scope', 'global', '--data', dir.path]);
    assert.equal(created.code, 0, created.stderr);
    const tookMs = await eventually(async () => (await ping('late-admin', SK)).code === 0, 3000, 100);
    assert.ok(tookMs < 2500, `the new key was accepted after ${tookMs} ms`);
    const ok = await ping('late-admin', SK);
    assert.equal(ok.stdout, '{"request":{"say":"Hello world!"},"status":"UP"}\n');
  });

  test('keys create without --sk generates an SK and prints it exactly once; keys list never shows it', async () => {
    const created = await ccmon(['keys', 'create', '--role', 'read', '--scope', '1/2', '--scope', '3', '--data', dir.path]);
    assert.equal(created.code, 0, created.stderr);
    const ak = /^AK: (\S+)$/m.exec(created.stdout)?.[1];
    const sk = /^SK: (\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(ak && sk, created.stdout);
    assert.ok(sk.length >= 32, `generated SK ${sk} is short`);
    assert.equal(created.stdout.split(sk).length - 1, 1, 'the SK is printed once');
    const listed = await ccmon(['keys', 'list', '--data', dir.path]);
    assert.equal(listed.code, 0, listed.stderr);
    const row = listed.stdout.split('\n').find((l) => l.startsWith(ak + '\t'));
    assert.ok(row, `keys list shows ${ak}: ${listed.stdout}`);
    assert.match(row, /\tread\t1\/2,3\t/);
    assert.ok(!listed.stdout.includes(sk), 'keys list shows no SK');
    assert.ok(!listed.stdout.includes(SK), 'keys list shows no SK');
    // The printed SK is the one the server verifies with.
    await eventually(async () => (await ping(ak, sk)).code === 0, 3000, 100);
  });

  test('keys create refuses a taken AK with one line and keeps the first SK', async () => {
    const first = await ccmon(['keys', 'create', '--ak', 'twice', '--sk', SK, '--role', 'read', '--scope', 'global', '--data', dir.path]);
    assert.equal(first.code, 0, first.stderr);
    const second = await ccmon(['keys', 'create', '--ak', 'twice', '--sk', 'another-secret-0123456789', '--role', 'admin', '--scope', 'global', '--data', dir.path]);
    assertOneLineFailure(second, /^ccmon: a key with AK twice already exists$/, 1);
    assert.equal(second.stdout, '');
    await eventually(async () => (await ping('twice', SK)).code === 0, 3000, 100);
    assertOneLineFailure(await ping('twice', 'another-secret-0123456789'), /signature/);
  });

  test('keys create with a bad role, scope, AK or SK prints one readable line and exits 2', async () => {
    const base = ['keys', 'create', '--data', dir.path];
    const cases: Array<[string[], RegExp]> = [
      [['--role', 'owner', '--scope', 'global'], /role must be read, write or admin/],
      [['--role', 'read', '--scope', 'everything'], /scope "everything" must be global/],
      [['--role', 'read', '--scope', '1/9999'], /VDN outside 1-5000/],
      [['--role', 'read', '--scope', '70000'], /scope "70000"/],
      [['--role', 'read'], /--scope is required/],
      [['--scope', 'global'], /--role is required/],
      [['--role', 'read', '--scope', 'global', '--ak', 'has space'], /the AK must be/],
      [['--role', 'read', '--scope', 'global', '--sk', 'short'], /the SK must be 16-256/],
      [['--role', 'read', '--scope', 'global', '--rate', 'fast'], /rateLimit must be a positive number/],
      [['--role', 'read', '--scope', 'global', '--colour', 'blue'], /Unknown option '--colour'/],
    ];
    const results = await Promise.all(cases.map(([args]) => ccmon([...base, ...args])));
    results.forEach((r, i) => {
      assertOneLineFailure(r, cases[i]![1], 2);
      assert.equal(r.stdout, '');
    });
    const listed = await ccmon(['keys', 'list', '--data', dir.path]);
    assert.ok(!listed.stdout.includes('has space'));
  });

  test('keys delete takes a key away from the running server within about a second', async () => {
    await ccmon(['keys', 'create', '--ak', 'short-lived', '--sk', SK, '--role', 'read', '--scope', 'global', '--data', dir.path]);
    await eventually(async () => (await ping('short-lived', SK)).code === 0, 3000, 100);
    const deleted = await ccmon(['keys', 'delete', '--ak', 'short-lived', '--data', dir.path]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted key short-lived\n');
    const tookMs = await eventually(async () => (await ping('short-lived', SK)).code !== 0, 3000, 100);
    assert.ok(tookMs < 2500, `the deleted key still worked for ${tookMs} ms`);
    assertOneLineFailure(await ccmon(['keys', 'delete', '--ak', 'short-lived', '--data', dir.path]), /no key with AK short-lived/, 1);
  });
});

test('keys created at the same moment on a new data directory all succeed', async () => {
  const dir = tempDir('ccmon-e2e-keys-');
  try {
    const data = join(dir.path, 'fresh');
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) => ccmon(['keys', 'create', '--ak', `at-once-${i}`, '--role', 'read', '--scope', 'global', '--data', data])),
    );
    for (const r of made) assert.equal(r.code, 0, r.stderr);
    const listed = await ccmon(['keys', 'list', '--data', data]);
    assert.equal(listed.stdout.split('\n').filter((l) => l.startsWith('at-once-')).length, 6);
  } finally {
    dir.remove();
  }
});

test('keys list into a reader that stops early exits quietly', async () => {
  const dir = tempDir('ccmon-e2e-keys-');
  try {
    for (let i = 0; i < 3; i++) await ccmon(['keys', 'create', '--role', 'read', '--scope', 'global', '--data', dir.path]);
    const child = spawn(process.execPath, [CLI, 'keys', 'list', '--data', dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before ccmon writes: its first write meets EPIPE
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const [code] = await once(child, 'close');
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    dir.remove();
  }
});

describe('ccmon keys on an unusable data directory', () => {
  test('a data directory that is a file gives one line naming it', async () => {
    const dir = tempDir('ccmon-e2e-keys-');
    try {
      const file = join(dir.path, 'not-a-dir');
      writeFileSync(file, 'x');
      const r = await ccmon(['keys', 'create', '--role', 'read', '--scope', 'global', '--data', join(file, 'sub')]);
      assertOneLineFailure(r, new RegExp(`cannot create ${join(file, 'sub')}: a part of the path is a file`), 1);
    } finally {
      dir.remove();
    }
  });

  test('keys list and delete on a directory without ccmon data say so in one line and create nothing', async () => {
    const dir = tempDir('ccmon-e2e-keys-');
    try {
      const typo = join(dir.path, 'typo');
      const [list, remove] = await Promise.all([ccmon(['keys', 'list', '--data', typo]), ccmon(['keys', 'delete', '--ak', 'x'], { env: { CCMON_DATA: typo } })]);
      for (const r of [list, remove]) assertOneLineFailure(r, new RegExp(`^ccmon: no ccmon data in ${typo}: give --data DIR`), 1);
      assert.equal(existsSync(typo), false);
    } finally {
      dir.remove();
    }
  });

  test('a damaged database file gives one line naming the data directory', async () => {
    const dir = tempDir('ccmon-e2e-keys-');
    try {
      writeFileSync(join(dir.path, 'ccmon.db'), Buffer.alloc(8192, 0x5a));
      const args = ['--role', 'read', '--scope', 'global', '--data', dir.path];
      const [list, create, started] = await Promise.all([
        ccmon(['keys', 'list', '--data', dir.path]),
        ccmon(['keys', 'create', ...args.slice(0, 4), '--data', dir.path]),
        ccmon(['serve', '--port', '0', '--data', dir.path]),
      ]);
      for (const r of [list, create, started]) {
        assertOneLineFailure(r, new RegExp(`^ccmon: cannot use the store in ${dir.path}: file is not a database`), 1);
      }
    } finally {
      dir.remove();
    }
  });
  test('a data directory that cannot be created, as under /proc, gives one line instead of hanging', async () => {
    const started = Date.now();
    const r = await ccmon(['keys', 'create', '--role', 'read', '--scope', 'global', '--data', '/proc/ccmon-no-such-dir'], { timeoutMs: 10_000 });
    assert.ok(Date.now() - started < 10_000, 'the command must not hang');
    assertOneLineFailure(r, /\/proc\/ccmon-no-such-dir/, 1);
  });
});
