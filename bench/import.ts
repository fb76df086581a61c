// `npm run bench:import`: the bulk import command (scripts/import.ts, its own process) importing
// BENCH_IMPORT_ITEMS (1000) Plaid items made outside the gateway, against the Plaid emulator (this
// process) with BENCH_IMPORT_LATENCY_MS (0) added per call, on a fresh embedded store. Reports
// items/s from the command's own report (the import phase, process start excluded) and checks it:
// every item imported, none failed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPlaidEmulator } from '../src/emulators/plaid/index.js';

const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);
const ITEMS = int(process.env.BENCH_IMPORT_ITEMS, 1000);
const LATENCY_MS = int(process.env.BENCH_IMPORT_LATENCY_MS, 0);
const PROVIDER_CONCURRENCY = int(process.env.PROVIDER_CONCURRENCY, 64);
/** Import into this PostgreSQL (a fresh schema, dropped afterwards) instead of a fresh embedded store. */
const PG_URL = process.env.BENCH_IMPORT_DATABASE_URL;

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
const creds = { clientId: `bench-${randomBytes(4).toString('hex')}`, secret: `benchsecret${randomBytes(12).toString('hex')}` };
const emu = await startPlaidEmulator({ ...creds, env: 'sandbox' });
// Stands in for the gateway's webhook route: acknowledgements of the moved webhooks land here.
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200).end('{}'));
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const schema = `bench_import_${randomBytes(6).toString('hex')}`;
const admin = PG_URL ? new pg.Client({ connectionString: PG_URL }) : null;
let databaseUrl = '';
if (admin && PG_URL) {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const u = new URL(PG_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  databaseUrl = u.toString();
}

try {
  const lines: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const { access_token } = emu.createItem({ webhook: 'https://old.example.com/hook' });
    lines.push(JSON.stringify({ provider: 'PLAID', credential: access_token, userId: `user-${i % 100}` }));
  }
  const file = join(dir, 'items.jsonl');
  const report = join(dir, 'report.json');
  await writeFile(file, lines.join('\n'));
  emu.setLatency(LATENCY_MS);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // Not production: that would ask for METRICS_TOKEN, which a command without HTTP does not use.
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    PUBLIC_URL: sinkUrl,
    DATA_DIR: join(dir, 'data'),
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PLAID_CLIENT_ID: creds.clientId,
    PLAID_SECRET: creds.secret,
    PLAID_ENV: 'sandbox',
    PLAID_BASE_URL: emu.url,
    PROVIDER_CONCURRENCY: String(PROVIDER_CONCURRENCY),
  };
  // This process is the emulator (and the webhook sink): its CPU per item beside the command's own.
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, '--report', report], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const emuCpu = process.cpuUsage(cpu0);
  if (code !== 0 && code !== 1) throw new Error(`import command exited ${code}`);
  const r = JSON.parse(await readFile(report, 'utf8')) as { counts: { imported: number; failed: number }; linesPerSecond: number; cpuSeconds: number };
  if (code !== 0 || r.counts.imported !== ITEMS || r.counts.failed !== 0) throw new Error(`import did not succeed: exit ${code}, ${JSON.stringify(r.counts)}`);
  const calls = emu.requests.length;
  console.log(`bulk import: ${ITEMS} Plaid items into ${admin ? 'PostgreSQL' : 'the embedded store'}, PROVIDER_CONCURRENCY ${PROVIDER_CONCURRENCY}, emulator +${LATENCY_MS} ms: ${r.linesPerSecond.toFixed(1)} items/s (${calls} provider requests recorded); CPU µs per item: import command ${((r.cpuSeconds * 1e6) / ITEMS).toFixed(0)}, emulator ${((emuCpu.user + emuCpu.system) / ITEMS).toFixed(0)}`);
} finally {
  if (admin) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
  sink.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
}
