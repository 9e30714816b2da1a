// ccmon serve: run the server until SIGTERM or SIGINT.

import { jsonLogger } from '../log.js';
import { startServer } from '../server.js';
import { dataDir, databaseUrl, env, intOption, masterKey, parse, print, storeFailure } from './common.js';

export const SERVE_HELP = `ccmon serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--database URL]
            [--tls-cert FILE --tls-key FILE] [--demo] [--clock-skew SECONDS]`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    database: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    demo: { type: 'boolean' },
    'clock-skew': { type: 'string' },
  });
  const port = intOption('port', values.port ?? env('CCMON_PORT'), 8080, 0, 65535);
  const host = values.host ?? env('CCMON_HOST') ?? '127.0.0.1';
  const skew = intOption('clock-skew', values['clock-skew'], 900, 1, 86400);
  const log = jsonLogger();
  const dir = dataDir(values.data);
  const url = databaseUrl(values.database);
  const running = await startServer({
    host,
    port,
    dataDir: dir,
    databaseUrl: url,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    masterKey: masterKey(),
    demo: values.demo ?? false,
    log,
    app: { maxClockSkewMs: skew * 1000 },
  }).catch((err: unknown) => {
    throw storeFailure(url === undefined ? dir : 'the database', err);
  });
  // Listen for the stop signals before saying we are ready: a supervisor may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const { monitor } = running;
  if (!values['tls-cert']) {
    log.warn('serving plain HTTP: give --tls-cert and --tls-key for HTTPS, or keep ccmon behind a TLS-terminating balancer');
  }
  print(`ccmon listening on ${running.url} (${monitor.store.kind} store, ${monitor.model.vdnCount} VDNs, ${monitor.model.agentCount} agents)`);
  if (running.demo) {
    const { ak, sk } = running.demo;
    print('');
    print('Demo: call center 1, VDN 1, 300 agents changing state every second.');
    print(`Demo key (admin, global) — the SK is shown only now:`);
    print(`  AK: ${ak}`);
    print(`  SK: ${sk}`);
    print('Query it from another terminal in this directory:');
    print(`  npx ccmon query --url ${running.url} --ak ${ak} --sk ${sk} --cc 1 --vdn 1 --offset 0 --limit 100`);
  }
  await stopped;
  await running.close();
  return 0;
}
