import { filter, pipe } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { createConnectionEvents } from '../../src/connections/events.js';
import type { ConnectionRecord } from '../../src/store/store.js';

const record = (id: string, userId = 'u1'): ConnectionRecord => ({
  id, provider: 'PLAID', providerConnectionId: `item-${id}`, providerUserId: null, userId, sandbox: true,
  status: 'CONNECTED', error: null, institution: null, products: [], consentExpiresAt: null, expiringUntil: null,
  lastSyncedAt: null, statusChangedAt: new Date(), stateRefreshedAt: new Date(), lastEventAt: null, createdAt: new Date(), version: 1,
  accountsUpdatedAt: null, transactionsUpdatedAt: null,
});

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms))]);

describe('connection events', () => {
  it('deliver published records, with dates intact', async () => {
    const events = createConnectionEvents();
    const it1 = events.subscribe()[Symbol.asyncIterator]();
    const next = it1.next();
    events.publish(record('a'));
    const { value } = await within(next, 500);
    expect(value.id).toBe('a');
    expect(value.createdAt).toBeInstanceOf(Date);
    await it1.return?.();
  });

  it('a closed, filtered stream lets go at once even when no event ever passes its filter', async () => {
    const events = createConnectionEvents();
    const seen: string[] = [];
    const stream = pipe(events.subscribe(), filter((r: ConnectionRecord) => {
      seen.push(r.id);
      return r.id === 'never';
    }))[Symbol.asyncIterator]();
    const pending = stream.next();
    events.publish(record('x'));
    await vi.waitFor(() => expect(seen).toEqual(['x']));
    await within(stream.return!(), 500);
    await within(pending, 500);
    // After return, later events reach other subscribers but are no longer examined by the closed stream.
    const witness = events.subscribe()[Symbol.asyncIterator]();
    const got = [witness.next(), witness.next()];
    for (const id of ['y', 'z']) events.publish(record(id));
    expect((await within(Promise.all(got), 500)).map((r) => r.value.id)).toEqual(['y', 'z']);
    expect(seen).toEqual(['x']);
    await witness.return?.();
  });
});
