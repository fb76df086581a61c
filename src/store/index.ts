// Picks the store driver from configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR.
// Each driver is loaded only when chosen (the embedded default never loads `pg`; with PostgreSQL, PGlite is never loaded).
import type { TokenCipher } from './crypto.js';
import type { SqlConnectionStore } from './sql-store.js';

export async function openStore(config: {
  databaseUrl: string | null;
  dataDir: string;
  cipher: TokenCipher;
  poolSize?: number;
  onPoolError?: (err: Error) => void;
}): Promise<SqlConnectionStore> {
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({
      connectionString: config.databaseUrl,
      cipher: config.cipher,
      ...(config.poolSize !== undefined ? { poolSize: config.poolSize } : {}),
      ...(config.onPoolError ? { onPoolError: config.onPoolError } : {}),
    });
  }
  const { openPgliteStore } = await import('./pglite.js');
  return openPgliteStore({ dataDir: config.dataDir, cipher: config.cipher });
}

export { createTokenCipher, parseEncryptionKey, generateEncryptionKey, loadOrCreateKeyFile, TokenDecryptionError, InvalidEncryptionKeyError } from './crypto.js';
export type { TokenCipher } from './crypto.js';
export { createSqlStore, InvalidCursorError, isUuid } from './sql-store.js';
export type { SqlConnectionStore } from './sql-store.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
export type { Database } from './schema.js';
