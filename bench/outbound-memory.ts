/**
 * What an app keeps resident for its outbound calls: libs/auth's two transports, `node:http`
 * (nodeHttpTransport, the default) and `fetch` (fetchTransport, what a `fetch` option selects), each
 * in a fresh process with the apps' runtime settings (heap flags, glibc tunables, V8 flags), making N
 * sequential GETs to a local server. RSS and the V8 heap a second and a half after the last call;
 * the modes alternate, runs repeated.
 *
 *   node scripts/run-built.js dist/bench/outbound-memory.js [calls=10000] [runs=2]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchTransport, nodeHttpTransport } from '../libs/auth/src/outbound-http';
import { applyAppV8Settings, withAppRuntime } from '../libs/platform/src/runtime';

type Mode = 'node:http' | 'fetch';

async function child(mode: Mode, calls: number): Promise<void> {
  applyAppV8Settings();
  const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/users/1`);
  const transport = mode === 'fetch' ? fetchTransport(fetch) : nodeHttpTransport;
  for (let i = 0; i < calls; i++) {
    await transport(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const { heapTotal, heapUsed } = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, heapTotalMb: heapTotal / 2 ** 20, heapUsedMb: heapUsed / 2 ** 20 }));
  process.exit(0);
}

function main(): void {
  const calls = Number(process.argv[2] ?? 10_000);
  const runs = Number(process.argv[3] ?? 2);
  const rows: string[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const mode of ['node:http', 'fetch'] as Mode[]) {
      const out = execFileSync(process.execPath, [__filename, '--child', mode, String(calls)], {
        env: withAppRuntime({ ...process.env, NODE_OPTIONS: '' }),
        encoding: 'utf8',
      });
      const figures = JSON.parse(out) as Record<string, number>;
      const mb = (value: number) => value.toFixed(0).padStart(5);
      rows.push(`${String(run).padEnd(4)} ${mode.padEnd(10)} ${mb(figures.rssMb!)} ${mb(figures.hwmMb!)} ${mb(figures.heapTotalMb!)} ${mb(figures.heapUsedMb!)}`);
    }
  }
  console.log(`Node ${process.version}, ${calls} sequential GETs per process; MB`);
  console.log('run  transport    RSS   HWM  heap  live');
  for (const row of rows) console.log(row);
}

if (process.argv[2] === '--child') void child(process.argv[3] as Mode, Number(process.argv[4]));
else main();
