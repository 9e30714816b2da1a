// A cross-check of the query figures with wrk, an established C load generator: the same
// servers, pools of distinct signed requests fed to wrk through a Lua script, one wrk thread
// (so the other core is the server's). Skipped with a reason when wrk is not installed
// (Debian: apt-get install wrk).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawPool } from './load.js';

export interface WrkResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and socket errors: must be 0. */
  failures: number;
  /** Requests sent after the pool ran out (then not distinct): should be 0. */
  repeats: number;
}

const SCRIPT = `
local reqs = {}
local n = 0
local i = 0
init = function(args)
  local f = assert(io.open(os.getenv("CCMON_WRK_POOL"), "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while true do
    local e = string.find(data, "\\0", pos, true)
    if not e then break end
    n = n + 1
    reqs[n] = string.sub(data, pos, e - 1)
    pos = e + 1
  end
end
request = function()
  i = i + 1
  return reqs[((i - 1) % n) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("CCMON_WRK %d %d %.4f %.4f %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
`;

/** Why wrk can't be used here, or null when it can. */
export function wrkMissing(): string | null {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'wrk is not installed (Debian: apt-get install wrk)';
  return /wrk/.test(probe.stdout + probe.stderr) ? null : 'wrk did not answer --version';
}

export async function wrkRun(url: string, raw: RawPool, connections: number, seconds: number): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ccmon-wrk-'));
  try {
    const parts: Buffer[] = [];
    const nul = Buffer.from([0]);
    for (let i = 0; i < raw.size; i++) parts.push(raw.bytes.subarray(raw.starts[i]!, raw.starts[i + 1]!), nul);
    writeFileSync(join(dir, 'pool.bin'), Buffer.concat(parts));
    writeFileSync(join(dir, 'pool.lua'), SCRIPT);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', join(dir, 'pool.lua'), url], {
        env: { ...process.env, CCMON_WRK_POOL: join(dir, 'pool.bin') },
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d));
      child.stderr.on('data', (d: Buffer) => (text += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text.trim()}`))));
    });
    const m = /CCMON_WRK (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)/.exec(out);
    if (m === null) throw new Error(`wrk printed no result: ${out.trim()}`);
    const requests = Number(m[1]);
    return {
      requests,
      rps: requests / (Number(m[2]) / 1e6),
      p50: Number(m[3]),
      p99: Number(m[4]),
      failures: Number(m[5]),
      repeats: Math.max(0, requests - raw.size),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
