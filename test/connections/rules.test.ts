import { describe, expect, it } from 'vitest';
import type { ConnectionStatus, ProviderConnectionState } from '../../src/domain/connection.js';
import {
  deriveStatus,
  isStaleSource,
  needsRefresh,
  nextEventMark,
  patchFromEffect,
  patchFromRead,
  type StateSource,
} from '../../src/connections/rules.js';
import type { ConnectionRecord } from '../../src/store/store.js';

// The state rules as tables, with a fixed clock: no harness, no store, no provider.
const NOW = new Date('2026-11-29T12:00:00.000Z');
const at = (iso: string) => new Date(iso);
const DAY = 24 * 3600 * 1000;
const inDays = (d: number) => new Date(NOW.getTime() + d * DAY);

const LOGIN = { providerCode: 'ITEM_LOGIN_REQUIRED', providerType: 'ITEM_ERROR', message: 'm', displayMessage: null };

function record(over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    id: 'c1', provider: 'PLAID', providerConnectionId: 'item-1', providerUserId: null, userId: 'u1', sandbox: true,
    status: 'CONNECTED', error: null, institution: null, products: ['transactions'], consentExpiresAt: null, expiringUntil: null,
    lastSyncedAt: null, statusChangedAt: at('2026-11-01T00:00:00Z'), stateRefreshedAt: at('2026-11-01T00:00:00Z'),
    lastEventAt: null, createdAt: at('2026-11-01T00:00:00Z'), version: 1, accountsUpdatedAt: null, transactionsUpdatedAt: null, ...over,
  };
}

function read(over: Partial<ProviderConnectionState> = {}): ProviderConnectionState {
  return { status: 'CONNECTED', error: null, institution: null, products: [], consentExpiresAt: null, lastSyncedAt: null, ...over };
}

describe('deriveStatus', () => {
  const rows: [string, ConnectionStatus, Date | null, Date | null, ConnectionStatus][] = [
    ['healthy, no dates', 'CONNECTED', null, null, 'CONNECTED'],
    ['consent ends in 6 days', 'CONNECTED', inDays(6), null, 'EXPIRING'],
    ['consent ends in exactly 7 days', 'CONNECTED', inDays(7), null, 'EXPIRING'],
    ['consent ends in 8 days', 'CONNECTED', inDays(8), null, 'CONNECTED'],
    ['consent already ended', 'CONNECTED', inDays(-1), null, 'CONNECTED'],
    ['announced expiry ahead', 'CONNECTED', null, inDays(30), 'EXPIRING'],
    ['announced expiry passed', 'CONNECTED', null, inDays(-1), 'CONNECTED'],
    ['broken login stays broken despite expiry', 'LOGIN_REQUIRED', inDays(1), inDays(1), 'LOGIN_REQUIRED'],
    ['institution error is not masked', 'INSTITUTION_ERROR', null, inDays(3), 'INSTITUTION_ERROR'],
  ];
  it.each(rows)('%s', (_name, base, consent, until, expected) => {
    expect(deriveStatus(base, consent, until, NOW)).toBe(expected);
  });
});

describe('ordering of reads and events', () => {
  const last = at('2026-11-29T11:00:00.000Z');
  const rows: [string, StateSource, Date | null, boolean][] = [
    ['event after the last change', { kind: 'webhook', occurredAt: at('2026-11-29T11:00:01Z') }, last, false],
    ['event at the same instant', { kind: 'webhook', occurredAt: last }, last, false],
    ['event before the last change', { kind: 'webhook', occurredAt: at('2026-11-29T10:59:59Z') }, last, true],
    ['event without a time', { kind: 'webhook', occurredAt: null }, last, false],
    ['read begun before the last change', { kind: 'read', startedAt: at('2026-11-29T10:59:00Z') }, last, true],
    ['read begun after it', { kind: 'read', startedAt: at('2026-11-29T11:00:05Z') }, last, false],
    ['nothing applied yet', { kind: 'webhook', occurredAt: at('2020-01-01T00:00:00Z') }, null, false],
  ];
  it.each(rows)('%s', (_name, source, lastEventAt, stale) => {
    expect(isStaleSource(source, lastEventAt)).toBe(stale);
  });

  it('a read marks its state a second before it began, so a same-second event still applies', () => {
    const mark = nextEventMark({ kind: 'read', startedAt: at('2026-11-29T11:00:00.400Z') }, null, NOW);
    expect(mark.toISOString()).toBe('2026-11-29T10:59:59.400Z');
    expect(isStaleSource({ kind: 'webhook', occurredAt: at('2026-11-29T11:00:00.000Z') }, mark)).toBe(false);
  });
  it('the mark never moves backwards', () => {
    const later = at('2026-11-29T11:30:00Z');
    expect(nextEventMark({ kind: 'webhook', occurredAt: at('2026-11-29T11:00:00Z') }, later, NOW)).toEqual(later);
    expect(nextEventMark({ kind: 'webhook', occurredAt: null }, later, NOW)).toEqual(NOW);
  });
});

