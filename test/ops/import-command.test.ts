// `npm run import` as an operator runs it: a child process against both emulators and an embedded
// store on disk, a 200-line file with bad credentials, malformed lines and duplicates. Exact counts
// in the report, a re-run that changes nothing, a clean SIGINT, and no credential in any output.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoneyKitEmulator, type MoneyKitEmulator } from '../../src/emulators/moneykit/index.js';
import { startPlaidEmulator, type PlaidEmulator } from '../../src/emulators/plaid/index.js';
import { createTokenCipher } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { eventually, expectNoSecrets, gatewayTestEnv } from '../helpers/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const plaidCreds = { clientId: `client-${randomBytes(4).toString('hex')}`, secret: `plaidsecret${randomBytes(12).toString('hex')}` };
const mkCreds = { clientId: `sandbox_${randomBytes(4).toString('hex')}`, clientSecret: `mksecret${randomBytes(12).toString('hex')}` };
const encryptionKey = randomBytes(32);

let plaid: PlaidEmulator;
let moneykit: MoneyKitEmulator;
let sink: Server;
let sinkUrl: string;
const sunk: { path: string; body: string }[] = [];
let dir: string;
/** The MoneyKit links made outside the gateway (imported by the first run). */
const mkLinks: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runImport(data: string, file: string, report: string, extra: string[] = [], onSpawn?: (kill: () => void) => void): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...gatewayTestEnv({ url: sinkUrl, jwtSecret: randomBytes(32).toString('base64url'), plaid: { ...plaidCreds, url: plaid.url }, moneykit: { ...mkCreds, url: moneykit.url } }),
    DATA_DIR: join(dir, data),
    ENCRYPTION_KEY: encryptionKey.toString('base64'),
    LOG_LEVEL: 'debug',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, '--report', report, ...extra], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  onSpawn?.(() => child.kill('SIGINT'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function storedConnections(data: string) {
  const store = await openPgliteStore({ dataDir: join(dir, data), cipher: createTokenCipher(encryptionKey) });
  try {
    const page = await store.listConnections({}, { first: 1000, after: null });
    const creds = await store.getCredentials(page.items.map((c) => c.id));
    return page.items.map((c, i) => ({ ...c, credential: creds[i] }));
  } finally {
    await store.close();
  }
}

/** Every access token the test created; none may appear in any output. */
const tokens: string[] = [];
const expected = { lines: 200, imported: 190, existing: 3, failed: 7 };
let lines: string[];
let failuresExpected: { line: number; provider: string | null; code: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'import-cmd-'));
  plaid = await startPlaidEmulator({ ...plaidCreds, env: 'sandbox' });
  moneykit = await startMoneyKitEmulator({ apps: [{ ...mkCreds, env: 'sandbox' }] });
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      sunk.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  // 150 Plaid items and 40 MoneyKit links made outside the gateway: 190 valid lines.
  const valid: string[] = [];
  for (let i = 0; i < 150; i++) {
    const { access_token } = plaid.createItem({ webhook: 'https://old.example.com/hook' });
    tokens.push(access_token);
    valid.push(JSON.stringify({ provider: 'PLAID', credential: access_token, userId: `user-${i % 20}` }));
  }
  for (let i = 0; i < 40; i++) {
    const link = moneykit.createLink({});
    mkLinks.push(link.link_id);
    valid.push(JSON.stringify({ provider: i % 2 ? 'moneykit' : 'MONEYKIT', credential: link.link_id, userId: `user-${i % 20}` }));
  }
  const removed = plaid.createItem({});
  plaid.item(removed.item_id).removed = true;
  const unknownToken = `access-sandbox-${randomBytes(16).toString('hex')}`;
  tokens.push(removed.access_token, unknownToken);
  lines = [...valid];
  // Bad and odd lines at fixed positions (1-based line numbers in the expectations).
  const insert = (line: number, text: string) => lines.splice(line - 1, 0, text);
  insert(10, JSON.stringify({ provider: 'PLAID', credential: unknownToken, userId: 'user-1' }));
  insert(20, JSON.stringify({ provider: 'PLAID', credential: removed.access_token, userId: 'user-1' }));
  insert(30, JSON.stringify({ provider: 'PLAID', credential: 'garbage-token-value', userId: 'user-1' }));
  insert(40, JSON.stringify({ provider: 'MONEYKIT', credential: 'mk_000000000000000000000', userId: 'user-1' }));
  insert(50, `{"provider":"PLAID","credential":"${tokens[3]}","userId":`); // truncated JSON quoting a token
  insert(60, JSON.stringify({ provider: 'PLAID', credential: tokens[4], user: 'user-4' })); // wrong field name
  // Exact duplicates (same owner): "existing".
  lines.push(lines[0]!, lines[100]!, lines[lines.length - 1]!);
  // The same item again for another owner, far from the first (bounded concurrency): NOT_FOUND.
  lines.push(JSON.stringify({ provider: 'PLAID', credential: tokens[5], userId: 'someone-else' }));
  expect(lines).toHaveLength(200);
  failuresExpected = [
    { line: 10, provider: 'PLAID', code: 'INVALID_INPUT' },
    { line: 20, provider: 'PLAID', code: 'INVALID_INPUT' },
    { line: 30, provider: 'PLAID', code: 'INVALID_INPUT' },
    { line: 40, provider: 'MONEYKIT', code: 'INVALID_INPUT' },
    { line: 50, provider: null, code: 'INVALID_INPUT' },
    { line: 60, provider: 'PLAID', code: 'INVALID_INPUT' },
    { line: 200, provider: 'PLAID', code: 'NOT_FOUND' },
  ];
  await writeFile(join(dir, 'items.jsonl'), `${lines.join('\n')}\n\n`);
}, 60_000);

