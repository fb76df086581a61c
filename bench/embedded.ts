import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npx tsx bench/embedded.ts`: the embedded default's weight. (1) The demo as a user starts it
 * (`node dist/src/main.js`, no provider credentials, a fresh data directory, which is a copy of
 * the template `npm run build` prepared): time to the `Demo token:` line and RSS once idle, fresh
 * and on a second start over the same directory.
 * (2) PGlite alone in a bare process with candidate settings: open time and RSS idle, fresh and
 * reopened, so what PGlite itself costs is seen apart from the gateway. Needs `npm run build`.
 */

const repo = fileURLToPath(new URL('..', import.meta.url));
const IDLE_MS = 3_000;
/** Runs of each measurement (the median is reported: a shared machine's neighbours move single runs). */
const REPEAT = Number(process.env.BENCH_EMBEDDED_REPEAT ?? 1);
/** `BENCH_EMBEDDED_PGLITE=0`: the demo and the module graph only, not PGlite alone. */
const WITH_PGLITE_ALONE = process.env.BENCH_EMBEDDED_PGLITE !== '0';

const rssMB = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
};

/** Start `args`, wait for a stdout line containing `marker`, then idle; time, RSS, stop. */
function run(args: string[], env: Record<string, string>, marker: string): Promise<{ startMs: number; idleRssMB: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = false;
    const killer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.stdout.setEncoding('utf8').on('data', async (d: string) => {
      out += d;
      if (seen || !out.includes(marker)) return;
      seen = true;
      const startMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const idleRssMB = await rssMB(p.pid!);
      p.once('exit', () => resolve({ startMs, idleRssMB }));
      p.kill('SIGTERM');
    });
    p.on('exit', (code) => {
      clearTimeout(killer);
      if (!seen) reject(new Error(`exited ${code} before "${marker}": ${err.slice(-500)}`));
    });
  });
}

type Run = { startMs: number; idleRssMB: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** `measure` REPEAT times; the median start time and the median idle RSS (each over all runs). */
async function repeated<T extends Record<string, Run>>(measure: () => Promise<T>): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await measure());
  const out: Record<string, Run> = {};
  for (const key of Object.keys(runs[0]!)) out[key] = { startMs: median(runs.map((r) => r[key]!.startMs)), idleRssMB: median(runs.map((r) => r[key]!.idleRssMB)) };
  return out as T;
}

const demoEnv = (dataDir: string) => ({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'development' });

/** PGlite options, and node flags for the bare process. */
const PGLITE_VARIANTS: Record<string, { options: Record<string, unknown>; nodeArgs?: string[] }> = {
  default: { options: {} },
  'shared_buffers=16MB': { options: { postgresqlconf: ['shared_buffers=16MB'] } },
  'shared_buffers=8MB': { options: { postgresqlconf: ['shared_buffers=8MB'] } },
  // What the store uses (src/store/pglite.ts): 16 MB and WebAssembly without tier-up.
  'shared_buffers=16MB, --liftoff-only': { options: { postgresqlconf: ['shared_buffers=16MB'] }, nodeArgs: ['--liftoff-only'] },
};
const pgliteScript = (opts: Record<string, unknown>) => `
  import { PGlite } from '@electric-sql/pglite';
  const pg = await PGlite.create(process.env.DIR, ${JSON.stringify(opts)});
  await pg.query('create table if not exists t (id int primary key, v text)');
  await pg.query("insert into t values (1, 'x') on conflict do nothing");
  console.log('ready');
  setInterval(() => {}, 1000);
`;

const results: Record<string, unknown> = {};
/** A fresh start and a second start over the same new directory. */
async function freshAndSecond(args: string[], env: (dir: string) => Record<string, string>, marker: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-embedded-'));
  try {
    return { fresh: await run(args, env(dir), marker), second: await run(args, env(dir), marker) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

results.demo = await repeated(() => freshAndSecond(['dist/src/main.js'], demoEnv, 'Demo token:'));
console.error(`demo: ${JSON.stringify(results.demo)}`);
if (WITH_PGLITE_ALONE) {
  results.pglite = {};
  for (const [name, { options, nodeArgs = [] }] of Object.entries(PGLITE_VARIANTS)) {
    const r = await repeated(() => freshAndSecond([...nodeArgs, '--input-type=module', '-e', pgliteScript(options)], (dir) => ({ DIR: dir }), 'ready'));
    (results.pglite as Record<string, unknown>)[name] = r;
    console.error(`pglite ${name}: ${JSON.stringify(r)}`);
  }
}
{
  // The gateway's own share without PGlite: node plus the compiled modules, idle.
  const args = ['--input-type=module', '-e', `await import('./dist/src/app.js'); console.log('ready'); setInterval(() => {}, 1000);`];
  results.modulesOnly = (await repeated(async () => ({ modules: await run(args, {}, 'ready') }))).modules;
  console.error(`modules only: ${JSON.stringify(results.modulesOnly)}`);
}
console.log(JSON.stringify(results, null, 2));
