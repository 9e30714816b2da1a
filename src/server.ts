// The process side of a server: open the store, build the app, listen (HTTP or HTTPS), close
// cleanly. Nothing here decides what an answer is.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { SecretBox } from './auth/secret-box.js';
import { Monitor } from './core/monitor.js';
import { createApp } from './http/app.js';
import { failureBody } from './http/errors.js';
import type { AppOptions } from './http/exchange.js';
import type { Logger } from './log.js';
import { startDemo, type Demo } from './sim/demo.js';
import { openStore } from './store/open.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  masterKey: string | null;
  demo: boolean;
  log: Logger;
  app?: Partial<AppOptions>;
}

export interface RunningServer {
  url: string;
  server: http.Server;
  monitor: Monitor;
  demo: Demo | null;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) {
    throw new Error('HTTPS needs both --tls-cert and --tls-key');
  }
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : null;
  if (tls) {
    try {
      createSecureContext(tls);
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? (err as Error).message;
      throw new Error(`the TLS certificate ${config.tlsCert} or key ${config.tlsKey} cannot be used: ${reason}`);
    }
  }
  const box = new SecretBox(config.masterKey);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, exclusive: true });
  let monitor: Monitor;
  try {
    monitor = await Monitor.start(store, box, config.log);
  } catch (err) {
    await store.close();
    throw err;
  }
  const app = createApp(monitor, { ...config.app, log: config.log });
  const server = tls ? https.createServer(tls, app) : http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerMalformed(err, socket));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await monitor.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is already in use`);
    if (e.code === 'EACCES') throw new Error(`no permission to listen on port ${config.port}`);
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  const demo = config.demo ? await startDemo(monitor) : null;
  let closing: Promise<void> | null = null;
  return {
    url,
    server,
    monitor,
    demo,
    close() {
      closing ??= (async () => {
        demo?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await monitor.close();
      })();
      return closing;
    },
  };
}

/** Requests Node cannot parse still get an answer in the CC-CMS failure format. */
function answerMalformed(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = failureBody('0100002', status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP');
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json;charset=UTF-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
