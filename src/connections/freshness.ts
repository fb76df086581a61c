import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Caller } from '../auth/auth.js';
import type { ConnectionRef } from '../providers/provider.js';
import type { ConnectionRecord } from '../domain/connection.js';
import type { AccountRecord, ConnectionStore, TransactionRecord } from '../store/store.js';
import { refOf, visibleTo } from './access.js';
import { needsRefresh } from './rules.js';

export interface FreshnessDeps {
  store: ConnectionStore;
  logger: Logger;
  now: () => Date;
  statusMaxAgeSeconds: number;
  /** Providers without an adapter answer their stored state. */
  isConfigured(provider: ConnectionRecord['provider']): boolean;
  /** Re-read one connection from its provider and apply the state (reads.ts). */
  readAndApply(r: ConnectionRecord, ref: ConnectionRef): Promise<ConnectionRecord>;
}

export interface ConnectionLoader {
  load(id: string): Promise<ConnectionRecord | null>;
  /** Records from a list query, freshened; later load()s of the same ids reuse them. */
  freshen(records: ConnectionRecord[]): Promise<ConnectionRecord[]>;
  /** A connection's stored accounts; one store read for all connections of a page. */
  accounts(connectionId: string): Promise<AccountRecord[]>;
  /** An account by id, when its connection is visible to the caller (else null, like a missing one). */
  account(id: string): Promise<AccountRecord | null>;
  /** A transaction by id, when its connection is visible to the caller (else null). */
  transaction(id: string): Promise<TransactionRecord | null>;
}

/**
 * Per-request loader (contract section 5a): batched store reads, and a re-read from the provider
 * for stale connections, at most once per connection per request. A provider failure keeps the
 * stored state.
 */
export function createFreshnessLoader(deps: FreshnessDeps, caller: Caller): ConnectionLoader {
  const { store, logger } = deps;
  const fresh = new DataLoader<string, ConnectionRecord | null>(async (ids) => {
    const rows = await store.getConnections(ids);
    return Promise.all(rows.map((r) => (visibleTo(caller, r) ? refreshIfStale(r) : null)));
  });
  // Secrets of the stale ones, batched: one store read for a page, not one per connection.
  const credentials = new DataLoader<string, string | null>((ids) => store.getCredentials(ids));
  // One re-read per connection per request, whichever path (list or by id) asks first.
  const reads = new Map<string, Promise<ConnectionRecord>>();

  function refreshIfStale(r: ConnectionRecord): Promise<ConnectionRecord> {
    if (!needsRefresh(r.stateRefreshedAt, deps.statusMaxAgeSeconds, deps.now()) || !deps.isConfigured(r.provider)) {
      return Promise.resolve(reads.get(r.id) ?? r);
    }
    let p = reads.get(r.id);
    if (!p) {
      p = credentials.load(r.id).then((credential) => deps.readAndApply(r, refOf(r, credential))).catch((e: unknown) => {
        logger.warn({ connectionId: r.id, provider: r.provider, err: (e as Error).message }, 'freshness re-read failed; answering stored state');
        return r;
      });
      reads.set(r.id, p);
    }
    return p;
  }

  const accounts = new DataLoader<string, AccountRecord[]>((ids) => store.listAccounts(ids));
  const accountById = new DataLoader<string, AccountRecord | null>((ids) => store.getAccounts(ids));
  const transactionById = new DataLoader<string, TransactionRecord | null>((ids) => store.getTransactions(ids));
  /** The row when the caller may see its connection; the connection is loaded (and freshened) like any other. */
  async function owned<T extends { connectionId: string }>(row: T | null): Promise<T | null> {
    return row && (await fresh.load(row.connectionId)) ? row : null;
  }

  return {
    load: (id) => fresh.load(id),
    accounts: (connectionId) => accounts.load(connectionId),
    account: async (id) => owned(await accountById.load(id)),
    transaction: async (id) => owned(await transactionById.load(id)),
    async freshen(records) {
      const out = await Promise.all(records.map(refreshIfStale));
      for (const r of out) fresh.clear(r.id).prime(r.id, r);
      return out;
    },
  };
}
