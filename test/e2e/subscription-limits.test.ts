import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { linkConnection, subscribeSse, type SseSubscription } from '../webhooks/helpers.js';
import { RESET } from './operations.js';

/** SSE subscription limits (per user, in total) and a lifetime that ends at the token's exp. */
const SUB = `subscription Watch($id: ID) { connectionUpdated(id: $id) { id status } }`;

let h: Harness;
const open: SseSubscription[] = [];
const watch = async (token: string) => {
  const s = await subscribeSse((u, i) => h.app.gateway.fetch(u, i), token, SUB, {});
  open.push(s);
  return s;
};
/** True once the server ended the stream (next() on a closed stream rejects at once). */
const ended = (s: SseSubscription) => s.next(10).then(() => false, (e: Error) => e.message.includes('closed'));

beforeAll(async () => {
  h = await startHarness({ env: { MAX_SUBSCRIPTIONS_PER_USER: '2', MAX_SUBSCRIPTIONS: '4' } });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await h?.close();
});

describe('subscription limits', () => {
  it("a user's third stream is refused (RATE_LIMITED) while others' are not; the fifth in total is refused; closing one frees its place", async () => {
    const [carol, dave, erin, frank] = await Promise.all(['carol', 'dave', 'erin', 'frank'].map((u) => h.token(u)));
    const c1 = await watch(carol!);
    const c2 = await watch(carol!);
    const c3 = await watch(carol!);
    const refused = await c3.next();
    expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.errors[0].message).toContain('for this user');
    expect(await ended(c1)).toBe(false);

    const d1 = await watch(dave!);
    const e1 = await watch(erin!);
    expect(await ended(d1)).toBe(false);
    expect(await ended(e1)).toBe(false);
    // Four open (carol 2, dave, erin): the server's total is reached.
    const f1 = await watch(frank!);
    const full = await f1.next();
    expect(full.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(full.errors[0].message).toContain('on this server');

    // Carol closes one: her next stream is accepted again.
    await c2.close();
    await eventually(async () => {
      const s = await watch(carol!);
      const ok = !(await s.next(200).then((m: { errors?: unknown }) => !!m.errors, () => false));
      if (!ok) await s.close();
      return ok;
    }, 5_000);
  });

  it('a stream ends by itself when its token expires, and delivers nothing afterwards', async () => {
    const long = await h.token('gina');
    const c = await linkConnection(h, long, 'PLAID');
    // A fresh user (no streams yet): exp two seconds ahead.
    const short = await h.token('gina', { expiresIn: '2s' });
    await Promise.all(open.splice(0).map((s) => s.close()));
    const s = await watch(short);
    expect(s.status).toBe(200);
    expect(await ended(s)).toBe(false);
    // Ends shortly after exp (generous bound for a loaded machine).
    await eventually(() => ended(s), 8_000);
    const r = await h.gql(long, RESET, { input: { connectionId: c.id } });
    expect(r.body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
    expect(s.pending()).toEqual([]);
  });
});
