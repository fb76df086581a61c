import { createHash, createHmac, KeyObject, sign as signBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { request } from 'undici';
import type { WebhookVerifier } from '../../../src/providers/webhook.js';
import { WebhookVerificationError } from '../../../src/providers/webhook.js';

/** A P-256 signing key as a provider holds it: private half for us, public JWK for the key server. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function makeKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicJwk: await exportJWK(publicKey), publicPem: await exportSPKI(publicKey) };
}

export const sha256Hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Sign a delivery exactly as Plaid and MoneyKit do: ES256 JWS over {iat, request_body_sha256[, iss]}. */
export async function sign(
  body: Buffer | string,
  key: SigningKey,
  o: { iat: number; kid?: string; claims?: Record<string, unknown>; omitIat?: boolean },
): Promise<string> {
  const claims: Record<string, unknown> = { request_body_sha256: sha256Hex(body), ...(o.omitIat ? {} : { iat: o.iat }), ...o.claims };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', kid: o.kid ?? key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

const b64u = (s: string): string => Buffer.from(s).toString('base64url');

/**
 * An ES256 JWS with any header and any payload text, as the parts appear on the wire: what a
 * careful forger can sign with a genuine key (node:crypto, r || s), for the header checks.
 */
export function signParts(key: SigningKey, headerPart: string, payloadPart: string): string {
  const input = `${headerPart}.${payloadPart}`;
  const sig = signBytes('sha256', Buffer.from(input, 'ascii'), { key: KeyObject.from(key.privateKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
export const claimsPart = (body: Buffer | string, iat: number): string => b64u(JSON.stringify({ iat, request_body_sha256: sha256Hex(body) }));
export const headerPart = (header: Record<string, unknown>): string => b64u(JSON.stringify(header));

/** `alg: none`: an unsigned token with an empty signature part. */
export function unsignedToken(body: Buffer | string, kid: string, iat: number): string {
  return `${b64u(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }))}.${b64u(JSON.stringify({ iat, request_body_sha256: sha256Hex(body) }))}.`;
}

/** The classic confusion attack: HS256 keyed with the provider's public key. */
export function hmacWithPublicKey(body: Buffer | string, kid: string, iat: number, secret: string): string {
  const input = `${b64u(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' }))}.${b64u(JSON.stringify({ iat, request_body_sha256: sha256Hex(body) }))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export async function rs256Token(body: Buffer | string, kid: string, iat: number): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify({ iat, request_body_sha256: sha256Hex(body) })))
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .sign(privateKey);
}

export const PLAID_CLIENT_ID = 'client-id-123';
export const PLAID_SECRET = 'plaid-secret-must-never-leak';
export const MONEYKIT_CLIENT_ID = 'mk-client-456';

/**
 * A small stand-in for the two key endpoints (not the emulators): Plaid's
 * /webhook_verification_key/get and MoneyKit's /.well-known/jwks.json, over real loopback HTTP,
 * checking credentials and counting every fetch.
 */
export class KeyServer {
  readonly plaidKeys = new Map<string, { key: SigningKey; expiredAt: number | null }>();
  readonly moneyKitKeys: SigningKey[] = [];
  readonly plaidFetches: string[] = [];
  jwksFetches = 0;
  /** Answer 500 to every key request while set. */
  failing = false;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/webhook_verification_key/get') {
      const { key_id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key_id: string };
      this.plaidFetches.push(key_id);
      if (this.failing) return send(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
      if (req.headers['plaid-client-id'] !== PLAID_CLIENT_ID || req.headers['plaid-secret'] !== PLAID_SECRET) {
        return send(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', error_message: 'bad keys' });
      }
      const k = this.plaidKeys.get(key_id);
      if (!k) {
        return send(400, {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
          error_message: 'invalid key_id provided',
          display_message: null,
          request_id: 'req-unknown',
        });
      }
      return send(200, {
        key: { ...k.key.publicJwk, alg: 'ES256', use: 'sig', kid: key_id, created_at: 1_560_466_143, expired_at: k.expiredAt },
        request_id: 'req-1',
      });
    }
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      this.jwksFetches++;
      if (this.failing) return send(500, { error_code: 'api_error.internal' });
      if (req.headers['x-client-id'] !== MONEYKIT_CLIENT_ID) return send(401, { error_code: 'api_error.auth.unauthorized' });
      return send(200, {
        keys: [
          // A key of another kind in the set must be skipped, not break the set.
          { kty: 'RSA', kid: 'rsa-enc', use: 'enc', n: 'AQAB', e: 'AQAB' },
          ...this.moneyKitKeys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' })),
        ],
      });
    }
    send(404, { error: 'not found' });
  }
}

/** Run verify and return the rejection reason (fails the test if it resolves). */
export async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WebhookVerificationError) return e.reason;
    throw e;
  }
  throw new Error('delivery was accepted');
}

/**
 * A webhook route as a user runs it: raw body and headers off a real HTTP request into the
 * verifier, 200 for a verified delivery, 401 with nothing echoed otherwise.
 */
export async function startReceiver(verifier: WebhookVerifier): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const v = await verifier.verify(Buffer.concat(chunks), req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ eventType: v.eventType, effect: v.effect }));
    } catch (e) {
      res.writeHead(e instanceof WebhookVerificationError ? 401 : 500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : null };
}
