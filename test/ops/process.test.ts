import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';

/**
 * Issue 11 items 10, 13, 14, 16 on the real process: `npm start` receives SIGTERM itself, /health
 * answers while starting, and start-up failures print one line naming the variable.
 */

const children: ChildProcess[] = [];
const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers) s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'gw-ops-'));
  dirs.push(d);
  return d;
};

/** Environment of a demo-mode gateway: nothing inherited may configure providers, Redis or a database. */
const demoEnv = (extra: Record<string, string>) => ({
  ...process.env,
  NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'info', PLAID_CLIENT_ID: '', PLAID_SECRET: '', PLAID_ENV: '', MONEYKIT_CLIENT_ID: '',
  MONEYKIT_CLIENT_SECRET: '', MONEYKIT_ENV: '', DATABASE_URL: '', REDIS_URL: '', ENCRYPTION_KEY: '', ...extra,
});

interface Run {
  proc: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  /** Resolves with the first stdout JSON line for which `pick` returns a value. */
  waitFor<T>(pick: (line: Record<string, unknown>) => T | undefined): Promise<T>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const proc = spawn(command, args, { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<(l: Record<string, unknown>) => void>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const j = JSON.parse(line) as Record<string, unknown>;
    lines.push(j);
    for (const w of waiters) w(j);
  });
  return {
    proc,
    exited,
    stderr: () => stderr,
    waitFor: (pick) =>
      new Promise((resolve, reject) => {
        const check = (l: Record<string, unknown>) => {
          const v = pick(l);
          if (v !== undefined) resolve(v);
        };
        lines.forEach(check);
        waiters.add(check);
        void exited.then((code) => reject(new Error(`exited (${code}) before the expected line: ${stderr}`)));
      }),
  };
}

/** True when something accepts TCP connections at host:port. */
async function listening(url: string): Promise<boolean> {
  const u = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('runs compiled JavaScript and stops, leaving nothing listening, when SIGTERM reaches the npm process', async () => {
    const dataDir = await tempDir();
    // Builds first when dist/ is missing or stale (prestart), as on a fresh clone.
    const r = run('npm', ['start', '--silent'], demoEnv({ DATA_DIR: dataDir }));
    const url = await r.waitFor((l) => (l.msg === 'gateway listening' ? String(l.url) : undefined));
    const emulators = await r.waitFor((l) => (typeof l.plaid === 'string' ? [l.plaid, String(l.moneykit)] : undefined));
    expect((await fetch(`${url}/health`)).status).toBe(200);

    r.proc.kill('SIGTERM'); // the npm process itself, as a container runtime or process manager does
    expect(await r.exited).toBe(0);
    for (const u of [url, ...emulators]) expect(await listening(u), u).toBe(false);
  }, 240_000);
});

describe('start-up', () => {
  it('answers /health 200 (and /ready, /graphql 503) while starting; an unreachable database is one line naming DATABASE_URL', async () => {
    // A "database" that accepts connections and never answers: start-up waits on it.
    const held: Socket[] = [];
    const blackhole = createNetServer((s) => void held.push(s));
    servers.push(blackhole);
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const dbPort = (blackhole.address() as { port: number }).port;
    // The gateway only logs its URL once started, so it gets a port chosen here.
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const r = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], demoEnv({ DATA_DIR: await tempDir(), PORT: String(port), DATABASE_URL: `postgres://u:pw@127.0.0.1:${dbPort}/gw` }));
    const url = `http://127.0.0.1:${port}`;
    // Listening happens before the database is opened; wait until the database is being dialled.
    await new Promise<void>((resolve) => {
      if (held.length) resolve();
      blackhole.once('connection', () => resolve());
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${url}/ready`)).status).toBe(503);
    expect((await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' })).status).toBe(503);

    // pg gives up after its connection timeout (10 s): the process exits 1 with one line.
    expect(await r.exited).toBe(1);
    const errLines = r.stderr().trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^Fatal: DATABASE_URL: cannot connect to PostgreSQL/);
    expect(r.stderr()).not.toContain(':pw@');
  }, 120_000);

  it('a wrong ENCRYPTION_KEY for stored data stops start with one line naming it', async () => {
    const dataDir = await tempDir();
    const right = randomBytes(32);
    const store = await openPgliteStore({ dataDir, cipher: createTokenCipher(right) });
    await store.migrate();
    await store.close();

    const wrong = randomBytes(32).toString('base64');
    const r = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], demoEnv({ DATA_DIR: dataDir, ENCRYPTION_KEY: wrong }));
    expect(await r.exited).toBe(1);
    const errLines = r.stderr().trim().split('\n');
    expect(errLines).toEqual([expect.stringMatching(/^Fatal: ENCRYPTION_KEY does not decrypt the data already stored/)]);
    expect(r.stderr()).not.toContain(wrong);
    // The right key still starts (nothing was changed): the store opens and verifies.
    const again = await openPgliteStore({ dataDir, cipher: createTokenCipher(right) });
    await expect(again.migrate()).resolves.toBeUndefined();
    await again.close();
  }, 120_000);
});
