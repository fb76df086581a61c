// Every request the Plaid adapter sends, driven through all its methods against the real emulator
// over loopback HTTP, must validate against the requestBody schema in specs/plaid/2020-09-14.yml.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator, type RecordedRequest } from '../../../src/emulators/plaid/server.js';
import { createPlaidAdapter, type PlaidAdapter } from '../../../src/providers/plaid/index.js';
import type { ConnectionRef } from '../../../src/providers/provider.js';
import { loadPlaidSpec, type PlaidSpec } from './openapi.js';

const CLIENT_ID = 'conformance-client';
const SECRET = 'conformance-secret-5f0c9a';
const WEBHOOK = 'https://gw.example/webhooks/plaid';
const USER = 'user-7c1e';

describe('Plaid adapter requests conform to the OpenAPI spec', () => {
  let spec: PlaidSpec;
  let emu: PlaidEmulator;
  let adapter: PlaidAdapter;
  let sent: RecordedRequest[];
  const ids: Record<string, string> = {};

  async function linkItem(userId: string, institutionId: string): Promise<ConnectionRef> {
    const lt = await adapter.createLinkToken({
      userId,
      products: ['transactions'],
      redirectUri: null,
      androidPackageName: null,
      language: 'en',
      countryCodes: ['US'],
      webhookUrl: WEBHOOK,
    });
    const { public_token } = emu.completeLink(lt.token, { institutionId });
    const ex = await adapter.exchangePublicToken({ publicToken: public_token, userId });
    return { providerConnectionId: ex.providerConnectionId, credential: ex.credential, providerUserId: lt.providerUserId ?? null };
  }

  beforeAll(async () => {
    spec = loadPlaidSpec();
    emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
    adapter = createPlaidAdapter({ clientId: CLIENT_ID, secret: SECRET, env: 'sandbox', baseUrl: emu.url, retry: { retries: 0 } });

    // createLinkToken with every optional input set.
    const lt = await adapter.createLinkToken({
      userId: USER,
      products: ['transactions', 'auth'],
      redirectUri: 'https://app.example/plaid/oauth',
      androidPackageName: 'com.example.app',
      language: 'fr',
      countryCodes: ['US', 'CA'],
      webhookUrl: WEBHOOK,
    });
    const { public_token } = emu.completeLink(lt.token, { institutionId: 'ins_109508' });
    const ex = await adapter.exchangePublicToken({ publicToken: public_token, userId: USER }); // + /item/get, /institutions/get_by_id
    const a: ConnectionRef = { providerConnectionId: ex.providerConnectionId, credential: ex.credential, providerUserId: lt.providerUserId ?? null };
    ids['a'] = a.providerConnectionId;

    for (const accountSelectionEnabled of [true, false, null]) {
      await adapter.createUpdateLinkToken({
        userId: USER,
        connection: a,
        redirectUri: 'https://app.example/plaid/oauth',
        androidPackageName: 'com.example.app',
        language: 'en',
        countryCodes: ['US'],
        accountSelectionEnabled,
        webhookUrl: WEBHOOK,
      });
    }
    await adapter.getConnection(a);
    await adapter.resetLogin(a);

    // Same Plaid user: one /sandbox/user/reset_login for both items.
    const b = await linkItem(USER, 'ins_109509');
    ids['b'] = b.providerConnectionId;
    const before = emu.requests.length;
    await adapter.resetLogins({ userId: USER, connections: [a, b] });
    ids['sameUserCalls'] = emu.requests.slice(before).map((r) => r.path).join(',');

    // Mixed (one ref without a Plaid user id): per-item resets.
    const c = await linkItem('user-other', 'ins_109510');
    const mixedStart = emu.requests.length;
    await adapter.resetLogins({ userId: USER, connections: [b, { ...c, providerUserId: null }] });
    ids['mixedCalls'] = emu.requests.slice(mixedStart).map((r) => r.path).join(',');

    await adapter.removeConnection(c);
    sent = [...emu.requests];
  });

  afterAll(async () => {
    await adapter?.close();
    await emu?.close();
  });

  it('drove every endpoint the adapter uses', () => {
    expect(new Set(sent.map((r) => r.path))).toEqual(
      new Set([
        '/link/token/create',
        '/item/public_token/exchange',
        '/item/get',
        '/institutions/get_by_id',
        '/sandbox/item/reset_login',
        '/sandbox/user/reset_login',
        '/item/remove',
      ]),
    );
    expect(ids['sameUserCalls']).toBe('/sandbox/user/reset_login');
    expect(ids['mixedCalls']).toBe('/sandbox/item/reset_login,/sandbox/item/reset_login');
    // The batch call really reset both items at the emulator.
    expect(emu.getItem(ids['b']!)?.error?.error_code).toBe('ITEM_LOGIN_REQUIRED');
  });

  it('validates every recorded request body against its operation requestBody schema', () => {
    expect(sent.length).toBeGreaterThan(10);
    const failures = sent.flatMap((r) => spec.validateRequest(r.path, r.body).map((e) => `${r.path}: ${e}`));
    expect(failures).toEqual([]);
  });

  it('sends the keys and API version as headers, never in the body', () => {
    for (const r of sent) {
      expect(r.method).toBe('POST');
      expect(r.headers['plaid-client-id']).toBe(CLIENT_ID);
      expect(r.headers['plaid-secret']).toBe(SECRET);
      expect(r.headers['plaid-version']).toBe('2020-09-14');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.body).not.toHaveProperty('client_id');
      expect(r.body).not.toHaveProperty('secret');
    }
  });

  it('puts the update-mode options where the spec declares them', () => {
    const creates = sent.filter((r) => r.path === '/link/token/create').map((r) => r.body as Record<string, unknown>);
    const full = creates[0]!;
    expect(full).toMatchObject({
      client_name: 'Aggregator Gateway',
      language: 'fr',
      country_codes: ['US', 'CA'],
      user: { client_user_id: USER },
      products: ['transactions', 'auth'],
      webhook: WEBHOOK,
      redirect_uri: 'https://app.example/plaid/oauth',
      android_package_name: 'com.example.app',
    });
    expect(full).not.toHaveProperty('access_token');
    const updates = creates.filter((b) => 'access_token' in b);
    expect(updates).toHaveLength(3);
    expect(updates.map((b) => b['update'])).toEqual([{ account_selection_enabled: true }, { account_selection_enabled: false }, undefined]);
    for (const u of updates) expect(u).not.toHaveProperty('products'); // update mode omits products
    const batch = sent.find((r) => r.path === '/sandbox/user/reset_login')!.body as Record<string, unknown>;
    expect(batch['user_id']).toMatch(/^usr_/);
    expect(new Set(batch['item_ids'] as string[])).toEqual(new Set([ids['a'], ids['b']]));
  });

  it('the validator bites: broken bodies fail', () => {
    const good = sent.find((r) => r.path === '/link/token/create')!.body as Record<string, unknown>;
    expect(spec.validateRequest('/link/token/create', good)).toEqual([]);
    const { client_name: _drop, ...noName } = good;
    expect(spec.validateRequest('/link/token/create', noName).join()).toMatch(/client_name/);
    expect(spec.validateRequest('/link/token/create', { ...good, country_codes: ['XX'] })).not.toEqual([]);
    expect(spec.validateRequest('/link/token/create', { ...good, update: { account_selection_enabled: 'yes' } })).not.toEqual([]);
    // Undeclared keys are refused (Plaid answers UNKNOWN_FIELDS).
    expect(spec.validateRequest('/link/token/create', { ...good, update: { account_selection: true } })).not.toEqual([]);
    expect(spec.validateRequest('/item/get', { access_token: 'access-sandbox-x', extra: 1 }).join()).toMatch(/additional/);
    expect(spec.validateRequest('/institutions/get_by_id', { institution_id: 'ins_1' }).join()).toMatch(/country_codes/);
    expect(spec.validateRequest('/sandbox/user/reset_login', { user_id: 'usr_1', item_ids: 'one' })).not.toEqual([]);
    // nullable: true in the spec accepts null.
    expect(spec.validateRequest('/sandbox/user/reset_login', { user_id: 'usr_1', item_ids: null })).toEqual([]);
  });
});