afterAll(async () => {
  await plaid?.close();
  await moneykit?.close();
  sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** No credential (nor provider secret) in any output, log line or report of a run. */
function expectClean(outputs: string[]): void {
  expect(outputs.join('').length).toBeGreaterThan(200);
  expectNoSecrets([...tokens, plaidCreds.secret, mkCreds.clientSecret], outputs);
}

describe('npm run import', () => {
  it('imports 200 lines (exact counts, failures by line, webhooks moved); a re-run changes nothing; no credential in any output', async () => {
    const outputs: string[] = [];
    // Other tests of this file move webhooks too: counted from here.
    const plaid0 = plaid.requests.length;
    const moneykit0 = moneykit.requests.length;
    const sunk0 = sunk.length;
    const report = join(dir, 'report-1.json');
    const run = await runImport('main', join(dir, 'items.jsonl'), report, ['--concurrency', '8', '--verbose']);
    outputs.push(run.stdout, run.stderr, await readFile(report, 'utf8'));
    expect(run.code, run.stderr.slice(-2000)).toBe(1); // some lines failed
    const r = JSON.parse(await readFile(report, 'utf8'));
    expect(r.counts).toEqual(expected);
    expect(r.interrupted).toBe(false);
    expect(r.failures.map((f: { line: number; provider: string | null; code: string }) => ({ line: f.line, provider: f.provider, code: f.code }))).toEqual(failuresExpected);
    for (const f of r.failures) expect(f.message).toEqual(expect.any(String));
    expect(run.stdout).toContain('190 imported, 3 existing, 7 failed');

    const rows = await storedConnections('main');
    expect(rows).toHaveLength(190);
    expect(rows.filter((c) => c.provider === 'PLAID')).toHaveLength(150);
    expect(new Set(rows.filter((c) => c.provider === 'PLAID').map((c) => c.credential))).toEqual(new Set(tokens.slice(0, 150)));
    expect(rows.find((c) => c.credential === tokens[5])?.userId).toBe('user-5');
    expect(rows.every((c) => c.status === 'CONNECTED' && c.sandbox)).toBe(true);
    // Webhooks moved for exactly the imported connections, Plaid acknowledging at PUBLIC_URL. Targets
    // are counted, not requests: the client may resend an idempotent update after a transport error,
    // and a duplicate line in flight with its original (line 199 with 196, within --concurrency 8) may
    // set the same webhook before one insert wins (src/connections/import.ts answers "existing").
    // Neither is a second move.
    const movedPlaid = plaid.requests.slice(plaid0).filter((q) => q.path === '/item/webhook/update').map((q) => (q.body as { access_token: string }).access_token);
    expect(new Set(movedPlaid)).toEqual(new Set(tokens.slice(0, 150)));
    const movedMoneyKit = moneykit.requests.slice(moneykit0).filter((q) => q.method === 'PATCH').map((q) => q.path);
    expect(new Set(movedMoneyKit)).toEqual(new Set(mkLinks.map((id) => `/links/${id}`)));
    const acknowledged = () =>
      new Set(sunk.slice(sunk0).filter((x) => x.path === '/webhooks/plaid' && x.body.includes('WEBHOOK_UPDATE_ACKNOWLEDGED')).map((x) => (JSON.parse(x.body) as { item_id: string }).item_id));
    await eventually(async () => acknowledged().size === 150, 10_000);

    // The re-run: every imported line is "existing", no webhook moved again, nothing stored changes.
    const before = await storedConnections('main');
    const updates = plaid.requests.filter((q) => q.path === '/item/webhook/update').length + moneykit.requests.filter((q) => q.method === 'PATCH').length;
    const report2 = join(dir, 'report-2.json');
    const rerun = await runImport('main', join(dir, 'items.jsonl'), report2, ['--concurrency', '8']);
    outputs.push(rerun.stdout, rerun.stderr, await readFile(report2, 'utf8'));
    expect(rerun.code).toBe(1);
    const r2 = JSON.parse(await readFile(report2, 'utf8'));
    expect(r2.counts).toEqual({ lines: 200, imported: 0, existing: 193, failed: 7 });
    expect(r2.failures.map((f: { line: number }) => f.line)).toEqual(failuresExpected.map((f) => f.line));
    expect(plaid.requests.filter((q) => q.path === '/item/webhook/update').length + moneykit.requests.filter((q) => q.method === 'PATCH').length).toBe(updates);
    const keep = (c: Record<string, unknown>) => ({ id: c.id, provider: c.provider, providerConnectionId: c.providerConnectionId, userId: c.userId, status: c.status, error: c.error, institution: c.institution, products: c.products, createdAt: c.createdAt, credential: c.credential });
    expect((await storedConnections('main')).map(keep)).toEqual(before.map(keep));
    expectClean(outputs);
  }, 300_000);

  it('SIGINT finishes the lines in flight, writes the report and exits non-zero', async () => {
    const outputs: string[] = [];
    // Fresh items, slowed down, so the run is surely mid-way when interrupted.
    const fresh: string[] = [];
    for (let i = 0; i < 60; i++) {
      const { access_token } = plaid.createItem({});
      tokens.push(access_token);
      fresh.push(JSON.stringify({ provider: 'PLAID', credential: access_token, userId: 'late-user' }));
    }
    await writeFile(join(dir, 'late.jsonl'), fresh.join('\n'));
    plaid.setLatency(300);
    // The sink's own record (the emulator's request log is bounded): acknowledgements of moved webhooks.
    const acks = () => sunk.filter((x) => x.body.includes('WEBHOOK_UPDATE_ACKNOWLEDGED')).length;
    const seen = acks();
    const report = join(dir, 'report-3.json');
    try {
      const run = await runImport('interrupted', join(dir, 'late.jsonl'), report, ['--concurrency', '2'], (kill) => {
        // Generous: starting the command (tsx, store migration) is slow on a loaded machine.
        void eventually(async () => acks() >= seen + 4, 240_000).then(kill);
      });
      outputs.push(run.stdout, run.stderr, await readFile(report, 'utf8'));
      expect(run.code).toBe(130);
      const r = JSON.parse(await readFile(report, 'utf8'));
      expect(r.interrupted).toBe(true);
      expect(r.counts.lines).toBeGreaterThanOrEqual(4);
      expect(r.counts.lines).toBeLessThan(60);
      expect(r.counts.lines).toBe(r.counts.imported + r.counts.existing + r.counts.failed);
      // Every line counted is finished: exactly the imported ones are stored, none half-way.
      expect((await storedConnections('interrupted')).filter((c) => c.userId === 'late-user')).toHaveLength(r.counts.imported);
      expect(outputs[1]).toContain('interrupted');
      expectClean(outputs);
    } finally {
      plaid.setLatency(0);
    }
  }, 400_000);
});
