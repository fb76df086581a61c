// Encryption at rest for provider secrets (Plaid access tokens, ...). AES-256-GCM with a fresh
// 12-byte IV per value. Blobs carry a scheme prefix so that keys or algorithms can rotate later.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const SCHEME = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface TokenCipher {
  /** `aad` binds the ciphertext to its owner (e.g. a row); decrypt must pass the same value. */
  encrypt(plain: string, aad?: string): string;
  decrypt(blob: string, aad?: string): string;
}

/** Decryption failed: wrong key, wrong AAD, tampered or malformed blob. Carries no secret. */
export class TokenDecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt stored secret: ${reason}`);
    this.name = 'TokenDecryptionError';
  }
}

export class InvalidEncryptionKeyError extends Error {
  constructor() {
    super(`encryption key must be exactly ${KEY_BYTES} bytes`);
    this.name = 'InvalidEncryptionKeyError';
  }
}

/** Stored data was encrypted with another key: starting would make every stored secret unreadable. */
export class EncryptionKeyMismatchError extends Error {
  constructor() {
    super('ENCRYPTION_KEY does not decrypt the data already stored (wrong key?); nothing was changed');
    this.name = 'EncryptionKeyMismatchError';
  }
}

/** A key whose bytes are all equal (all zero, all 0xff, ...): a placeholder, not a secret. */
export function isTriviallyWeakKey(key: Buffer): boolean {
  return key.length > 0 && key.every((b) => b === key[0]);
}

/**
 * @param key 32 bytes.
 * @param options.previousKeys older keys still accepted for decryption (key rotation); new
 *   values are always encrypted with `key`.
 */
export function createTokenCipher(key: Buffer, options: { previousKeys?: readonly Buffer[] } = {}): TokenCipher {
  const keys = [key, ...(options.previousKeys ?? [])].map((k) => {
    if (!Buffer.isBuffer(k) || k.length !== KEY_BYTES) throw new InvalidEncryptionKeyError();
    return Buffer.from(k); // a private copy: later changes to the caller's buffer do not leak in
  });
  const current = keys[0]!;

  return {
    encrypt(plain, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${SCHEME}:${Buffer.concat([iv, tag, ct]).toString('base64url')}`;
    },
    decrypt(blob, aad) {
      const sep = blob.indexOf(':');
      const scheme = sep < 0 ? '' : blob.slice(0, sep);
      if (scheme !== SCHEME) throw new TokenDecryptionError('unknown format');
      const raw = Buffer.from(blob.slice(sep + 1), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionError('truncated value');
      const iv = raw.subarray(0, IV_BYTES);
      const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const ct = raw.subarray(IV_BYTES + TAG_BYTES);
      for (const k of keys) {
        try {
          const d = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
          if (aad !== undefined) d.setAAD(Buffer.from(aad, 'utf8'));
          d.setAuthTag(tag);
          return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
        } catch {
          // try the next key; Node's own message says nothing secret, but ours is uniform anyway
        }
      }
      throw new TokenDecryptionError('authentication failed (wrong key, wrong binding or tampered value)');
    },
  };
}

/** Parses ENCRYPTION_KEY (base64 or base64url of 32 bytes). The message never echoes the value. */
export function parseEncryptionKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new InvalidEncryptionKeyError();
  return key;
}

export function generateEncryptionKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Development fallback when ENCRYPTION_KEY is unset (never in production, see CONTRACT.md
 * section 5): reads `file`, or creates it once with a fresh key (mode 0600). The key is written
 * to a temporary file and hard-linked into place, so a process starting at the same moment
 * either sees no file or the complete one, and both end up with the same key.
 */
export async function loadOrCreateKeyFile(file: string): Promise<{ key: Buffer; created: boolean }> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${generateEncryptionKey().toString('base64')}\n`, { mode: 0o600 });
  let created = true;
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    created = false;
  } finally {
    await unlink(tmp);
  }
  return { key: parseEncryptionKey(await readFile(file, 'utf8')), created };
}
