// ccmon query and ccmon serve as real processes: the query prints the server's answer byte for
// byte, takes its settings from flags or CCMON_ variables, and every failure is one line.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers.js';
import { assertOneLineFailure, ccmon, eventually, serve, type ServeProcess } from './processes.js';

const ADMIN = { ak: 'e2e-query-admin', sk: 'e2e-query-admin-secret-0123' };
const READER = { ak: 'e2e-query-reader', sk: 'e2e-query-reader-secret-0123' };
const AGENTS = 150;
const FIRST_AGENT = 1001;

/** Agent i's state; every code 0-10 appears on every page. */
const stateOf = (i: number) => (i * 7) % 11;

/** The counts of SPEC section 1, written out independently of the server's code. */
function expectedAnswer(offset: number, limit: number): string {
  let busy = 0;
  let talking = 0;
  let idle = 0;
  let total = 0;
  for (let i = offset; i < Math.min(AGENTS, offset + limit); i++) {
    const s = stateOf(i);
    if (s !== 0) total++;
    if (s === 1) idle++;
    if (s >= 2 && s <= 5) talking++;
    if (s >= 6) busy++;
  }
  const counts = `{"busyAgent":${busy},"talkingNum":${talking},"idleAgent":${idle},"totalLoginAgent":${total}}`;
  return `{"result":"0","resultCode":"0100000","resultDatas":${counts},"resultDesc":${counts}}\n`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('ccmon query against ccmon serve', () => {
  const dir = tempDir('ccmon-e2e-query-');
  let server: ServeProcess;
  let env: Record<string, string>;

  before(async () => {
    const keys = await Promise.all([
      ccmon(['keys', 'create', '--ak', ADMIN.ak, '--sk', ADMIN.sk, '--role', 'admin', '--scope', 'global', '--data', dir.path]),
      ccmon(['keys', 'create', '--ak', READER.ak, '--sk', READER.sk, '--role', 'read', '--scope', '1/1', '--data', dir.path]),
    ]);
    for (const k of keys) assert.equal(k.code, 0, k.stderr);
    server = await serve(['--data', dir.path]);
    env = { CCMON_URL: server.url, CCMON_AK: ADMIN.ak, CCMON_SK: ADMIN.sk };
    const ids = Array.from({ length: AGENTS }, (_, i) => FIRST_AGENT + i);
    const roster = join(dir.path, 'roster.csv');
    // Written in reverse: the page order is by agent ID, not by file order.
    writeFileSync(roster, ['ccId,vdn,agentId', ...ids.reverse().map((id) => `1,1,${id}`)].join('\n'));
    const events = join(dir.path, 'events.jsonl');
    const at = Date.now() - 10_000;
    writeFileSync(events, ids.map((id) => JSON.stringify({ ccId: 1, vdn: 1, agentId: id, state: stateOf(id - FIRST_AGENT), at })).join('\n'));
    for (const args of [['agents', 'import', roster], ['events', 'send', events]]) {
      const r = await ccmon(args, { env });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  test('query prints the answer byte for byte, on every page and past the end', async () => {
    const pages: Array<[number, number]> = [[0, 100], [100, 100], [140, 5], [149, 1], [150, 100], [2147483647, 1]];
    const results = await Promise.all(
      pages.map(([offset, limit]) =>
        ccmon(['query', '--url', server.url, '--ak', READER.ak, '--sk', READER.sk, '--cc', '1', '--vdn', '1', '--offset', String(offset), '--limit', String(limit)]),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(r.stdout, expectedAnswer(...pages[i]!), `page ${pages[i]}`);
    });
    assert.notEqual(expectedAnswer(0, 100), expectedAnswer(100, 100));
  });

  test('query takes the URL, AK and SK from CCMON_URL, CCMON_AK and CCMON_SK, and flags win over them', async () => {
    const fromEnv = await ccmon(['query', '--cc', '1', '--vdn', '1', '--offset', '0', '--limit', '100'], { env });
    assert.equal(fromEnv.stdout, expectedAnswer(0, 100));
    const flagsWin = await ccmon(['query', '--cc', '1', '--vdn', '1', '--ak', READER.ak, '--sk', READER.sk], {
      env: { ...env, CCMON_AK: 'nobody', CCMON_SK: 'wrong-secret-0123456789' },
    });
    assert.equal(flagsWin.stdout, expectedAnswer(0, 100), flagsWin.stderr);
    const urlFromEnv = await ccmon(['query', '--cc', '1', '--vdn', '1', '--ak', ADMIN.ak, '--sk', ADMIN.sk], { env: { CCMON_URL: server.url } });
    assert.equal(urlFromEnv.stdout, expectedAnswer(0, 100), urlFromEnv.stderr);
  });

  test('every query failure is one "ccmon:" line on stderr and a non-zero exit', async () => {
    const port = await closedPort();
    const q = ['query', '--cc', '1', '--vdn', '1'];
    const cases: Array<[string[], Record<string, string | undefined>, RegExp, number]> = [
      [q, { CCMON_SK: 'not-the-right-secret-0123' }, /signature does not match.*0101003, HTTP 401/, 1],
      [['query', '--cc', '1', '--vdn', '2'], {}, /VDN 2 is not configured in call center 1 \(resultCode 0100002, HTTP 200\)/, 1],
      [q, { CCMON_AK: READER.ak, CCMON_SK: READER.sk, CCMON_URL: server.url }, /^ccmon: \S/, 0],
      [['query', '--cc', '1', '--vdn', '3'], { CCMON_AK: READER.ak, CCMON_SK: READER.sk }, /HTTP 403/, 1],
      [q, { CCMON_URL: `http://127.0.0.1:${port}` }, new RegExp(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`), 1],
      [q, { CCMON_URL: 'ftp://example' }, /must start with http:\/\/ or https:\/\//, 1],
      [q, { CCMON_URL: 'not a url' }, /"not a url" is not a valid URL/, 1],
      [q, { CCMON_AK: undefined }, /^ccmon: no AK: pass --ak or set CCMON_AK$/, 2],
      [q, { CCMON_SK: '' }, /^ccmon: no SK: pass --sk or set CCMON_SK$/, 2],
      [['query', '--vdn', '1'], {}, /^ccmon: --cc is required$/, 2],
      [[...q, '--limit', '101'], {}, /^ccmon: --limit must be an integer from 1 to 100$/, 2],
      [[...q, '--offset', '-1'], {}, /--offset/, 2],
      [[...q, 'extra'], {}, /Unexpected argument 'extra'\. This command does not take positional arguments$/, 2],
      [[...q, '--ca', join(dir.path, 'no-such-ca.pem')], {}, /no such file: .*no-such-ca\.pem/, 1],
    ];
    const results = await Promise.all(cases.map(([args, extra]) => ccmon(args, { env: { ...env, ...extra } })));
    results.forEach((r, i) => {
      const [args, , pattern, exit] = cases[i]!;
      if (exit === 0) {
        assert.equal(r.code, 0, `control case ${args.join(' ')}: ${r.stderr}`);
        return;
      }
      assertOneLineFailure(r, pattern, exit);
      assert.equal(r.stdout, '', `${args.join(' ')} printed to stdout`);
    });
  });

  test('an answer that is not JSON, from something that is not ccmon, is one line', async () => {
    const html = createHttpServer((req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>\n<body>\n<h1>502 Bad Gateway</h1>\n</body>\n</html>\n');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(html.address() as { port: number }).port}`;
      const results = await Promise.all([
        ccmon(['query', '--cc', '1', '--vdn', '1'], { env: { ...env, CCMON_URL: url } }),
        ccmon(['ping'], { env: { ...env, CCMON_URL: url } }),
        ccmon(['vdns'], { env: { ...env, CCMON_URL: url } }),
      ]);
      for (const r of results) assertOneLineFailure(r, /^ccmon: HTTP 502 from the server, and the answer is not JSON/, 1);
    } finally {
      html.close();
    }
  });

  test('a second server on the same data directory is refused with one line, and the first keeps serving', async () => {
    const second = await ccmon(['serve', '--port', '0', '--data', dir.path]);
    assertOneLineFailure(second, new RegExp(`^ccmon: another ccmon server \\(pid ${server.child.pid}\\) is using the data directory ${dir.path}$`), 1);
    const r = await ccmon(['query', '--cc', '1', '--vdn', '1'], { env });
    assert.equal(r.stdout, expectedAnswer(0, 100));
  });

  test('a server asked to listen on an unknown host or a foreign address exits with one line', async () => {
    const other = tempDir('ccmon-e2e-host-');
    try {
      const unknown = await ccmon(['serve', '--port', '0', '--host', 'no-such-host.invalid', '--data', other.path]);
      assertOneLineFailure(unknown, /^ccmon: the host name no-such-host\.invalid is not known$/, 1);
      const foreign = await ccmon(['serve', '--port', '0', '--host', '192.0.2.1', '--data', other.path]);
      assertOneLineFailure(foreign, /^ccmon: cannot listen on 192\.0\.2\.1: it is not an address of this machine$/, 1);
    } finally {
      other.remove();
    }
  });

  test('a server on a port in use exits with one line and leaves its data directory unlocked', async () => {
    const other = tempDir('ccmon-e2e-port-');
    try {
      const port = new URL(server.url).port;
      const r = await ccmon(['serve', '--port', port, '--data', other.path]);
      assertOneLineFailure(r, new RegExp(`^ccmon: port ${port} on 127.0.0.1 is already in use$`), 1);
      const next = await serve(['--data', other.path]);
      assert.equal(await next.stop(), 0);
    } finally {
      other.remove();
    }
  });
});

describe('ccmon command line', () => {
  test('unknown commands, subcommands and flags give one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /^ccmon: unknown command "frobnicate"; run ccmon --help$/],
      [['serve', '--frob'], /Unknown option '--frob'/],
      [['serve', '--port', 'eighty'], /--port must be an integer from 0 to 65535/],
      [['serve', '--port', '70000'], /--port must be an integer/],
      [['serve', '--tls-cert', 'cert.pem'], /HTTPS needs both --tls-cert and --tls-key/],
      [['keys', 'rotate'], /unknown keys command "rotate"/],
      [['agents', 'frob'], /unknown agents command "frob"/],
      [['events', 'receive'], /unknown events command "receive"/],
      [['query', '--cc'], /--cc/],
    ];
    const results = await Promise.all(cases.map(([args]) => ccmon(args)));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      // HTTPS misconfiguration is a runtime failure (exit 1), the rest are usage errors (exit 2).
      assertOneLineFailure(r, pattern, args.includes('--tls-cert') ? 1 : 2);
    });
  });

  test('help is printed on stdout, with exit 0 when asked for and 2 when no command is given', async () => {
    const [asked, none] = await Promise.all([ccmon(['--help']), ccmon([])]);
    assert.equal(asked.code, 0);
    assert.match(asked.stdout, /^ccmon — agent-status monitoring/);
    assert.match(asked.stdout, /ccmon query --cc N --vdn N/);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, asked.stdout);
  });

  test('--help after a command prints that command\'s lines and exits 0, whatever else is missing', async () => {
    const [query, agents, keys] = await Promise.all([ccmon(['query', '--help']), ccmon(['agents', 'import', '--help']), ccmon(['keys', 'create', '-h'])]);
    for (const r of [query, agents, keys]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /\nClient commands take --url/);
    }
    assert.match(query.stdout, /^ccmon query --cc N --vdn N/);
    assert.doesNotMatch(query.stdout, /ccmon (serve|keys|agents)/);
    assert.match(agents.stdout, /^ccmon agents import FILE .*\nccmon agents list /);
    assert.match(keys.stdout, /^ccmon keys create .*\n {10,}\[--rate N\]/);
  });
});

