import type { ConnectionRecord, ConnectionStatus, ProviderConnectionState } from '../domain/connection.js';
import type { ConnectionStatePatch } from '../store/store.js';
import type { WebhookEffect } from '../domain/webhook.js';

// The connection state rules as pure functions: no I/O, `now` always passed in. The service's
// state applier (apply.ts) is their only caller besides the table tests.

/** A healthy connection whose consent ends within this window is EXPIRING (contract section 3). */
export const EXPIRING_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * Provider event times can be whole seconds (Plaid's iat) while reads are timed to the
 * millisecond: a read marks the state as of a second before it began, so an event from the
 * same second is still applied, and an event clearly older than the read is not.
 */
export const READ_ORDER_SLACK_MS = 1_000;

/** Where a state came from; webhooks carry a provider time that orders them. */
export type StateSource = { kind: 'read'; startedAt: Date } | { kind: 'webhook'; occurredAt: Date | null };

/** The time a read started, as the state's "as of" mark (see READ_ORDER_SLACK_MS). */
export function readMark(startedAt: Date): Date {
  return new Date(startedAt.getTime() - READ_ORDER_SLACK_MS);
}

/**
 * Older information never overwrites newer: an event from before the last applied change, or a
 * read that began before it, is stale.
 */
export function isStaleSource(source: StateSource, lastEventAt: Date | null): boolean {
  const at = source.kind === 'read' ? source.startedAt : source.occurredAt;
  return !!at && !!lastEventAt && at < lastEventAt;
}

/** The record's new "as of" mark once a state from `source` is applied at `now`. */
export function nextEventMark(source: StateSource, lastEventAt: Date | null, now: Date): Date {
  const mark = source.kind === 'read' ? readMark(source.startedAt) : (source.occurredAt ?? now);
  return lastEventAt && lastEventAt > mark ? lastEventAt : mark;
}

/** The status a connection shows: a healthy one with an announced end of access is EXPIRING. */
export function deriveStatus(base: ConnectionStatus, consentExpiresAt: Date | null, expiringUntil: Date | null, now: Date): ConnectionStatus {
  if (base !== 'CONNECTED') return base;
  const t = now.getTime();
  if (expiringUntil && expiringUntil.getTime() > t) return 'EXPIRING';
  if (consentExpiresAt && consentExpiresAt.getTime() > t && consentExpiresAt.getTime() - t <= EXPIRING_WINDOW_MS) return 'EXPIRING';
  return 'CONNECTED';
}

/** Two errors are the same change when code and type match (messages may be reworded). */
export function sameError(a: ConnectionRecord['error'], b: ConnectionRecord['error']): boolean {
  return (a?.providerCode ?? null) === (b?.providerCode ?? null) && (a?.providerType ?? null) === (b?.providerType ?? null);
}

/** A computed change to a stored connection; null: nothing to change. */
export type StatePatchFn = (r: ConnectionRecord) => ConnectionStatePatch | null;

/** A provider read's state; `lastSyncedAt` absent when the read does not carry it (the stored one stands). */
export type ReadState = Omit<ProviderConnectionState, 'lastSyncedAt'> & { lastSyncedAt?: Date | null };

/**
 * Patch from a full provider read. `updateCompleted`: the client reported a finished update
 * mode, which ends an announced expiry.
 */
export function patchFromRead(s: ReadState, now: Date, updateCompleted = false): StatePatchFn {
  return (r) => {
    const t = now.getTime();
    let expiringUntil = updateCompleted ? null : r.expiringUntil;
    // A renewed consent (update mode done) clears an announced expiry; a plain healthy read does not.
    if (expiringUntil && s.consentExpiresAt?.getTime() !== r.consentExpiresAt?.getTime() &&
        (!s.consentExpiresAt || s.consentExpiresAt.getTime() - t > EXPIRING_WINDOW_MS)) {
      expiringUntil = null;
    }
    if (expiringUntil && expiringUntil.getTime() <= t) expiringUntil = null;
    return {
      status: deriveStatus(s.status, s.consentExpiresAt, expiringUntil, now),
      error: s.error,
      institution: s.institution ?? r.institution,
      products: s.products.length ? s.products : r.products,
      consentExpiresAt: s.consentExpiresAt,
      expiringUntil,
      lastSyncedAt: s.lastSyncedAt ?? r.lastSyncedAt,
    };
  };
}

/** Patch from a verified webhook's normalized effect; null when it would change nothing. */
export function patchFromEffect(effect: WebhookEffect, now: Date): StatePatchFn {
  return (r) => {
    switch (effect.kind) {
      case 'state': {
        const status = deriveStatus(effect.status, r.consentExpiresAt, r.expiringUntil, now);
        if (status === r.status && sameError(effect.error, r.error)) return null;
        return { status, error: effect.error };
      }
      case 'expiring': {
        if (r.expiringUntil?.getTime() === effect.until.getTime()) return null;
        return { expiringUntil: effect.until, status: deriveStatus(r.status === 'EXPIRING' ? 'CONNECTED' : r.status, r.consentExpiresAt, effect.until, now) };
      }
      case 'repaired': {
        if (r.status === 'CONNECTED' && !r.error && !r.expiringUntil) return null;
        return { status: deriveStatus('CONNECTED', r.consentExpiresAt, null, now), error: null, expiringUntil: null };
      }
      case 'updates':
        // The accounts part is a provider re-read (webhook-events.ts), not a patch.
        return effect.transactions ? { transactionsUpdatedAt: now } : null;
      case 'none':
        return null;
    }
  };
}

/** Stored state older than the freshness bound is re-read when queried (contract section 5a). */
export function needsRefresh(stateRefreshedAt: Date, maxAgeSeconds: number, now: Date): boolean {
  return now.getTime() - stateRefreshedAt.getTime() > maxAgeSeconds * 1000;
}
