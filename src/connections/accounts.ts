import type { ConnectionRecord } from '../domain/connection.js';
import type { ConnectionRef } from '../providers/provider.js';
import type { ConnectionStore } from '../store/store.js';
import { refOf } from './access.js';

/**
 * Account re-reads outside a caller's request (a provider announced account or balance changes).
 * Every re-read goes through lifecycle's readAndApply: one getAccounts call, whose state and
 * accounts are applied together.
 */
export function createAccounts(deps: {
  store: ConnectionStore;
  readAndApply(r: ConnectionRecord, ref: ConnectionRef): Promise<ConnectionRecord>;
}) {
  return {
    async reread(id: string): Promise<void> {
      const found = await deps.store.getConnectionWithCredential(id);
      if (found) await deps.readAndApply(found.record, refOf(found.record, found.credential));
    },
  };
}
