import { createHash, createPublicKey, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { ProviderName } from '../domain/connection.js';
import { createProviderHttpClient, type ProviderHttpClient } from './http.js';
import { WebhookVerificationError, type WebhookVerifier } from './webhook.js';

/* ------------------------------------------------------------------------------------------------
 * Signed-delivery core shared by the Plaid and MoneyKit verifiers. Both providers sign the same
 * way (compact ES256 JWS over {iat, request_body_sha256}); only the header name, the key source
 * and the payload differ.
 * ---------------------------------------------------------------------------------------------- */

export type WebhookHeaders = Record<string, string | string[] | undefined>;
export type VerificationKey = KeyObject;

/** The only algorithm either provider signs with; `none`, HS256 and RS256 are refused from the header. */
export const WEBHOOK_JWS_ALG = 'ES256';

/**
 * A provider's P-256 public key (JWK x and y) as a KeyObject, or throws when it is not a point of
 * that curve. Imported once per key and cached by the verifiers.
 */
export function importP256Key(x: string, y: string): VerificationKey {
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not a P-256 key');
  return key;
}

/** base64url without padding (RFC 7515 §2); an ES256 signature is 64 bytes, 86 characters. */
const B64URL = /^[A-Za-z0-9_-]*$/;
const ES256_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
/** A signed header larger than this is garbage, not a JWS from a provider. */
const MAX_SIGNATURE_LENGTH = 8_192;
const MAX_KID_LENGTH = 256;
export const DEFAULT_MAX_AGE_SECONDS = 300;
/** Clock skew tolerated for an iat slightly in the future. */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;

/** Case-insensitive header read (HTTP/2 lowercases names). Several differing values are refused. */
export function readSignatureHeader(headers: WebhookHeaders, name: string): string {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) values.push(one.trim());
  }
  const present = values.filter((v) => v !== '');
  if (present.length === 0) throw new WebhookVerificationError('missing_signature', `no ${name} header`);
  if (new Set(present).size > 1) throw new WebhookVerificationError('malformed_signature', `several ${name} values`);
  return present[0] as string;
}

const signedClaimsSchema = z.looseObject({
  iat: z.number().finite(),
  request_body_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/),
  iss: z.string().optional(),
});

export interface SignedDeliveryCheck {
  headerName: string;
  rawBody: Buffer;
  headers: WebhookHeaders;
  /** Resolves the verification key for a kid, or throws WebhookVerificationError. */
  resolveKey: (kid: string) => Promise<VerificationKey>;
  nowMs: number;
  maxAgeSeconds: number;
  maxFutureSkewSeconds: number;
  /** When set and the claims carry `iss`, it must equal this. */
  expectedIssuer?: string | null;
}

export interface VerifiedDelivery {
  kid: string;
  iat: number;
  iss: string | null;
  /**
   * Names one signing (ES256 signatures are randomized: one per signed delivery), whatever
   * re-encoding of its signature arrived: see signingId.
   */
  signingId: string;
}

/** P-256 group order: (r, s) and (r, n - s) both verify, so a signature is taken in its low-S form. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * Hash of the signing input and the signature as numbers (r, low-S s) rather than as text: the
 * high-S twin and the spare bits of the last base64url character give the same id. Only called
 * on a verified ES256 JWS, whose signature decodes to 64 bytes.
 */
function signingId(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const sig = Buffer.from(jws.slice(dot + 1), 'base64url');
  const s = BigInt('0x' + sig.subarray(32).toString('hex'));
  const lowS = s > P256_ORDER / 2n ? P256_ORDER - s : s;
  return createHash('sha256')
    .update(jws.slice(0, dot + 1))
    .update(sig.subarray(0, 32))
    .update(Buffer.from(lowS.toString(16).padStart(64, '0'), 'hex'))
    .digest('hex');
}

