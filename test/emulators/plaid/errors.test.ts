// PlaidError bodies for auth, body, validation and token problems; environments; institutions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { CLIENT_ID, SECRET, linkTokenRequest, plaid } from './helpers.js';

let emu: PlaidEmulator;
let clock = Date.now();

beforeAll(async () => {
  emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET, now: () => clock });
});
afterAll(async () => {
  await emu.close();
});

const PLAID_ERROR_KEYS = ['error_type', 'error_code', 'error_message', 'display_message', 'request_id', 'documentation_url', 'suggested_action'];

async function sandboxItem(): Promise<{ itemId: string; token: string; publicToken: string }> {
  const pt = await plaid(emu.url, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'] });
  const publicToken = pt.body['public_token'] as string;
  const ex = await plaid(emu.url, '/item/public_token/exchange', { public_token: publicToken });
  return { itemId: ex.body['item_id'] as string, token: ex.body['access_token'] as string, publicToken };
}

describe('authentication and request bodies', () => {
  it('rejects wrong keys with INVALID_API_KEYS and accepts keys in the body', async () => {
    const bad = await plaid(emu.url, '/item/get', { access_token: 'access-sandbox-x' }, { secret: 'wrong' });
    expect(bad.status).toBe(400);
    for (const k of PLAID_ERROR_KEYS) expect(bad.body).toHaveProperty(k);
    expect(bad.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS' });
    expect(JSON.stringify(bad.body)).not.toContain('wrong');
    expect(JSON.stringify(bad.body)).not.toContain(SECRET);

    const missing = await plaid(emu.url, '/item/get', { access_token: 'access-sandbox-x' }, { auth: false });
    expect(missing.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' });

    const inBody = await plaid(emu.url, '/institutions/get_by_id', { client_id: CLIENT_ID, secret: SECRET, institution_id: 'ins_109508', country_codes: ['US'] }, { auth: false });
    expect(inBody.status).toBe(200);
  });

  it('answers bad JSON with INVALID_BODY and missing content type with INVALID_HEADERS', async () => {
    const headers = { 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET };
    const bad = await fetch(`${emu.url}/item/get`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"access_token": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY' });
    const noCt = await fetch(`${emu.url}/item/get`, { method: 'POST', headers, body: new Uint8Array(Buffer.from('{}')) });
    expect(await noCt.json()).toMatchObject({ error_code: 'INVALID_HEADERS' });
    const unknown = await plaid(emu.url, '/transactions/nope', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' });
  });

  it('lists missing required fields and names malformed ones', async () => {
    const r = await plaid(emu.url, '/link/token/create', { user: { client_user_id: 'u' }, products: ['auth'] });
    expect(r.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' });
    expect(r.body['error_message']).toBe('the following required fields are missing: client_name, language, country_codes');
    const noUser = await plaid(emu.url, '/link/token/create', { client_name: 'x', language: 'en', country_codes: ['US'], products: ['auth'] });
    expect(noUser.body['error_message']).toContain('user');
    const noClientUserId = await plaid(emu.url, '/link/token/create', linkTokenRequest({ user: {}, products: ['auth'] }));
    expect(noClientUserId.body['error_message']).toContain('user.client_user_id');
    const badLang = await plaid(emu.url, '/link/token/create', linkTokenRequest({ language: 'xx', products: ['auth'] }));
    expect(badLang.body).toMatchObject({ error_code: 'INVALID_FIELD' });
    expect(badLang.body['error_message']).toContain('language');
    const noProducts = await plaid(emu.url, '/link/token/create', linkTokenRequest());
    expect(noProducts.body).toMatchObject({ error_code: 'MISSING_FIELDS' });
    const balance = await plaid(emu.url, '/link/token/create', linkTokenRequest({ products: ['balance'] }));
    expect(balance.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' });
    const pii = await plaid(emu.url, '/link/token/create', linkTokenRequest({ user: { client_user_id: 'me@example.com' }, products: ['auth'] }));
    expect(pii.body).toMatchObject({ error_code: 'INVALID_FIELD' });
  });
});

describe('tokens and items', () => {
  it('rejects unknown and removed access tokens', async () => {
    const malformed = await plaid(emu.url, '/item/get', { access_token: 'garbage' });
    expect(malformed.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN' });
    const unknown = await plaid(emu.url, '/item/get', { access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' });
    expect(unknown.body).toMatchObject({ error_code: 'INVALID_ACCESS_TOKEN' });
    const wrongEnv = await plaid(emu.url, '/item/get', { access_token: 'access-production-00000000-0000-0000-0000-000000000000' });
    expect(wrongEnv.body).toMatchObject({ error_code: 'INVALID_ACCESS_TOKEN' });

    const { token } = await sandboxItem();
    const removed = await plaid(emu.url, '/item/remove', { access_token: token });
    expect(removed.status).toBe(200);
    expect(Object.keys(removed.body)).toEqual(['request_id']);
    const after = await plaid(emu.url, '/item/get', { access_token: token });
    expect(after.status).toBe(400);
    expect(after.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_NOT_FOUND' });
    const upd = await plaid(emu.url, '/link/token/create', linkTokenRequest({ access_token: token }));
    expect(upd.body).toMatchObject({ error_code: 'ITEM_NOT_FOUND' });
  });

  it('makes public tokens single use and expires them after 30 minutes', async () => {
    const { publicToken } = await sandboxItem();
    const again = await plaid(emu.url, '/item/public_token/exchange', { public_token: publicToken });
    expect(again.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN' });

    const pt = await plaid(emu.url, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['auth'] });
    clock += 31 * 60_000;
    const late = await plaid(emu.url, '/item/public_token/exchange', { public_token: pt.body['public_token'] });
    expect(late.body).toMatchObject({ error_code: 'INVALID_PUBLIC_TOKEN' });
    expect(late.body['error_message']).toContain('expired');
  });

  it('expires link tokens (30 min in update mode) and rejects unknown ones', async () => {
    const { token } = await sandboxItem();
    const ut = await plaid(emu.url, '/link/token/create', linkTokenRequest({ access_token: token }));
    expect(ut.status).toBe(200);
    clock += 31 * 60_000;
    const res = await fetch(`${emu.url}/emulator/link/complete`, { method: 'POST', body: JSON.stringify({ link_token: ut.body['link_token'] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN' });
    expect(() => emu.completeLink('link-sandbox-unknown')).toThrow(/INVALID_LINK_TOKEN/);

    const nt = await plaid(emu.url, '/link/token/create', linkTokenRequest({ products: ['auth'], hosted_link: {} }));
    expect(nt.body['hosted_link_url']).toMatch(/^https:\/\//);
    clock += 3 * 3_600_000; // new-item tokens last 4 h
    expect(emu.completeLink(nt.body['link_token'] as string).public_token).toMatch(/^public-sandbox-/);
  });

  it('creates items as the test credentials ask', async () => {
    const locked = await plaid(emu.url, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['auth'], options: { override_password: 'error_ITEM_LOCKED' } });
    expect(locked.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' });
    const badInst = await plaid(emu.url, '/sandbox/public_token/create', { institution_id: 'ins_nope', initial_products: ['auth'] });
    expect(badInst.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_INSTITUTION' });
  });
});

describe('institutions', () => {
  it('returns sandbox institutions with optional metadata and a PNG logo', async () => {
    const plain = await plaid(emu.url, '/institutions/get_by_id', { institution_id: 'ins_109509', country_codes: ['US'] });
    expect(plain.body['institution']).toMatchObject({ institution_id: 'ins_109509', name: 'First Gingham Credit Union', oauth: false, logo: null });
    const full = await plaid(emu.url, '/institutions/get_by_id', { institution_id: 'ins_109512', country_codes: ['US'], options: { include_optional_metadata: true } });
    const inst = full.body['institution'] as Record<string, unknown>;
    expect(inst['name']).toBe('Houndstooth Bank');
    expect(inst['primary_color']).toMatch(/^#[0-9a-f]{6}$/);
    expect(inst['url']).toMatch(/^https:\/\//);
    const png = Buffer.from(inst['logo'] as string, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(152);
    const unknown = await plaid(emu.url, '/institutions/get_by_id', { institution_id: 'ins_0', country_codes: ['US'] });
    expect(unknown.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_INSTITUTION' });
    const wrongCountry = await plaid(emu.url, '/institutions/get_by_id', { institution_id: 'ins_43', country_codes: ['US'] });
    expect(wrongCountry.body).toMatchObject({ error_code: 'INVALID_INSTITUTION' });
  });
});

describe('recorded requests', () => {
  it('records requests and redacts the secret over HTTP', async () => {
    await plaid(emu.url, '/institutions/get_by_id', { client_id: CLIENT_ID, secret: SECRET, institution_id: 'ins_109508', country_codes: ['US'] }, { auth: false });
    const last = emu.requests.at(-1);
    expect(last?.path).toBe('/institutions/get_by_id');
    expect((last?.body as Record<string, unknown>)['secret']).toBe(SECRET);
    const res = await fetch(`${emu.url}/emulator/requests`);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('/emulator/');
  });
});

describe('production environment', () => {
  it('refuses sandbox-only routes and uses production token prefixes', async () => {
    const prod = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET, env: 'production' });
    try {
      const r = await plaid(prod.url, '/sandbox/item/reset_login', { access_token: 'access-production-x' });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'SANDBOX_ONLY' });
      const lt = await plaid(prod.url, '/link/token/create', linkTokenRequest({ products: ['auth'] }));
      expect(lt.body['link_token']).toMatch(/^link-production-/);
      const done = prod.completeLink(lt.body['link_token'] as string);
      expect(done.public_token).toMatch(/^public-production-/);
      // link tokens are single use outside Sandbox
      expect(() => prod.completeLink(lt.body['link_token'] as string)).toThrow(/INVALID_LINK_TOKEN/);
      const sandboxToken = await plaid(prod.url, '/item/get', { access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' });
      expect(sandboxToken.body).toMatchObject({ error_code: 'INVALID_ACCESS_TOKEN' });
    } finally {
      await prod.close();
    }
  });
});
