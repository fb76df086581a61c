import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPostgresStore, parseTimestamptz } from '../../src/store/postgres.js';

/** timestamptz text as PostgreSQL writes it (DateStyle ISO) -> the instant, as ISO 8601. */
const CASES: [string, string][] = [
  ['2026-11-29 21:19:04.123456+00', '2026-11-29T21:19:04.123Z'],
  // Microseconds are cut to milliseconds, never rounded up (as pg's own parser does).
  ['2026-11-29 21:19:04.999999+00', '2026-11-29T21:19:04.999Z'],
  ['2026-11-29 21:19:04+00', '2026-11-29T21:19:04.000Z'],
  ['2026-11-29 21:19:04.5+05:30', '2026-11-29T15:49:04.500Z'],
  ['2026-11-29 21:19:04.07+00', '2026-11-29T21:19:04.070Z'],
  ['2026-12-31 23:59:59.999-12', '2027-01-01T11:59:59.999Z'],
  ['2024-02-29 00:00:00+14', '2024-02-28T10:00:00.000Z'],
  ['2026-11-29 21:19:04.1234-08', '2026-11-30T05:19:04.123Z'],
  ['2026-02-28 23:59:59.001-03:30', '2026-03-01T03:29:59.001Z'],
  // A year below 100 stays that year (no two-digit-year guessing).
  ['0099-01-01 00:00:00+00', '0099-01-01T00:00:00.000Z'],
  // Shapes the fast path leaves to pg's parser.
  ['2026-11-29 21:19:04+05:30:15', '2026-11-29T15:48:49.000Z'],
  ['12345-01-01 00:00:00+00', '+012345-01-01T00:00:00.000Z'],
  ['2026-11-29 21:19:04+00 BC', '-002025-11-29T21:19:04.000Z'],
];

describe('parseTimestamptz', () => {
  it.each(CASES)('%s is %s', (text, iso) => {
    expect(parseTimestamptz(text).toISOString()).toBe(iso);
  });

  it('agrees with pg\'s own parser on 20,000 generated instants, fractions and offsets', () => {
    const pgParse = pg.types.getTypeParser(1184, 'text') as (t: string) => Date;
    // A fixed-seed generator: the same texts on every run.
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pad = (v: number, w: number) => String(v).padStart(w, '0');
    for (let k = 0; k < 20_000; k++) {
      const frac = rnd(7);
      const off = rnd(3);
      const text =
        `${pad(100 + rnd(9900), 4)}-${pad(1 + rnd(12), 2)}-${pad(1 + rnd(28), 2)} ${pad(rnd(24), 2)}:${pad(rnd(60), 2)}:${pad(rnd(60), 2)}` +
        (frac ? `.${pad(rnd(10 ** frac), frac)}` : '') +
        (rnd(2) ? '+' : '-') + pad(rnd(15), 2) + (off === 0 ? '' : `:${pad(off === 1 ? 30 : rnd(60), 2)}`);
      expect(parseTimestamptz(text).getTime(), text).toBe(pgParse(text).getTime());
    }
  });

  it('infinity is left to pg (not a Date)', () => {
    expect(parseTimestamptz('infinity')).toBe(Infinity);
    expect(parseTimestamptz('-infinity')).toBe(-Infinity);
  });
});

const url = process.env.TEST_DATABASE_URL;
describe.skipIf(!url)('timestamptz from PostgreSQL in any session time zone', () => {
  it('reads the same instants whatever TimeZone the session writes them in', async () => {
    const store = await openPostgresStore({ connectionString: url!, cipher: createTokenCipher(randomBytes(32)), poolSize: 1 });
    try {
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham']) {
        const got = await store.db.connection().execute(async (c) => {
          await sql`select set_config('TimeZone', ${zone}, false)`.execute(c);
          const r = await sql<{ a: Date; b: Date; c: Date }>`select
            '2026-11-29 21:19:04.123456+00'::timestamptz as a,
            '1999-12-31 23:59:59.999999-08'::timestamptz as b,
            '2026-06-01 12:00:00+05:45'::timestamptz as c`.execute(c);
          await sql`select set_config('TimeZone', 'UTC', false)`.execute(c);
          return r.rows[0]!;
        });
        expect([got.a.toISOString(), got.b.toISOString(), got.c.toISOString()], zone).toEqual([
          '2026-11-29T21:19:04.123Z',
          '2000-01-01T07:59:59.999Z',
          '2026-06-01T06:15:00.000Z',
        ]);
      }
    } finally {
      await store.close();
    }
  });
});
