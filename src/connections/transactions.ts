import type { Caller } from '../auth/auth.js';
import { accountRowId } from '../domain/account.js';
import { transactionRowId, type ProviderTransaction } from '../domain/transaction.js';
import { START_OF_HISTORY, syncDelta, type SyncCursorState } from '../domain/transactions-sync.js';
import { SYNC_PAGE_MAX, SYNC_PAGE_MIN } from '../providers/provider.js';
import type { ConnectionStore, TransactionRecord } from '../store/store.js';
import { loadOwned } from './access.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { ProviderCalls } from './provider-calls.js';

/** Page size when the client gives none (contract section 7). */
export const SYNC_DEFAULT_COUNT = 100;

export interface TransactionsSyncResult {
  added: TransactionRecord[];
  modified: TransactionRecord[];
  /** Transaction row ids (the same ids `added` gave them). */
  removed: string[];
  nextCursor: string;
  hasMore: boolean;
}

/**
 * Gateway cursors: "tsc1." + the id of a stored cursor row. The row (random UUID, unguessable)
 * holds the provider's cursor and the pending set, so the cursor carries no provider secret, and
 * the row names its connection, so a cursor works only for the connection it came from.
 */
const CURSOR_PREFIX = 'tsc1.';
const CURSOR_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeSyncCursor(rowId: string): string {
  return Buffer.from(CURSOR_PREFIX + rowId).toString('base64url');
}

function decodeSyncCursor(cursor: string): string | null {
  if (cursor.length > 100) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const id = text.slice(CURSOR_PREFIX.length);
  return CURSOR_PATTERN.test(id) && encodeSyncCursor(id) === cursor ? id : null;
}

const BAD_CURSOR = 'cursor is not a current cursor of this connection (cursors of long ago expire): pass back a nextCursor this connection returned, or null to start over.';

/** transactionsSync (contract section 7): one provider page per call, what it must remember kept in the store. */
export function createTransactionsSync(deps: { store: ConnectionStore; calls: ProviderCalls }) {
  const { store, calls } = deps;
  return {
    async sync(caller: Caller, input: { connectionId: string; cursor?: string | null; count?: number | null }): Promise<TransactionsSyncResult> {
      const count = input.count ?? SYNC_DEFAULT_COUNT;
      if (!Number.isInteger(count) || count < SYNC_PAGE_MIN || count > SYNC_PAGE_MAX) {
        throw new InvalidInputError(`count must be between ${SYNC_PAGE_MIN} and ${SYNC_PAGE_MAX}.`, 'count');
      }
      const cursorRowId = input.cursor == null ? null : decodeSyncCursor(input.cursor);
      if (input.cursor != null && !cursorRowId) throw new InvalidInputError(BAD_CURSOR, 'cursor');
      const { r, ref } = await loadOwned(store, caller, input.connectionId);
      let at: SyncCursorState = START_OF_HISTORY;
      if (cursorRowId) {
        const row = await store.getSyncCursor(cursorRowId);
        if (!row || row.connectionId !== r.id) throw new InvalidInputError(BAD_CURSOR, 'cursor');
        at = row;
      }
      const page = await calls.call(r.provider, (a) => a.syncTransactions(ref, { cursor: at.providerCursor, count }));
      const delta = syncDelta(at, page);
      const saved = await store.saveTransactionsPage(r.id, { upsert: [...delta.added, ...delta.modified], removed: delta.removed, cursor: delta.next });
      if (!saved) throw new NotFoundError();
      // A page names a handful of accounts: each account id is derived once.
      const accountIds = new Map<string, string>();
      const accountId = (providerAccountId: string): string => {
        let id = accountIds.get(providerAccountId);
        if (id === undefined) accountIds.set(providerAccountId, (id = accountRowId(r.id, providerAccountId)));
        return id;
      };
      const record = (t: ProviderTransaction): TransactionRecord => ({
        ...t,
        id: transactionRowId(r.id, t.providerTransactionId),
        connectionId: r.id,
        accountId: accountId(t.providerAccountId),
        updatedAt: saved.createdAt,
      });
      return {
        added: delta.added.map(record),
        modified: delta.modified.map(record),
        removed: delta.removed.map((id) => transactionRowId(r.id, id)),
        nextCursor: encodeSyncCursor(saved.id),
        hasMore: page.hasMore,
      };
    },
  };
}
