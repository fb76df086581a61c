// Every request the MoneyKit adapter sends, driven through all its methods against the real emulator
// over loopback HTTP, must validate against MoneyKit's rebuilt OpenAPI document
// (specs/moneykit/moneykit-openapi.reconstructed.json): operation, query parameters, content type, body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { createMoneyKitAdapter, type MoneyKitAdapter } from '../../../src/providers/moneykit/index.js';
import type { ConnectionRef } from '../../../src/providers/provider.js';
import { SANDBOX, start } from '../../emulators/moneykit/helpers.js';
import { loadMoneyKitSpec, type MoneyKitSpec } from '../../emulators/moneykit/spec.js';

const WEBHOOK = 'https://gw.example/webhooks/moneykit';
const USER = 'user-5d2a';

describe('MoneyKit adapter requests conform to the rebuilt OpenAPI spec', () => {
  let spec: MoneyKitSpec;
  let emu: MoneyKitEmulator;
  let adapter: MoneyKitAdapter;

  async function link(userId: string): Promise<ConnectionRef> {
    const lt = await adapter.createLinkToken({
      userId,
      products: ['accounts', 'transactions', 'identity'],
      redirectUri: 'https://app.example/link/complete',
      androidPackageName: null,
      language: 'en',
      countryCodes: ['US', 'GB'],
      webhookUrl: WEBHOOK,
    });
    const done = emu.completeConnect(lt.token);
    const ex = await adapter.exchangePublicToken({ publicToken: done.exchangeable_token!, userId });
    return { providerConnectionId: ex.providerConnectionId, credential: ex.credential };
  }

  beforeAll(async () => {
    spec = loadMoneyKitSpec();
    emu = await start();
    adapter = createMoneyKitAdapter({ clientId: SANDBOX.clientId, clientSecret: SANDBOX.clientSecret, env: 'sandbox', baseUrl: emu.url, retry: { retries: 0 } });

    const a = await link(USER);
    const b = await link(USER);
    await adapter.getConnection(a);
    for (const accountSelectionEnabled of [true, false, null]) {
      await adapter.createUpdateLinkToken({
        userId: USER,
        connection: a,
        redirectUri: 'https://app.example/link/complete',
        androidPackageName: null,
        language: 'fr',
        countryCodes: ['US'],
        accountSelectionEnabled,
        webhookUrl: WEBHOOK,
      });
    }
    await adapter.getAccounts(a);
    const first = await adapter.syncTransactions(a, { cursor: null, count: 2 });
    await adapter.syncTransactions(a, { cursor: first.nextCursor, count: 500 });
    await adapter.listUserLinks(USER);
    await adapter.resetLogin(a);
    await adapter.resetLogins({ userId: USER, connections: [a, b] });
    await adapter.removeConnection(b);
  });
  afterAll(async () => {
    await adapter?.close();
    await emu?.close();
  });

  it('drove every kind of call the adapter makes', () => {
    const ops = new Set(emu.requests.map((r) => `${r.method} ${spec.template(r.path)}`));
    expect([...ops].sort()).toEqual(
      [
        'DELETE /links/{id}',
        'GET /institutions/{institution_id}',
        'GET /links/{id}',
        'GET /links/{id}/accounts',
        'GET /links/{id}/transactions/sync',
        'GET /users/{id}/links',
        'POST /auth/token',
        'POST /link-session',
        'POST /link-session/exchange-token',
        'POST /links/{id}/reset',
      ].sort(),
    );
  });

  it('every request validates against the spec', () => {
    const invalid = emu.requests.flatMap((r) => spec.validateRequest(r));
    expect(invalid).toEqual([]);
  });

  it('the validator refuses what MoneyKit would refuse (it is not vacuous)', () => {
    const session = emu.requests.find((r) => r.method === 'POST' && r.path === '/link-session')!;
    const body = session.body as Record<string, unknown>;
    expect(spec.validateRequest({ ...session, body: { ...body, customer_user: undefined } }).join()).toMatch(/customer_user/);
    expect(spec.validateRequest({ ...session, body: { ...body, redirect_uri: 42 } }).join()).toMatch(/redirect_uri/);
    expect(spec.validateRequest({ ...session, headers: { ...session.headers, 'content-type': 'text/plain' } }).join()).toMatch(/content type/);
    const sync = emu.requests.find((r) => r.path.endsWith('/transactions/sync'))!;
    expect(spec.validateRequest({ ...sync, query: { ...sync.query, count: '5' } }).join()).toMatch(/undeclared query parameter count/);
    expect(spec.validateRequest({ ...sync, method: 'POST' }).join()).toMatch(/spec has no POST/);
  });
});
