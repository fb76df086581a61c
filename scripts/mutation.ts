// `npm run mutation`: one-line changes to security- and correctness-critical code, each applied to a
// scratch copy of the project (never to the working tree), with the test files that should notice.
// A mutant is killed when those tests fail. Run before a release; it takes a while (e2e files).
//
//   npm run mutation                 all mutants
//   npm run mutation -- 3 5          only mutants 3 and 5 (1-based, as listed)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

interface Mutant {
  /** What the change means, in one line. */
  what: string;
  file: string;
  /** Exact text that must occur once in `file`, and its replacement. */
  from: string;
  to: string;
  /** Test files that must fail. */
  tests: string[];
}

const MUTANTS: Mutant[] = [
  // The five from issue 15.
  {
    what: 'completeUpdateLink loads the connection as if the caller were admin',
    file: 'src/connections/lifecycle.ts',
    from: 'const { r, ref } = await loadOwned(store, caller, id);\n        return readAndApply(r, ref, true);',
    to: 'const { r, ref } = await loadOwned(store, { ...caller, admin: true }, id);\n        return readAndApply(r, ref, true);',
    tests: ['test/e2e/ownership.test.ts'],
  },
  {
    what: 'fragment spreads no longer counted by the depth rule',
    file: 'src/graphql/limits.ts',
    from: 'max = Math.max(max, depthOfFragment(s.name.value));',
    to: 'max = Math.max(max, 0);',
    tests: ['test/e2e/hardening.test.ts'],
  },
  {
    what: 'Plaid MFA_NOT_SUPPORTED mapped to CONNECTED',
    file: 'src/providers/plaid/status.ts',
    from: "MFA_NOT_SUPPORTED: 'DISCONNECTED',",
    to: "MFA_NOT_SUPPORTED: 'CONNECTED',",
    tests: ['test/providers/plaid/normalization.test.ts'],
  },
  {
    what: 'an access token added to a log line on the exchange-cleanup path',
    file: 'src/connections/lifecycle.ts',
    from: "'storing an exchanged connection failed; removing it at the provider');",
    to: "`storing an exchanged connection failed; removing it at the provider (${ref.credential})`);",
    tests: ['test/e2e/secrets.test.ts'],
  },
  {
    what: "resetConnections without ids lists every user's connections",
    file: 'src/connections/lifecycle.ts',
    from: 'store.listConnections({ userId }, { first: RESET_ALL_PAGE, after })',
    to: 'store.listConnections({}, { first: RESET_ALL_PAGE, after })',
    tests: ['test/e2e/ownership.test.ts'],
  },
  // Ownership and authorization.
  {
    what: 'every stored connection is visible to every caller',
    file: 'src/connections/access.ts',
    from: 'return !!r && (caller.admin || r.userId === caller.userId);',
    to: 'return !!r;',
    tests: ['test/e2e/ownership.test.ts'],
  },
  {
    what: 'connections lists what the filter asks for, admin or not, and admins see only their own by default',
    file: 'src/connections/lifecycle.ts',
    from: 'const userId = caller.admin ? filter.userId : caller.userId;',
    to: 'const userId = filter.userId ?? caller.userId;',
    tests: ['test/e2e/auth.test.ts'],
  },
  {
    what: 'any scope containing the letters "admin" makes an admin',
    file: 'src/auth/auth.ts',
    from: "const caller: Caller = Object.freeze({ userId: sub, admin: scope.includes('admin') });",
    to: "const caller: Caller = Object.freeze({ userId: sub, admin: scope.some((s) => s.includes('admin')) });",
    tests: ['test/auth/auth.test.ts'],
  },
  {
    what: 'subscription streams no longer filtered by owner',
    file: 'src/graphql/types/subscription.ts',
    from: '(!id || r.id === only) && ctx.service.visibleTo(ctx.caller, r)',
    to: '(!id || r.id === only)',
    tests: ['test/e2e/ownership.test.ts', 'test/e2e/subscriptions.test.ts'],
  },
  {
    what: 'resets allowed on production connections',
    file: 'src/connections/lifecycle.ts',
    from: 'if (!r.sandbox || !calls.adapterFor(r.provider).sandbox) throw new SandboxOnlyError();',
    to: 'if (!r.sandbox && !calls.adapterFor(r.provider).sandbox) throw new SandboxOnlyError();',
    tests: ['test/e2e/auth.test.ts'],
  },
  // Webhook verification.
  {
    what: 'webhook signatures accepted ten times older than allowed',
    file: 'src/providers/signed-delivery.ts',
    from: 'if (nowSeconds - iat > c.maxAgeSeconds)',
    to: 'if (nowSeconds - iat > c.maxAgeSeconds * 10)',
    tests: ['test/providers/webhooks/plaid.test.ts', 'test/providers/webhooks/moneykit.test.ts'],
  },
  {
    what: 'webhook body hash compared by length only',
    file: 'src/providers/signed-delivery.ts',
    from: 'if (claimed.length !== actual.length || !timingSafeEqual(actual, claimed)) {',
    to: 'if (claimed.length !== actual.length) {',
    tests: ['test/providers/webhooks/plaid.test.ts', 'test/providers/webhooks/moneykit.test.ts'],
  },
  // Encryption at rest.
  {
    what: 'a constant IV for every encrypted access token',
    file: 'src/store/crypto.ts',
    from: 'const iv = randomBytes(IV_BYTES);',
    to: 'const iv = Buffer.alloc(IV_BYTES);',
    tests: ['test/store/encryption.test.ts'],
  },
  // Status tables.
  {
    what: 'MoneyKit auth_expired mapped to USER_ACTION_REQUIRED',
    file: 'src/providers/moneykit/status.ts',
    from: "auth_expired: 'LOGIN_REQUIRED',",
    to: "auth_expired: 'USER_ACTION_REQUIRED',",
    tests: ['test/providers/moneykit/status.test.ts'],
  },
  {
    what: 'EXPIRING asks for no action',
    file: 'src/domain/connection.ts',
    from: "EXPIRING: 'UPDATE_LINK',",
    to: "EXPIRING: 'NONE',",
    tests: ['test/domain/connection.test.ts'],
  },
  // Limits.
  {
    what: 'one alias more than the limit allows passes',
    file: 'src/graphql/limits.ts',
    from: 'if (node.alias && ++count > maxAliases && !reported) {',
    to: 'if (node.alias && ++count > maxAliases + 1 && !reported) {',
    tests: ['test/e2e/hardening.test.ts'],
  },
  // Remembered tokens and webhook outcomes (round 2, performance).
  {
    what: 'a remembered bearer token outlives its exp',
    file: 'src/auth/auth.ts',
    from: 'untilMs: Math.min(now + VERIFIED_TOKEN_TTL_MS, (payload.exp as number) * 1000)',
    to: 'untilMs: now + VERIFIED_TOKEN_TTL_MS',
    tests: ['test/auth/auth.test.ts'],
  },
  {
    what: 'tokens remembered by their claims, so a forged signature rides on a verified one',
    file: 'src/auth/auth.ts',
    from: "const key = createHash('sha256').update(token).digest('base64');",
    to: "const key = token.split('.')[1] ?? '';",
    tests: ['test/auth/auth.test.ts'],
  },
  {
    what: "a webhook's outcome written even when its state write lost the race",
    file: 'src/store/sql/state-writes.ts',
    from: 'set outcome = v.outcome from written as w join v on v.idx = w.batch_idx where e.id = v.event_id',
    to: 'set outcome = v.outcome from v where e.id = v.event_id',
    tests: ['test/store/pglite.test.ts'],
  },
  // Batched statements (round 2, performance, third session).
  {
    what: 'a failed batch fails every caller in it, not only the one the database refused',
    file: 'src/store/sql/batch.ts',
    from: 'for (const w of batch) answered([w]).then(([o]) => w.resolve(o!), w.reject);',
    to: 'for (const w of batch) w.reject(e);',
    tests: ['test/store/pglite.test.ts', 'test/store/batch.test.ts'],
  },
  {
    what: 'two writes of one connection in one batched statement (one of them silently lost)',
    file: 'src/store/sql/state-writes.ts',
    from: 'let st = statements.find((x) => x.key === key && !x.ids.has(id));',
    to: 'let st = statements.find((x) => x.key === key);',
    tests: ['test/store/pglite.test.ts'],
  },
  {
    what: "a refused state statement's neighbours fail with it",
    file: 'src/store/sql/state-writes.ts',
    from: 'for (const i of st.items) await writeStatement(db, writes, st.columns, [i], results).catch((err: unknown) => (results[i] = { error: err }));',
    to: 'for (const i of st.items) results[i] = { error: e };',
    tests: ['test/store/pglite.test.ts'],
  },
  {
    what: "a re-read's read times written even when its compare-and-set lost",
    file: 'src/store/sql/state-writes.ts',
    from: 'from written as w join v on v.idx = w.batch_idx cross join lateral unnest',
    to: 'from v cross join lateral unnest',
    tests: ['test/store/pglite.test.ts'],
  },
  // Round 2, performance, fourth session.
  {
    what: "a batched page's rows handed to the first page of the statement",
    file: 'src/store/sql/connections.ts',
    from: 'for (const { batch_idx, ...row } of rows) out[batch_idx]!.push(row);',
    to: 'for (const { batch_idx, ...row } of rows) out[0]!.push(row);',
    tests: ['test/store/batching.test.ts'],
  },
  {
    what: 'timestamptz offsets applied the wrong way round',
    file: 'src/store/postgres.ts',
    from: '- sign * (offsetHours * 60 + offsetMinutes)',
    to: '+ sign * (offsetHours * 60 + offsetMinutes)',
    tests: ['test/store/pg-dates.test.ts'],
  },
  {
    what: 'a provider operation that failed leaves its attempts running until the deadline',
    file: 'src/providers/http.ts',
    from: '      ended.abort();\n',
    to: '\n',
    tests: ['test/reliability/operation-end.test.ts'],
  },
  {
    what: 'compiled execution for documents of several operations (a GET could run a mutation)',
    file: 'src/gateway.ts',
    from: 'if (document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length !== 1) return false;',
    to: 'if (document.definitions.length === 0) return false;',
    tests: ['test/e2e/hardening-edge.test.ts'],
  },
];

