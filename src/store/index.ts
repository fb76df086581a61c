// Picks the store driver from configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR.
import type { TokenCipher } from './crypto.js';
import { openPgliteStore } from './pglite.js';
import { openPostgresStore } from './postgres.js';
import type { SqlConnectionStore } from './sql-store.js';

export async function openStore(config: {
  databaseUrl: string | null;
  dataDir: string;
  cipher: TokenCipher;
  poolSize?: number;
  onPoolError?: (err: Error) => void;
}): Promise<SqlConnectionStore> {
  if (config.databaseUrl) {
    return openPostgresStore({
      connectionString: config.databaseUrl,
      cipher: config.cipher,
      ...(config.poolSize !== undefined ? { poolSize: config.poolSize } : {}),
      ...(config.onPoolError ? { onPoolError: config.onPoolError } : {}),
    });
  }
  return openPgliteStore({ dataDir: config.dataDir, cipher: config.cipher });
}

export { createTokenCipher, parseEncryptionKey, generateEncryptionKey, loadOrCreateKeyFile, TokenDecryptionError, InvalidEncryptionKeyError } from './crypto.js';
export type { TokenCipher } from './crypto.js';
export { createSqlStore, InvalidCursorError, isUuid } from './sql-store.js';
export type { SqlConnectionStore } from './sql-store.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
export type { Database } from './schema.js';
export { openPgliteStore } from './pglite.js';
export { openPostgresStore } from './postgres.js';
