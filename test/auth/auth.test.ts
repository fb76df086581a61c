import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createAuthenticator, signDemoToken } from '../../src/auth/auth.js';

// Caller authentication on its own: HS256 secret, JWKS (RS256/ES256), iss/aud, scope.
let server: Server;
let jwksUrl: string;
let es: Awaited<ReturnType<typeof generateKeyPair>>;
let rs: Awaited<ReturnType<typeof generateKeyPair>>;
let jwksFetches = 0;

beforeAll(async () => {
  es = await generateKeyPair('ES256');
  rs = await generateKeyPair('RS256');
  const keys: JWK[] = [
    { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
  ];
  server = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const SECRET = 'a-demo-secret-that-is-long-enough-0123456789';
const none = { issuer: null, audience: null };

function signed(alg: 'ES256' | 'RS256', kid: string, claims: Record<string, unknown>, key: CryptoKey | Uint8Array) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt();
  if (!('exp' in claims)) jwt = jwt.setExpirationTime('10m');
  return jwt.sign(key as CryptoKey);
}

async function rejection(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AuthError);
  return (e as Error).message;
}

describe('HS256 secret', () => {
  const auth = createAuthenticator({ jwtSecret: SECRET, jwksUrl: null, ...none });

  it('accepts a valid token; scope admin marks internal tooling', async () => {
    expect(await auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'alice' })}`)).toEqual({ userId: 'alice', admin: false });
    expect(await auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'ops', scope: 'read admin' })}`)).toEqual({ userId: 'ops', admin: true });
    // "administrator" is not "admin": scopes are whole words.
    expect((await auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'x', scope: 'administrator' })}`)).admin).toBe(false);
  });

  it('refuses missing, expired, wrongly signed and exp-less tokens with safe messages', async () => {
    expect(await rejection(auth.authenticate(undefined))).toBe('missing bearer token');
    expect(await rejection(auth.authenticate('Token abc'))).toBe('missing bearer token');
    expect(await rejection(auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'a', expiresIn: Math.floor(Date.now() / 1000) - 5 })}`))).toBe('token expired');
    expect(await rejection(auth.authenticate(`Bearer ${await signDemoToken('another-secret-that-is-long-enough-012345', { sub: 'a' })}`))).toBe('invalid token');
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(new TextEncoder().encode(SECRET));
    expect(await rejection(auth.authenticate(`Bearer ${noExp}`))).toBe('invalid token');
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    expect(await rejection(auth.authenticate(`Bearer ${noSub}`))).toBe('invalid token');
  });

  it('checks iss and aud when configured', async () => {
    const strict = createAuthenticator({ jwtSecret: SECRET, jwksUrl: null, issuer: 'https://idp.example', audience: 'gateway' });
    const good = await signDemoToken(SECRET, { sub: 'a', issuer: 'https://idp.example', audience: 'gateway' });
    expect((await strict.authenticate(`Bearer ${good}`)).userId).toBe('a');
    await rejection(strict.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'a', issuer: 'https://evil.example', audience: 'gateway' })}`));
    await rejection(strict.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'a', issuer: 'https://idp.example', audience: 'other' })}`));
    await rejection(strict.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'a' })}`));
  });
});

describe('verified tokens remembered between requests', () => {
  it('a remembered token is refused once its exp has passed, even inside the cache window', async () => {
    let now = Date.now();
    const auth = createAuthenticator({ jwtSecret: SECRET, jwksUrl: null, ...none }, { now: () => now });
    const exp = Math.floor(now / 1000) + 20;
    const token = await signDemoToken(SECRET, { sub: 'alice', expiresIn: exp });
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual({ userId: 'alice', admin: false });
    now += 5_000; // still valid: served while remembered
    expect((await auth.authenticate(`Bearer ${token}`)).userId).toBe('alice');
    now = exp * 1000 + 1_000; // 21 s after signing: well inside the 60 s window, past exp
    expect(await rejection(auth.authenticate(`Bearer ${token}`))).toBe('token expired');
  });

  it('remembering one token never admits another: same claims with a forged signature are refused', async () => {
    const auth = createAuthenticator({ jwtSecret: SECRET, jwksUrl: null, ...none });
    const token = await signDemoToken(SECRET, { sub: 'alice', scope: 'admin' });
    expect((await auth.authenticate(`Bearer ${token}`)).admin).toBe(true);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(32, 7).toString('base64url')}`;
    expect(await rejection(auth.authenticate(`Bearer ${forged}`))).toBe('invalid token');
    // And a failed check is not remembered as a success for the token it was.
    expect(await rejection(auth.authenticate(`Bearer ${forged}`))).toBe('invalid token');
  });
});

describe('JWKS (RS256 / ES256)', () => {
  it('accepts ES256 and RS256 tokens signed by a published key, fetching the JWKS once', async () => {
    const auth = createAuthenticator({ jwtSecret: null, jwksUrl, ...none });
    const before = jwksFetches;
    expect((await auth.authenticate(`Bearer ${await signed('ES256', 'es-1', { sub: 'alice' }, es.privateKey)}`)).userId).toBe('alice');
    expect((await auth.authenticate(`Bearer ${await signed('RS256', 'rs-1', { sub: 'bob', scope: 'admin' }, rs.privateKey)}`))).toEqual({ userId: 'bob', admin: true });
    expect(jwksFetches - before).toBe(1);
  });

  it('refuses a token signed by an unpublished key, an HS256 token, and an expired one', async () => {
    const auth = createAuthenticator({ jwtSecret: null, jwksUrl, ...none });
    const stranger = await generateKeyPair('ES256');
    await rejection(auth.authenticate(`Bearer ${await signed('ES256', 'es-1', { sub: 'a' }, stranger.privateKey)}`));
    await rejection(auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'a' })}`));
    const expired = await signed('ES256', 'es-1', { sub: 'a', exp: Math.floor(Date.now() / 1000) - 10 }, es.privateKey);
    expect(await rejection(auth.authenticate(`Bearer ${expired}`))).toBe('token expired');
  });

  it('with both configured, each token is checked only against its own kind of key', async () => {
    const auth = createAuthenticator({ jwtSecret: SECRET, jwksUrl, ...none });
    expect((await auth.authenticate(`Bearer ${await signDemoToken(SECRET, { sub: 'h' })}`)).userId).toBe('h');
    expect((await auth.authenticate(`Bearer ${await signed('ES256', 'es-1', { sub: 'e' }, es.privateKey)}`)).userId).toBe('e');
  });
});
