import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthError, createAuthenticator } from '../../src/auth/auth.js';

// A token "issued" in the future is refused; a small clock skew (60 s, IAT_CLOCK_SKEW_SECONDS) is tolerated.
const SECRET = 'another-demo-secret-long-enough-0123456789';
const auth = createAuthenticator({ jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null });
const now = () => Math.floor(Date.now() / 1000);

function tokenIssuedAt(iat: number | null) {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('clocky').setExpirationTime(now() + 7200);
  if (iat !== null) jwt = jwt.setIssuedAt(iat);
  return jwt.sign(createSecretKey(Buffer.from(SECRET, 'utf8')));
}

describe('iat in the future', () => {
  it.each([
    ['an hour ahead', 3600],
    ['two minutes ahead', 120],
  ])('refuses a token issued %s', async (_name, ahead) => {
    await expect(auth.authenticate(`Bearer ${await tokenIssuedAt(now() + ahead)}`)).rejects.toThrow(AuthError);
  });

  it.each([
    ['30 s ahead (clock skew)', 30],
    ['now', 0],
    ['an hour ago', -3600],
  ])('accepts a token issued %s', async (_name, ahead) => {
    await expect(auth.authenticate(`Bearer ${await tokenIssuedAt(now() + ahead)}`)).resolves.toEqual({ userId: 'clocky', admin: false });
  });

  it('accepts a token without iat (the contract requires exp and sub only)', async () => {
    await expect(auth.authenticate(`Bearer ${await tokenIssuedAt(null)}`)).resolves.toEqual({ userId: 'clocky', admin: false });
  });
});
