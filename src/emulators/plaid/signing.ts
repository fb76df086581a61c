// Webhook signing as Plaid documents it (REFERENCE.md 5.2): a compact JWS in `Plaid-Verification`,
// header {alg: ES256, kid, typ: JWT}, claims {iat, request_body_sha256}. Own code, node:crypto only.
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export type PlaidJwk = {
  alg: 'ES256';
  crv: 'P-256';
  kid: string;
  kty: 'EC';
  use: 'sig';
  x: string;
  y: string;
  created_at: number;
  expired_at: number | null;
};

type SigningKey = { kid: string; privateKey: KeyObject; jwk: PlaidJwk };

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

export class WebhookSigner {
  private readonly keys = new Map<string, SigningKey>();
  private current!: SigningKey;

  constructor(private readonly nowMs: () => number) {
    this.current = this.generate();
  }

  private generate(): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = publicKey.export({ format: 'jwk' });
    const kid = randomUUID();
    const key: SigningKey = {
      kid,
      privateKey,
      jwk: {
        alg: 'ES256',
        crv: 'P-256',
        kid,
        kty: 'EC',
        use: 'sig',
        x: String(pub.x),
        y: String(pub.y),
        created_at: Math.floor(this.nowMs() / 1000),
        expired_at: null,
      },
    };
    this.keys.set(kid, key);
    return key;
  }

  get currentKeyId(): string {
    return this.current.kid;
  }

  /** New key becomes current; previous keys optionally get `expired_at` (still served by key/get). */
  rotate(expirePrevious: boolean): string {
    const now = Math.floor(this.nowMs() / 1000);
    if (expirePrevious) {
      for (const k of this.keys.values()) if (k.jwk.expired_at === null) k.jwk.expired_at = now;
    }
    this.current = this.generate();
    return this.current.kid;
  }

  publicKey(kid: string): PlaidJwk | undefined {
    const k = this.keys.get(kid);
    return k ? { ...k.jwk } : undefined;
  }

  /** Signs the exact body bytes; returns the `Plaid-Verification` header value. */
  sign(body: string): string {
    const header = b64url(JSON.stringify({ alg: 'ES256', kid: this.current.kid, typ: 'JWT' }));
    const claims = b64url(
      JSON.stringify({
        iat: Math.floor(this.nowMs() / 1000),
        request_body_sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
      }),
    );
    const input = `${header}.${claims}`;
    // JWS ES256 wants the raw r||s form, not DER.
    const sig = sign('sha256', Buffer.from(input), { key: this.current.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  }
}
