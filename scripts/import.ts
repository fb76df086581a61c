// `npm run import -- <file.jsonl> [--report <path>] [--concurrency <n>] [--verbose]`
//
// Bulk importConnection for operators adopting the gateway: one {"provider", "credential",
// "userId"} per line, imported through the same connections service the gateway runs (built from
// the same configuration: store, encryption key, provider credentials, PUBLIC_URL for webhooks).
// Safe to re-run: a line already imported for the same owner counts as "existing". Writes a report
// of failures (line number, provider, error code, message; never a credential) and exits non-zero
// when any line failed or the run was interrupted (SIGINT finishes the lines in flight first).
import { constants, createReadStream } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { GatewayError } from '../src/connections/errors.js';
import type { ImportResult } from '../src/connections/import.js';
import { PROVIDERS, type ProviderName } from '../src/domain/connection.js';
import { createLogger } from '../src/logger.js';

const USAGE = 'usage: npm run import -- <file.jsonl> [--report <path>] [--concurrency <n>] [--verbose]';
/** Progress lines when stderr is not a terminal (CI, logs). */
const PLAIN_PROGRESS_EVERY_MS = 5_000;
const TTY_PROGRESS_EVERY_MS = 200;

const lineSchema = z.strictObject({
  provider: z.string().transform((p) => p.toUpperCase()).pipe(z.enum(PROVIDERS)),
  credential: z.string(),
  userId: z.string(),
});

export interface ImportFailure {
  line: number;
  provider: ProviderName | null;
  code: string;
  message: string;
}

export interface ImportReport {
  file: string;
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  counts: { lines: number; imported: number; existing: number; failed: number };
  linesPerSecond: number;
  /** This process's CPU time (user + system) over the import, in seconds: what the lines cost here. */
  cpuSeconds: number;
  failures: ImportFailure[];
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const args = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { report: { type: 'string' }, concurrency: { type: 'string' }, verbose: { type: 'boolean', default: false } },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`);
  }
})();
const file = args.positionals[0];
if (!file || args.positionals.length > 1) fail(USAGE);
const reportPath = args.values.report ?? `${file}.report.json`;
try {
  await access(file, constants.R_OK);
} catch {
  fail(`cannot read ${file}`);
}

let config: Readonly<Config>;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) fail(e.problems.map((p) => `Invalid configuration: ${p}`).join('\n'), 1);
  throw e;
}
if (config.demoMode) fail('No provider credentials configured: importing needs the same PLAID_*/MONEYKIT_* settings as the gateway.', 1);
const concurrency = args.values.concurrency === undefined ? 2 * config.providerConcurrency : Number(args.values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) fail(`--concurrency must be an integer 1..10000\n${USAGE}`);

// Progress shares stderr with log lines: on a terminal the progress line is cleared before a log line.
const tty = process.stderr.isTTY === true;
let progressShown = false;
const clearProgress = () => {
  if (tty && progressShown) process.stderr.write('\r\x1b[K');
  progressShown = false;
};
const logger = createLogger(args.values.verbose ? config.logLevel : 'warn', {
  write: (s: string) => {
    clearProgress();
    process.stderr.write(s);
  },
});

const counts = { lines: 0, imported: 0, existing: 0, failed: 0 };
const failures: ImportFailure[] = [];
let startedAt = new Date();
const rate = () => counts.lines / Math.max((Date.now() - startedAt.getTime()) / 1000, 0.001);
const status = () => `${counts.lines} lines: ${counts.imported} imported, ${counts.existing} existing, ${counts.failed} failed (${rate().toFixed(1)}/s)`;
const progress = setInterval(
  () => {
    if (tty) {
      process.stderr.write(`\r\x1b[K${status()}`);
      progressShown = true;
    } else {
      process.stderr.write(`import: ${status()}\n`);
    }
  },
  tty ? TTY_PROGRESS_EVERY_MS : PLAIN_PROGRESS_EVERY_MS,
);

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130); // a second Ctrl-C: stop now
  interrupted = true;
  clearProgress();
  process.stderr.write('import: interrupted; finishing the lines in flight, then writing the report (Ctrl-C again to stop at once)\n');
});

const app = await buildApp(config, logger);
// The rate is the import's own: opening and migrating the store is not part of it.
startedAt = new Date();
const cpuAtStart = process.cpuUsage();
// The operator's own tool: an admin caller, so each line names its owner; no per-caller budget.
const caller = { userId: 'bulk-import', admin: true };

function record(line: number, provider: ProviderName | null, code: string, message: string): void {
  counts.failed++;
  failures.push({ line, provider, code, message });
}

async function importLine(line: number, text: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Never JSON.parse's own message: it quotes the line, credential included.
    return record(line, null, 'INVALID_INPUT', 'line is not valid JSON');
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) {
    const provider = lineSchema.shape.provider.safeParse((json as { provider?: unknown } | null)?.provider);
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(line)'))].join(', ');
    return record(line, provider.success ? provider.data : null, 'INVALID_INPUT', `line must be {"provider", "credential", "userId"} (strings); wrong: ${fields}`);
  }
  const input = parsed.data;
  let result: ImportResult;
  try {
    result = await app.service.importConnection(caller, input);
  } catch (e) {
    if (e instanceof GatewayError) return record(line, input.provider, e.code, e.message);
    logger.error({ line, provider: input.provider, err: (e as Error).message }, 'import failed unexpectedly');
    return record(line, input.provider, 'INTERNAL', 'unexpected error (see the log)');
  }
  counts[result.outcome]++;
}

const inflight = new Set<Promise<void>>();
const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
let lineNo = 0;
try {
  for await (const text of lines) {
    lineNo++;
    if (interrupted) break;
    if (text.trim() === '') continue;
    while (inflight.size >= concurrency) await Promise.race(inflight);
    if (interrupted) break;
    const n = lineNo;
    const p: Promise<void> = importLine(n, text).finally(() => {
      counts.lines++;
      inflight.delete(p);
    });
    inflight.add(p);
  }
} catch (e) {
  clearProgress();
  logger.error({ file, err: (e as Error).message }, 'reading the import file failed');
  interrupted = true;
} finally {
  lines.close();
}
await Promise.all(inflight);
clearInterval(progress);
clearProgress();

const finishedAt = new Date();
const report: ImportReport = {
  file,
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  interrupted,
  counts,
  linesPerSecond: Number(rate().toFixed(2)),
  cpuSeconds: (({ user, system }) => Number(((user + system) / 1e6).toFixed(3)))(process.cpuUsage(cpuAtStart)),
  failures: failures.sort((a, b) => a.line - b.line),
};
await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
await app.close();
process.stdout.write(`import: ${status()} in ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)} s${interrupted ? ' (interrupted)' : ''}; report: ${reportPath}\n`);
process.exit(interrupted ? 130 : counts.failed > 0 ? 1 : 0);
