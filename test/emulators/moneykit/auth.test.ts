import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { call, getToken, SANDBOX, start } from './helpers.js';

const form = (o: Record<string, string>) => new URLSearchParams(o);

describe('MoneyKit emulator: /auth/token and bearer tokens', () => {
  let emu: MoneyKitEmulator;
  beforeAll(async () => {
    emu = await start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.resetState());

  it('issues a bearer token from form credentials (201, default expires_in 3600) and counts the call', async () => {
    const res = await fetch(`${emu.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(typeof body.access_token).toBe('string');
    expect(emu.tokenRequests).toBe(1);
    const me = await call(emu, 'GET', '/auth/introspect', { token: body.access_token as string });
    expect(me.status).toBe(200);
    expect(me.body.client_id).toBe(SANDBOX.clientId);
  });

  it('accepts HTTP Basic client credentials', async () => {
    const basic = Buffer.from(`${SANDBOX.clientId}:${SANDBOX.clientSecret}`).toString('base64');
    const res = await fetch(`${emu.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(201);
  });

  it('rejects a bad grant_type with 400 and bad credentials with 401 api_error.auth.unauthorized', async () => {
    const bad = await fetch(`${emu.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_code: string }).error_code).toBe('api_error.auth.unauthorized');

    const wrong = await fetch(`${emu.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as Record<string, string>;
    expect(body.error_code).toBe('api_error.auth.unauthorized');
    expect(JSON.stringify(body)).not.toContain(SANDBOX.clientSecret);
  });

  it('answers 401 api_error.auth.unauthorized for a missing or unknown bearer token', async () => {
    const none = await call(emu, 'GET', '/institutions/chase');
    expect(none.status).toBe(401);
    expect(none.body.error_code).toBe('api_error.auth.unauthorized');
    const unknown = await call(emu, 'GET', '/institutions/chase', { token: 'mk_at_made_up' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error_code).toBe('api_error.auth.unauthorized');
  });

  it('expireAccessTokens(): issued tokens answer the exact expired body; a new token works', async () => {
    const token = await getToken(emu);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
    emu.expireAccessTokens();
    const expired = await call(emu, 'GET', '/institutions/chase', { token });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({
      error_code: 'api_error.auth.expired_access_token',
      error_message: 'Access token expired',
      documentation_url: expect.any(String),
    });
    const fresh = await getToken(emu);
    expect((await call(emu, 'GET', '/institutions/chase', { token: fresh })).status).toBe(200);
    expect(emu.tokenRequests).toBe(2);
  });

  it('POST /emulator/auth/expire does the same over HTTP', async () => {
    const token = await getToken(emu);
    expect((await call(emu, 'POST', '/emulator/auth/expire')).status).toBe(204);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).body.error_code).toBe('api_error.auth.expired_access_token');
  });

  it('tokens expire after tokenTtlSeconds', async () => {
    const short = await start({ tokenTtlSeconds: 0 });
    try {
      const res = await fetch(`${short.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret }),
      });
      const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
      expect(expires_in).toBe(0);
      const r = await call(short, 'GET', '/institutions/chase', { token: access_token });
      expect(r.status).toBe(401);
      expect(r.body.error_code).toBe('api_error.auth.expired_access_token');
    } finally {
      await short.close();
    }
  });

  it('serves the JWKS with X-Client-Id (P-256 keys, kid, ES256, sig) and refuses an unknown client', async () => {
    const ok = await call(emu, 'GET', '/.well-known/jwks.json', { headers: { 'x-client-id': SANDBOX.clientId } });
    expect(ok.status).toBe(200);
    expect(ok.body.keys).toHaveLength(1);
    expect(ok.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: emu.currentKid });
    expect(ok.body.keys[0].d).toBeUndefined();
    const bad = await call(emu, 'GET', '/.well-known/jwks.json', { headers: { 'x-client-id': 'nobody' } });
    expect(bad.status).toBe(401);
  });

  it('GET /institutions/{id}: shipped sandbox banks and 404 institution_error.not_found', async () => {
    const token = await getToken(emu);
    const bank = await call(emu, 'GET', '/institutions/mk_credentials_bank', { token });
    expect(bank.body).toMatchObject({
      institution_id: 'mk_credentials_bank',
      name: 'Credentials Bank',
      country: 'US',
      institution_id_aliases: [],
      is_featured: true,
    });
    expect(bank.body.avatar).toBeUndefined();
    const missing = await call(emu, 'GET', '/institutions/no_such_bank', { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_code: 'institution_error.not_found', error_message: 'Institution not found' });
  });
});
