// The connection secret at rest: its binding to its row, and the check that the configured key
// decrypts what is stored.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { EncryptionKeyMismatchError, TokenDecryptionError, type TokenCipher } from '../crypto.js';

/** Binds a ciphertext to its row: copied to another connection it no longer decrypts. */
export const credentialAad = (provider: string, providerConnectionId: string): string =>
  JSON.stringify(['connection-credential', provider, providerConnectionId]);

/** The plaintext, or the decryption failure as a value (other errors still throw). */
export function tryDecrypt(cipher: TokenCipher, blob: string, aad: string): string | TokenDecryptionError {
  try {
    return cipher.decrypt(blob, aad);
  } catch (e) {
    if (e instanceof TokenDecryptionError) return e;
    throw e;
  }
}

const KEY_CHECK_AAD = 'encryption-key-check';

/**
 * Inside the migration transaction: the key must decrypt what is stored. The first start with
 * this schema writes a check value; a database from before the check is probed with one stored
 * credential. A wrong key throws, and the transaction (migrations included) rolls back.
 */
export async function verifyKey(trx: Kysely<any>, cipher: TokenCipher): Promise<void> {
  const decrypts = (blob: string, aad: string) => !(tryDecrypt(cipher, blob, aad) instanceof TokenDecryptionError);
  const check = await sql<{ ciphertext: string }>`select ciphertext from encryption_key_check where id = 1`.execute(trx);
  const stored = check.rows[0]?.ciphertext;
  if (stored !== undefined) {
    if (!decrypts(stored, KEY_CHECK_AAD)) throw new EncryptionKeyMismatchError();
    return;
  }
  const probe = await sql<{ provider: string; provider_connection_id: string; credential_ciphertext: string }>`
    select provider, provider_connection_id, credential_ciphertext from connections
    where credential_ciphertext is not null limit 1`.execute(trx);
  const row = probe.rows[0];
  if (row && !decrypts(row.credential_ciphertext, credentialAad(row.provider, row.provider_connection_id))) {
    throw new EncryptionKeyMismatchError();
  }
  await sql`insert into encryption_key_check (id, ciphertext) values (1, ${cipher.encrypt(randomUUID(), KEY_CHECK_AAD)}) on conflict (id) do nothing`.execute(trx);
}
