// ES256 webhook signing with node:crypto only. The adapters' verifier tests sign with jose
// (WebCrypto), so the verifier meets two independent signers: a bug in one is caught by the other.
import { createHash, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { WEBHOOK_ISSUER } from './data.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };
}

export function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `mk_emu_${randomId(9)}`;
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' } };
}

/** Compact JWS over arbitrary claims (ES256, raw r||s signature as JOSE requires). */
export function signJws(key: SigningKey, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const input = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** The MoneyKit-Signature header for the exact body bytes. */
export function signWebhookBody(key: SigningKey, body: string, now = Date.now()): string {
  const request_body_sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
  return signJws(key, { iss: WEBHOOK_ISSUER, iat: Math.floor(now / 1000), request_body_sha256 });
}
