// One ConnectionStore over Kysely, shared by the PGlite and PostgreSQL drivers. The queries live
// in sql/, one part per kind of row; this file joins them into the port.
import { sql, type Kysely } from 'kysely';
import type { ConnectionStore } from './store.js';
import type { TokenCipher } from './crypto.js';
import { MIGRATIONS, migrate, schemaVersion } from './migrations.js';
import type { Database } from './schema.js';
import { accountTransactionQueries } from './sql/accounts-transactions.js';
import { connectionQueries } from './sql/connections.js';
import { verifyKey } from './sql/credentials.js';
import { providerUserQueries } from './sql/provider-users.js';
import { stateWriter } from './sql/state-writes.js';
import { webhookEventQueries } from './sql/webhook-events.js';

export { InvalidCursorError } from './sql/connections.js';
export { isUuid } from './sql/rows.js';
export { credentialAad } from './sql/credentials.js';

/** The port plus the Kysely handle (tests and admin tooling read raw rows through it). */
export interface SqlConnectionStore extends ConnectionStore {
  readonly db: Kysely<Database>;
}

export function createSqlStore(
  db: Kysely<Database>,
  opts: {
    cipher: TokenCipher;
    onClose?: () => Promise<void>;
    /**
     * Concurrent pages share one statement (default on). Off for the embedded engine: in-process
     * there is no round trip to share, and one result for many pages only grows its WebAssembly
     * heap (measured: +30-50 MB RSS after the page scenario, for no CPU gained).
     */
    sharePageStatements?: boolean;
  },
): SqlConnectionStore {
  const { cipher } = opts;
  let closed: Promise<void> | null = null;
  // One batcher for every compare-and-set, so re-reads and webhook deliveries share statements.
  const writeStateBatched = stateWriter(db);

  return {
    db,

    async migrate() {
      await migrate(db, MIGRATIONS, (trx) => verifyKey(trx, cipher));
    },

    schemaVersion: () => schemaVersion(db),

    async ping() {
      await sql`select 1`.execute(db);
    },

    close() {
      closed ??= (async () => {
        await db.destroy();
        await opts.onClose?.();
      })();
      return closed;
    },

    ...connectionQueries(db, cipher, writeStateBatched, opts.sharePageStatements ?? true),
    ...accountTransactionQueries(db, writeStateBatched),
    ...webhookEventQueries(db),
    ...providerUserQueries(db),
  };
}