const ROOT = resolve(import.meta.dirname, '..');
const COPIED = ['package.json', 'tsconfig.json', 'vitest.config.ts', 'src', 'test', 'specs', 'schema'];

function selected(): Array<[number, Mutant]> {
  const picks = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= MUTANTS.length);
  const all = MUTANTS.map((m, i) => [i + 1, m] as [number, Mutant]);
  return picks.length ? all.filter(([n]) => picks.includes(n)) : all;
}

/** vitest's JSON report (the Jest-compatible shape); only what is read here. */
interface JsonReport {
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

/** A timeout says the machine was slow, not that a test noticed the mutant. */
const TIMED_OUT = /timed out in \d+ ?ms/i;

/**
 * "file > test" for every test that failed on an assertion, or "file: message" for a file that failed
 * outside a test (a hook). Timeouts are left out: they never count as a kill.
 */
function failures(reportPath: string, root: string): string[] {
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
  } catch {
    return [];
  }
  return report.testResults.flatMap((f) => {
    const file = relative(root, f.name);
    const tests = f.assertionResults
      .filter((a) => a.status === 'failed' && !(a.failureMessages ?? []).some((m) => TIMED_OUT.test(m)))
      .map((a) => `${file} > ${a.fullName}`);
    if (tests.length > 0 || f.status !== 'failed' || TIMED_OUT.test(f.message ?? '')) return tests;
    return [`${file}: ${(f.message ?? 'failed').trim().split('\n')[0]}`];
  });
}

