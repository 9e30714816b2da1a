// The signing client: every request C2-signed with the same module the server verifies with.
// Used by the CLI and usable by any Node.js program.

import http from 'node:http';
import https from 'node:https';
import { c2Timestamp, signRequest } from '../auth/c2.js';

export interface ClientOptions {
  url: string;
  ak: string;
  sk: string;
  /** Extra CA certificate (PEM) to trust, for a server with its own certificate. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

export class ClientError extends Error {}

/** Reads a whole answer; `json` is left undefined when the body is not JSON. */
export function collectResponse(res: http.IncomingMessage): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
    });
    res.on('error', reject);
  });
}

export class CcmonClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: ClientOptions) {
    try {
      this.base = new URL(options.url);
    } catch {
      throw new ClientError(`the server URL "${options.url}" is not a valid URL`);
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new ClientError(`the server URL must start with http:// or https://, not ${this.base.protocol}`);
    }
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true, ca: options.ca }) : new http.Agent({ keepAlive: true });
  }

  request(method: string, path: string, body?: unknown): Promise<ClientResponse> {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8');
    const q = path.indexOf('?');
    const headers: Record<string, string> = { host: this.base.host };
    if (body !== undefined) headers['content-type'] = 'application/json;charset=UTF-8';
    const authorization = signRequest(this.options.ak, this.options.sk, c2Timestamp(Date.now()), {
      method,
      path: q < 0 ? path : path.slice(0, q),
      query: q < 0 ? '' : path.slice(q + 1),
      headers,
      body: payload,
    });
    const transport = this.base.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {
          method,
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || undefined,
          path,
          agent: this.agent,
          headers: { ...headers, authorization, 'content-length': String(payload.length) },
          timeout: this.options.timeoutMs ?? 60_000,
        },
        (res) => collectResponse(res).then(resolve, reject),
      );
      req.on('timeout', () => req.destroy(new ClientError(`no answer from ${this.base.origin} within ${(this.options.timeoutMs ?? 60_000) / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ClientError) reject(err);
        else reject(new ClientError(`cannot reach ${this.base.origin}: ${err.code ?? err.message}`));
      });
      req.end(payload);
    });
  }

  /** Sends a request and returns resultDesc of a success; a failure becomes a ClientError. */
  async call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.request(method, path, body);
    if (res.json === undefined) throw new ClientError(`HTTP ${res.status} from the server, and the answer is not JSON`);
    if (res.json.result !== '0') {
      throw new ClientError(`${res.json.resultDesc ?? 'request failed'} (resultCode ${res.json.resultCode}, HTTP ${res.status})`);
    }
    return res.json.resultDesc;
  }

  systemState(query: { ccId: number; vdn: number; offset: number; limit: number }): Promise<ClientResponse> {
    return this.request('POST', '/rest/cmsapp/v1/openapi/agentgroup/systemstate', query);
  }

  close(): void {
    this.agent.destroy();
  }
}