/** Header, algorithm, key, signature, age, body hash: in that order, each failure with its own reason. */
export async function verifySignedDelivery(c: SignedDeliveryCheck): Promise<VerifiedDelivery> {
  const jws = readSignatureHeader(c.headers, c.headerName);
  if (jws.length > MAX_SIGNATURE_LENGTH || jws.split('.').length !== 3) {
    throw new WebhookVerificationError('malformed_signature', 'not a compact JWS');
  }
  const [protectedPart, payloadPart, signaturePart] = jws.split('.') as [string, string, string];
  if (!B64URL.test(protectedPart) || !B64URL.test(payloadPart)) {
    throw new WebhookVerificationError('malformed_signature', 'not a compact JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(protectedPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WebhookVerificationError('malformed_signature', 'undecodable JWS header');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new WebhookVerificationError('malformed_signature', 'undecodable JWS header');
  }
  // Decided from the unverified header before any key is touched (algorithm-confusion defence).
  if (header.alg !== WEBHOOK_JWS_ALG) {
    throw new WebhookVerificationError('bad_algorithm', `alg ${String(header.alg).slice(0, 20)} refused`);
  }
  // Extensions the signer marks critical (RFC 7515 §4.1.11, e.g. an unencoded payload) are not understood here.
  if ('crit' in header || 'b64' in header) {
    throw new WebhookVerificationError('bad_algorithm', 'critical JWS extensions refused');
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) {
    throw new WebhookVerificationError('malformed_signature', 'missing or oversized kid');
  }

  const key = await c.resolveKey(kid);

  // node:crypto's synchronous ECDSA check, with the signature as JWS writes it (r || s): about 1.5x
  // jose's WebCrypto rate and no thread-pool round trip per delivery (BENCHMARKS.md, round 4).
  const signed = ES256_SIGNATURE.test(signaturePart) && verifySignature(
    'sha256',
    Buffer.from(`${protectedPart}.${payloadPart}`, 'ascii'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) throw new WebhookVerificationError('bad_signature', 'signature does not verify');
  const payload = Buffer.from(payloadPart, 'base64url');

  let claimsJson: unknown;
  try {
    claimsJson = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('malformed_signature', 'signed payload is not JSON');
  }
  const claims = signedClaimsSchema.safeParse(claimsJson);
  if (!claims.success) {
    throw new WebhookVerificationError('malformed_signature', 'signed payload lacks iat or request_body_sha256');
  }
  const { iat, iss, request_body_sha256 } = claims.data;

  if (c.expectedIssuer && iss !== undefined && iss !== c.expectedIssuer) {
    throw new WebhookVerificationError('bad_signature', 'unexpected issuer');
  }

  const nowSeconds = c.nowMs / 1000;
  if (nowSeconds - iat > c.maxAgeSeconds) throw new WebhookVerificationError('stale', 'iat too old');
  if (iat - nowSeconds > c.maxFutureSkewSeconds) throw new WebhookVerificationError('stale', 'iat in the future');

  // Hash the bytes as received: re-serialised JSON (Plaid indents with 2 spaces) would not match.
  const actual = createHash('sha256').update(c.rawBody).digest();
  const claimed = Buffer.from(request_body_sha256, 'hex');
  if (claimed.length !== actual.length || !timingSafeEqual(actual, claimed)) {
    throw new WebhookVerificationError('body_hash_mismatch', 'body does not match request_body_sha256');
  }
  return { kid, iat, iss: iss ?? null, signingId: signingId(jws) };
}

/** Parse a JSON webhook body into an object, or malformed_body (only called after the hash matched). */
export function parseJsonObject(rawBody: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('malformed_body', 'body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new WebhookVerificationError('malformed_body', 'body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A verifier that owns an HTTP pool for its key fetches. */
export interface ClosableWebhookVerifier extends WebhookVerifier {
  close(): Promise<void>;
}

/** The HTTP client a verifier fetches keys with: short timeouts, since the provider waits for our answer. */
export function createKeyFetchClient(provider: ProviderName, baseUrl: string, dispatcher?: Dispatcher): ProviderHttpClient {
  return createProviderHttpClient({
    provider,
    baseUrl,
    ...(dispatcher ? { dispatcher } : {}),
    // Plaid waits 10 s for our answer; a key fetch must fit well inside it.
    timeouts: { connectMs: 2_000, headersMs: 3_000, bodyMs: 3_000 },
    retry: { retries: 1, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 1_000 },
    maxResponseBytes: 64 * 1024,
  });
}