function main(): number {
  // All edits happen in a scratch copy: the working tree is never modified, whatever happens.
  const scratch = mkdtempSync(join(tmpdir(), 'mutation-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  try {
    for (const p of COPIED) cpSync(join(ROOT, p), join(scratch, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    const results: Array<{ n: number; m: Mutant; outcome: 'killed' | 'survived' | 'error' | 'invalid'; detail: string }> = [];
    for (const [n, m] of selected()) {
      const path = join(scratch, m.file);
      const original = readFileSync(path, 'utf8');
      const count = original.split(m.from).length - 1;
      if (count !== 1) {
        results.push({ n, m, outcome: 'invalid', detail: `expected text found ${count} times in ${m.file}` });
        console.log(`#${n} INVALID  ${m.what}: the text to change occurs ${count} times`);
        continue;
      }
      writeFileSync(path, original.replace(m.from, m.to));
      try {
        // The JSON reporter names failures exactly (console output is coloured and wrapped).
        const report = join(scratch, 'mutation-report.json');
        rmSync(report, { force: true });
        // Generous timeouts: e2e start-up on a busy machine must not pass for a kill (or hide one).
        const args = ['run', '--bail=1', '--testTimeout=180000', '--hookTimeout=300000', '--reporter=json', `--outputFile=${report}`, ...m.tests];
        const run = spawnSync(join(scratch, 'node_modules/.bin/vitest'), args, {
          cwd: scratch,
          encoding: 'utf8',
          env: { ...process.env, CI: '1' },
          maxBuffer: 64 * 1024 * 1024,
        });
        const failed = failures(report, scratch);
        // Killed means a test failed on an assertion; a timeout, a crash or a missing report is an error
        // to look at (rerun it), not a kill.
        const outcome = run.status === 0 ? 'survived' : failed.length > 0 ? 'killed' : 'error';
        const detail =
          outcome === 'killed' ? failed.join('\n    ') : outcome === 'error' ? `exit ${run.status}, no failed test: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}` : 'all tests passed';
        results.push({ n, m, outcome, detail });
        console.log(`#${n} ${outcome.toUpperCase().padEnd(8)} ${m.what}\n    ${detail}`);
      } finally {
        writeFileSync(path, original);
      }
    }
    const valid = results.filter((r) => r.outcome !== 'invalid');
    const killed = valid.filter((r) => r.outcome === 'killed').length;
    const errors = valid.filter((r) => r.outcome === 'error').length;
    console.log(`\nmutation score: ${killed}/${valid.length} killed (${valid.length ? Math.round((100 * killed) / valid.length) : 0}%)` +
      (errors ? `, ${errors} errored (see above)` : '') +
      (results.length > valid.length ? `, ${results.length - valid.length} invalid (update the list)` : ''));
    return killed === valid.length && valid.length === results.length ? 0 : 1;
  } finally {
    cleanup();
  }
}

process.exitCode = main();