describe('patchFromRead', () => {
  it('a healthy re-read does not clear an announced expiry', () => {
    const p = patchFromRead(read(), NOW)(record({ status: 'EXPIRING', expiringUntil: inDays(5) }));
    expect(p).toMatchObject({ status: 'EXPIRING', expiringUntil: inDays(5) });
  });
  it('a completed update mode ends the announced expiry', () => {
    const p = patchFromRead(read(), NOW, true)(record({ status: 'EXPIRING', expiringUntil: inDays(5) }));
    expect(p).toMatchObject({ status: 'CONNECTED', expiringUntil: null });
  });
  it('a renewed consent date beyond the window ends the announced expiry', () => {
    const p = patchFromRead(read({ consentExpiresAt: inDays(90) }), NOW)(record({ status: 'EXPIRING', expiringUntil: inDays(5), consentExpiresAt: inDays(5) }));
    expect(p).toMatchObject({ status: 'CONNECTED', expiringUntil: null, consentExpiresAt: inDays(90) });
  });
  it('an expiry whose date has passed is dropped', () => {
    expect(patchFromRead(read(), NOW)(record({ expiringUntil: inDays(-1) }))).toMatchObject({ status: 'CONNECTED', expiringUntil: null });
  });
  it('an error read replaces the status and keeps known institution and products when the read has none', () => {
    const institution = { id: 'ins_1', name: 'Bank', logoUrl: null, primaryColor: null };
    const p = patchFromRead(read({ status: 'LOGIN_REQUIRED', error: LOGIN }), NOW)(record({ institution }));
    expect(p).toMatchObject({ status: 'LOGIN_REQUIRED', error: LOGIN, institution, products: ['transactions'] });
  });
});

describe('patchFromEffect', () => {
  it('a state equal to the stored one is no change (replays are harmless)', () => {
    expect(patchFromEffect({ kind: 'state', status: 'LOGIN_REQUIRED', error: LOGIN }, NOW)(record({ status: 'LOGIN_REQUIRED', error: LOGIN }))).toBeNull();
  });
  it('a new error code on the same status is a change', () => {
    const other = { ...LOGIN, providerCode: 'INVALID_CREDENTIALS' };
    expect(patchFromEffect({ kind: 'state', status: 'LOGIN_REQUIRED', error: other }, NOW)(record({ status: 'LOGIN_REQUIRED', error: LOGIN }))).toEqual({ status: 'LOGIN_REQUIRED', error: other });
  });
  it('an announced expiry makes a healthy connection EXPIRING; the same announcement again is no change', () => {
    const e = { kind: 'expiring' as const, until: inDays(3) };
    expect(patchFromEffect(e, NOW)(record())).toEqual({ expiringUntil: inDays(3), status: 'EXPIRING' });
    expect(patchFromEffect(e, NOW)(record({ status: 'EXPIRING', expiringUntil: inDays(3) }))).toBeNull();
  });
  it('an announced expiry does not hide a broken login', () => {
    expect(patchFromEffect({ kind: 'expiring', until: inDays(3) }, NOW)(record({ status: 'LOGIN_REQUIRED', error: LOGIN }))).toMatchObject({ status: 'LOGIN_REQUIRED' });
  });
  it('repaired heals and clears the expiry; on a healthy connection it changes nothing', () => {
    expect(patchFromEffect({ kind: 'repaired' }, NOW)(record({ status: 'LOGIN_REQUIRED', error: LOGIN, expiringUntil: inDays(2) }))).toEqual({ status: 'CONNECTED', error: null, expiringUntil: null });
    expect(patchFromEffect({ kind: 'repaired' }, NOW)(record())).toBeNull();
  });
  it('none changes nothing', () => {
    expect(patchFromEffect({ kind: 'none' }, NOW)(record({ status: 'LOGIN_REQUIRED' }))).toBeNull();
  });
});

describe('needsRefresh', () => {
  it.each([
    [299, false],
    [300, false],
    [301, true],
  ])('state %i s old with a 300 s bound: %s', (age, expected) => {
    expect(needsRefresh(new Date(NOW.getTime() - age * 1000), 300, NOW)).toBe(expected);
  });
});
