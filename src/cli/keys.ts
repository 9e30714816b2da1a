// ccmon keys create|list|delete: works on the store directly, with the server stopped or running
// (a running server picks up the change within a second).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../auth/secret-box.js';
import { parseNewKey } from '../auth/new-key.js';
import { openStore } from '../store/open.js';
import { DATABASE_FILE } from '../store/sqlite/sqlite-store.js';
import { KeyExistsError, type Store } from '../store/store.js';
import { STORE_OPTIONS, UsageError, dataDir, databaseUrl, masterKey, parse, print, storeFailure } from './common.js';

export const KEYS_HELP = `ccmon keys create [--ak AK] [--sk SK] --role read|write|admin --scope global|CC|CC/VDN [--scope ...]
                  [--rate N] [--data DIR | --database URL]
ccmon keys list [--data DIR | --database URL]
ccmon keys delete --ak AK [--data DIR | --database URL]`;

async function withStore<T>(values: { data?: string; database?: string }, work: (store: Store) => Promise<T>, existing = true): Promise<T> {
  const dir = dataDir(values.data);
  const url = databaseUrl(values.database);
  // Reading a mistyped directory would make an empty store there and report no keys.
  if (existing && url === undefined && !existsSync(join(dir, DATABASE_FILE))) {
    throw new Error(`no ccmon data in ${dir}: give --data DIR (or set CCMON_DATA) where the server keeps its data`);
  }
  const store = await openStore({ dataDir: dir, databaseUrl: url }).catch((err: unknown) => {
    throw storeFailure(url === undefined ? dir : 'the database', err);
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function keys(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') return create(rest);
  if (sub === 'list') return list(rest);
  if (sub === 'delete') return remove(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    print(KEYS_HELP);
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown keys command "${sub}": use create, list or delete`);
}

async function create(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...STORE_OPTIONS,
    ak: { type: 'string' },
    sk: { type: 'string' },
    role: { type: 'string' },
    scope: { type: 'string', multiple: true },
    rate: { type: 'string' },
  });
  if (values.role === undefined) throw new UsageError('--role is required: read, write or admin');
  if (values.scope === undefined) throw new UsageError('--scope is required: global, CC or CC/VDN');
  const parsed = parseNewKey({ ak: values.ak, sk: values.sk, role: values.role, scopes: values.scope, rateLimit: values.rate });
  if (!parsed.ok) throw new UsageError(parsed.reason);
  const key = parsed.key;
  const box = new SecretBox(masterKey());
  await withStore(values, async (store) => {
    // A key sealed under another master key (or none) would stop the server from starting.
    const sealed = (await store.listKeys()).find((k) => !k.sealedSk.startsWith('plain:'));
    if (sealed) box.open(sealed.sealedSk);
    try {
      await store.createKey({ ak: key.ak, sealedSk: box.seal(key.sk), role: key.role, scopes: key.scopes, rateLimit: key.rateLimit, createdAt: Date.now() });
    } catch (err) {
      if (err instanceof KeyExistsError) throw new Error(err.message);
      throw err;
    }
  }, false);
  print(`created ${key.role} key for ${key.scopes.join(', ')}${box.encrypts ? '' : ' (SK stored unencrypted: set CCMON_MASTER_KEY to encrypt SKs at rest)'}`);
  print(`AK: ${key.ak}`);
  print(`SK: ${key.sk}`);
  print('The SK is shown only now; keep it safe.');
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values } = parse(args, STORE_OPTIONS);
  const all = await withStore(values, (store) => store.listKeys());
  if (all.length === 0) print('no keys');
  for (const k of all) {
    print(`${k.ak}\t${k.role}\t${k.scopes.join(',')}\t${k.rateLimit === null ? 'no rate limit' : `${k.rateLimit}/s`}\t${new Date(k.createdAt).toISOString()}`);
  }
  return 0;
}

async function remove(args: string[]): Promise<number> {
  const { values } = parse(args, { ...STORE_OPTIONS, ak: { type: 'string' } });
  if (values.ak === undefined) throw new UsageError('--ak is required');
  const deleted = await withStore(values, (store) => store.deleteKey(values.ak!));
  if (!deleted) throw new Error(`no key with AK ${values.ak}`);
  print(`deleted key ${values.ak}`);
  return 0;
}
