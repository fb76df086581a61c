import type { MoneyKitClient } from './client.js';
import { institutionSchema, type MoneyKitInstitution } from './schemas.js';

/**
 * In-memory cache of `GET /institutions/{id}` (name, color). Institutions change rarely and
 * the endpoint is rate-limited per app, so answers are kept for `ttlMs`; concurrent reads of
 * one id share one request. A failed lookup never fails the caller: it yields null (the link's
 * own institution fields are used) and is remembered briefly so a down endpoint is not hammered.
 */

export interface InstitutionCacheOptions {
  client: MoneyKitClient;
  now: () => number;
  /** Found institutions. Default 1 hour. */
  ttlMs?: number;
  /** Unknown ids and failed lookups. Default 60 s. */
  failureTtlMs?: number;
  /** Oldest entries are dropped beyond this. Default 1000. */
  maxEntries?: number;
}

export interface InstitutionCache {
  get(institutionId: string): Promise<MoneyKitInstitution | null>;
}

export function createInstitutionCache(o: InstitutionCacheOptions): InstitutionCache {
  const ttlMs = o.ttlMs ?? 3_600_000;
  const failureTtlMs = o.failureTtlMs ?? 60_000;
  const maxEntries = o.maxEntries ?? 1000;
  const entries = new Map<string, { value: MoneyKitInstitution | null; expiresAt: number }>();
  const inflight = new Map<string, Promise<MoneyKitInstitution | null>>();

  function remember(id: string, value: MoneyKitInstitution | null, forMs: number): void {
    entries.delete(id);
    entries.set(id, { value, expiresAt: o.now() + forMs });
    // Map keeps insertion order: the first key is the oldest.
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  }

  async function load(id: string): Promise<MoneyKitInstitution | null> {
    try {
      const inst = await o.client.json(
        { op: 'institutions.get', method: 'GET', path: `/institutions/${encodeURIComponent(id)}`, idempotent: true },
        institutionSchema,
      );
      remember(id, inst, ttlMs);
      return inst;
    } catch {
      remember(id, null, failureTtlMs);
      return null;
    }
  }

  return {
    get(id) {
      const hit = entries.get(id);
      if (hit && o.now() < hit.expiresAt) return Promise.resolve(hit.value);
      let p = inflight.get(id);
      if (!p) {
        p = load(id).finally(() => inflight.delete(id));
        inflight.set(id, p);
      }
      return p;
    },
  };
}
