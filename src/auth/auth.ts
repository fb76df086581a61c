import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';

/** Who is calling: the token's `sub`, and whether its scope includes `admin`. */
export interface Caller {
  userId: string;
  admin: boolean;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface AuthSettings {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
}

export interface Authenticator {
  /** Verify an Authorization header value; throws AuthError with a safe message. */
  authenticate(authorization: string | null | undefined): Promise<Caller>;
}

/**
 * How far in the future a token's `iat` may lie: issuers' clocks drift a little, but a token
 * "issued" later than that was minted with a wrong clock or to outlive a revocation.
 */
export const IAT_CLOCK_SKEW_SECONDS = 60;

/**
 * Verified tokens are remembered this long (never past their own `exp`): an app sends the same
 * bearer token on every request, and verifying it again each time was a measured share of the
 * gateway's CPU (WebCrypto through the thread pool). A token already verified is not checked
 * against the JWKS again within this window.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Bound on remembered tokens (least recently used dropped first): memory stays flat whatever callers send. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export function createAuthenticator(s: AuthSettings, clock: { now: () => number } = Date): Authenticator {
  // Import the HS256 secret once: jose re-imports a raw Uint8Array on every call (TOOLCHAIN.md).
  const secretKey: KeyObject | null = s.jwtSecret ? createSecretKey(Buffer.from(s.jwtSecret, 'utf8')) : null;
  const jwks: JWTVerifyGetKey | null = s.jwksUrl ? createRemoteJWKSet(new URL(s.jwksUrl)) : null;
  if (!secretKey && !jwks) throw new Error('authentication needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
  const common = {
    requiredClaims: ['exp', 'sub'],
    ...(s.issuer ? { issuer: s.issuer } : {}),
    ...(s.audience ? { audience: s.audience } : {}),
  };

  async function verify(token: string) {
    const currentDate = new Date(clock.now());
    // The header's alg picks the path; each path accepts only its own algorithms, so an
    // HS256 token can never be checked against a public key or the reverse.
    if (secretKey && (!jwks || peekAlg(token) === 'HS256')) {
      return (await jwtVerify(token, secretKey, { ...common, currentDate, algorithms: ['HS256'] })).payload;
    }
    return (await jwtVerify(token, jwks!, { ...common, currentDate, algorithms: ['RS256', 'ES256'] })).payload;
  }

  // Keyed by the token's SHA-256, so no bearer token outlives its request in memory. Only
  // tokens that passed every check below are remembered; failures are verified every time.
  const verified = new Map<string, { caller: Caller; untilMs: number }>();

  return {
    async authenticate(authorization) {
      const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization ?? '');
      if (!m) throw new AuthError('missing bearer token');
      const token = m[1]!;
      const key = createHash('sha256').update(token).digest('base64');
      const now = clock.now();
      const hit = verified.get(key);
      if (hit) {
        verified.delete(key);
        if (now < hit.untilMs) {
          verified.set(key, hit); // most recently used last
          return hit.caller;
        }
      }
      let payload;
      try {
        payload = await verify(token);
      } catch (e) {
        const code = (e as { code?: string }).code;
        throw new AuthError(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token');
      }
      if (typeof payload.iat === 'number' && payload.iat > now / 1000 + IAT_CLOCK_SKEW_SECONDS) throw new AuthError('invalid token');
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) throw new AuthError('invalid token subject');
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      // Shared by every request that presents this token while it is remembered: read-only.
      const caller: Caller = Object.freeze({ userId: sub, admin: scope.includes('admin') });
      // `exp` is required (requiredClaims), so every remembered token has an end.
      verified.set(key, { caller, untilMs: Math.min(now + VERIFIED_TOKEN_TTL_MS, (payload.exp as number) * 1000) });
      if (verified.size > VERIFIED_TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      return caller;
    },
  };
}

function peekAlg(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' ? header.alg : null;
  } catch {
    return null;
  }
}

/** Mint an HS256 token (demo mode and tests). */
export async function signDemoToken(
  secret: string,
  claims: { sub: string; scope?: string; expiresIn?: string | number; issuer?: string; audience?: string },
): Promise<string> {
  let jwt = new SignJWT(claims.scope ? { scope: claims.scope } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '24h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(createSecretKey(Buffer.from(secret, 'utf8')));
}