describe('ccmon serve --demo', () => {
  test('prints a key and a query line that, run as printed, answers with consistent counts', async () => {
    const dir = tempDir('ccmon-e2e-demo-');
    const demo = await serve(['--demo', '--data', dir.path]);
    try {
      await eventually(async () => /npx ccmon query .*\n/.test(demo.stdout()), 5000);
      const out = demo.stdout();
      const ak = /^ {2}AK: (\S+)$/m.exec(out)?.[1];
      const sk = /^ {2}SK: (\S+)$/m.exec(out)?.[1];
      assert.ok(ak && sk, out);
      const line = /^ {2}npx ccmon (query .*)$/m.exec(out)?.[1];
      assert.ok(line, `no query line in ${out}`);
      const args = line.split(' ');
      assert.ok(line.includes(`--ak ${ak} --sk ${sk}`));
      const r = await ccmon(args);
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { result: string; resultDesc: Record<string, number>; resultDatas: Record<string, number> };
      assert.equal(answer.result, '0');
      const c = answer.resultDesc;
      assert.ok(c.totalLoginAgent! > 0, r.stdout);
      assert.equal(c.busyAgent! + c.talkingNum! + c.idleAgent!, c.totalLoginAgent);
      assert.deepEqual(answer.resultDatas, c);
    } finally {
      assert.equal(await demo.stop(), 0);
      dir.remove();
    }
  });
});
