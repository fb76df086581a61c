// The Plaid adapter against the real emulator over loopback, with the emulator's faults.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/server.js';
import { ProviderCallError } from '../../../src/providers/errors.js';
import { createPlaidAdapter, type PlaidAdapter, type PlaidAdapterSettings } from '../../../src/providers/plaid/index.js';
import type { ConnectionRef, ProviderAdapterV2 } from '../../../src/providers/provider.js';

const CLIENT_ID = 'adapter-client';
const SECRET = 'adapter-secret-0d4be7';
const WEBHOOK = 'https://gw.example/webhooks/plaid';

describe('Plaid adapter against the emulator', () => {
  let emu: PlaidEmulator;
  let adapter: PlaidAdapter;
  const extra: PlaidAdapter[] = [];
  /** Every ProviderCallError seen, checked for secrets at the end. */
  const errors: ProviderCallError[] = [];
  const accessTokens: string[] = [];

  function make(over: Partial<PlaidAdapterSettings> = {}): PlaidAdapter {
    const a = createPlaidAdapter({
      clientId: CLIENT_ID,
      secret: SECRET,
      env: 'sandbox',
      baseUrl: emu.url,
      retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
      ...over,
    });
    extra.push(a);
    return a;
  }

  async function failure(p: Promise<unknown>): Promise<ProviderCallError> {
    const e = await p.then(
      () => {
        throw new Error('expected a ProviderCallError');
      },
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ProviderCallError);
    errors.push(e as ProviderCallError);
    return e as ProviderCallError;
  }

  async function link(a: PlaidAdapter, institutionId = 'ins_109508', userId = 'user-a1'): Promise<ConnectionRef> {
    const lt = await a.createLinkToken({
      userId, products: ['transactions'], redirectUri: null, androidPackageName: null,
      language: 'en', countryCodes: ['US', 'GB'], webhookUrl: WEBHOOK,
    });
    const ex = await a.exchangePublicToken({ publicToken: emu.completeLink(lt.token, { institutionId }).public_token, userId });
    accessTokens.push(ex.credential!);
    return { providerConnectionId: ex.providerConnectionId, credential: ex.credential, providerUserId: lt.providerUserId ?? null };
  }

  const callsTo = (path: string): number => emu.requests.filter((r) => r.path === path).length;

  beforeAll(async () => {
    emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
    adapter = make();
  });
  afterEach(() => {
    emu.clearFaults();
  });
  afterAll(async () => {
    // No error message, and nothing an error serialises to, carries a secret.
    expect(errors.length).toBeGreaterThan(8);
    for (const e of errors) {
      const texts = [e.message, String(e), JSON.stringify(e), e.stack ?? '', String((e.cause as Error | undefined)?.message ?? '')];
      for (const t of texts) {
        expect(t).not.toContain(SECRET);
        for (const tok of accessTokens) expect(t).not.toContain(tok);
      }
    }
    for (const a of extra) await a.close();
    await emu?.close();
  });

  it('implements the v2 port', () => {
    const port: ProviderAdapterV2 = adapter;
    expect(port).toMatchObject({ specificationVersion: 'v2', provider: 'PLAID', sandbox: true, requiresRedirectUri: false });
    expect(port.products).toContain('transactions');
    expect(port.products).not.toContain('balance'); // refused by /link/token/create
  });

  it('links, exchanges and reads a healthy item with its institution', async () => {
    const ref = await link(adapter);
    const s = await adapter.getConnection(ref);
    expect(s).toMatchObject({ status: 'CONNECTED', error: null, products: ['transactions'], consentExpiresAt: null });
    expect(s.institution).toMatchObject({ id: 'ins_109508', name: 'First Platypus Bank', primaryColor: '#1f6fb2' });
    expect(s.institution?.logoUrl).toMatch(/^data:image\/png;base64,/);
    expect(s.lastSyncedAt).toBeInstanceOf(Date);
  });

  it('reads a non-US institution (lookup asks for every country code)', async () => {
    const ref = await link(adapter, 'ins_117650');
    const s = await adapter.getConnection(ref);
    expect(s.institution).toMatchObject({ id: 'ins_117650', name: 'Royal Bank of Plaid', primaryColor: '#0a2f5c' });
    expect(s.consentExpiresAt).toBeInstanceOf(Date); // UK consent window
  });

  it('INVALID_PUBLIC_TOKEN -> INVALID_INPUT with the request_id kept', async () => {
    const e = await failure(adapter.exchangePublicToken({ publicToken: 'public-sandbox-00000000-nope', userId: 'u' }));
    expect(e).toMatchObject({ kind: 'INVALID_INPUT', providerCode: 'INVALID_PUBLIC_TOKEN', providerType: 'INVALID_INPUT', httpStatus: 400, retryable: false });
    expect(e.requestId).toMatch(/^\w{10,}$/);
  });

  it('RATE_LIMIT_EXCEEDED with Retry-After -> RATE_LIMITED carrying retryAfterSeconds', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'http429', retryAfterSeconds: 30, times: -1 });
    const before = callsTo('/item/get');
    const e = await failure(adapter.getConnection(ref));
    expect(e).toMatchObject({ kind: 'RATE_LIMITED', providerCode: 'ITEM_GET_LIMIT', httpStatus: 429, retryAfterSeconds: 30, retryable: true });
    expect(e.requestId).toBeTruthy();
    // 30 s is past maxRetryAfterMs: surfaced at once instead of waited for.
    expect(callsTo('/item/get') - before).toBe(1);
  });

  it('a short Retry-After is honoured and the read succeeds', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'http429', retryAfterSeconds: 0, times: 1 });
    const before = callsTo('/item/get');
    expect((await adapter.getConnection(ref)).status).toBe('CONNECTED');
    expect(callsTo('/item/get') - before).toBe(2);
  });

  it('API_ERROR 500 -> UNAVAILABLE after bounded retries', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'http500', times: -1 });
    const before = callsTo('/item/get');
    const e = await failure(adapter.getConnection(ref));
    expect(e).toMatchObject({ kind: 'UNAVAILABLE', providerType: 'API_ERROR', providerCode: 'INTERNAL_SERVER_ERROR', httpStatus: 500, retryable: true });
    expect(e.requestId).toBeTruthy();
    expect(callsTo('/item/get') - before).toBe(3);
  });

  it('a 500 on /link/token/create is not blindly retried', async () => {
    emu.injectFault({ path: '/link/token/create', kind: 'http500', times: 1 });
    const before = callsTo('/link/token/create');
    const e = await failure(
      adapter.createLinkToken({ userId: 'u1', products: ['auth'], redirectUri: null, androidPackageName: null, language: 'en', countryCodes: ['US'], webhookUrl: WEBHOOK }),
    );
    expect(e.kind).toBe('UNAVAILABLE');
    expect(callsTo('/link/token/create') - before).toBe(1);
  });

  it('garbage 200 -> UNAVAILABLE', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'garbage', times: 1 });
    const e = await failure(adapter.getConnection(ref));
    expect(e).toMatchObject({ kind: 'UNAVAILABLE', httpStatus: 200 });
  });

  it('a hanging Plaid -> UNAVAILABLE within the configured timeout', async () => {
    // undici checks request timeouts on a ~0.5 s tick, so the bound allows one extra second.
    const a = make({ timeouts: { headersMs: 500 }, retry: { retries: 0 } });
    const ref = await link(a);
    emu.injectFault({ path: '/item/get', kind: 'hang', times: -1 });
    const before = callsTo('/item/get');
    const t0 = Date.now();
    const e = await failure(a.getConnection(ref));
    const elapsed = Date.now() - t0;
    expect(e).toMatchObject({ kind: 'UNAVAILABLE', retryable: true, notSent: false });
    expect(e.message).toMatch(/timed out/);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5_000); // the 500 ms setting applied, not the default 10 s (generous: loaded machines)
    expect(callsTo('/item/get') - before).toBe(1);
  });

  it('a reset socket -> UNAVAILABLE', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'reset', times: -1 });
    const e = await failure(adapter.getConnection(ref));
    expect(e).toMatchObject({ kind: 'UNAVAILABLE', retryable: true, httpStatus: null });
    expect(e.message).toMatch(/network error/);
  });

  it('Plaid text echoing a secret is scrubbed from the message', async () => {
    const ref = await link(adapter);
    emu.injectFault({
      path: '/item/get',
      kind: 'plaid_error',
      times: 1,
      error: { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN', error_message: `bad token ${ref.credential} for key ${SECRET}` },
    });
    const e = await failure(adapter.getConnection(ref));
    expect(e).toMatchObject({ kind: 'NOT_FOUND', providerCode: 'INVALID_ACCESS_TOKEN' });
    expect(e.message).toContain('bad token [redacted] for key [redacted]');
  });

  it('ITEM_ERROR on a call -> INVALID_STATE; an unknown refusal -> REJECTED', async () => {
    const ref = await link(adapter);
    emu.injectFault({ path: '/item/get', kind: 'plaid_error', times: 1, error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' } });
    expect(await failure(adapter.getConnection(ref))).toMatchObject({ kind: 'INVALID_STATE', providerCode: 'ITEM_LOCKED' });
    emu.injectFault({ path: '/item/get', kind: 'plaid_error', times: 1, error: { error_type: 'OAUTH_ERROR', error_code: 'SOMETHING_ELSE' } });
    expect(await failure(adapter.getConnection(ref))).toMatchObject({ kind: 'REJECTED', providerCode: 'SOMETHING_ELSE' });
  });

  it('production: resets never reach Plaid', async () => {
    const prod = make({ env: 'production' });
    expect(prod.sandbox).toBe(false);
    const ref: ConnectionRef = { providerConnectionId: 'item-x', credential: 'access-production-x', providerUserId: 'usr_x' };
    const before = emu.requests.length;
    expect(await failure(prod.resetLogin(ref))).toMatchObject({ kind: 'SANDBOX_ONLY', notSent: true });
    expect(await failure(prod.resetLogins({ userId: 'u', connections: [ref, { ...ref, providerConnectionId: 'item-y' }] }))).toMatchObject({
      kind: 'SANDBOX_ONLY',
      notSent: true,
    });
    expect(emu.requests.length).toBe(before);
  });

  it('an institution lookup failure still returns the connection state', async () => {
    const a = make({ retry: { retries: 0 } }); // fresh institution cache
    const ref = await link(a, 'ins_109511');
    const fresh = make({ retry: { retries: 0 } });
    emu.injectFault({ path: '/institutions/get_by_id', kind: 'http500', times: 1 });
    emu.setItemError(ref.providerConnectionId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    const s = await fresh.getConnection(ref);
    expect(s.status).toBe('LOGIN_REQUIRED');
    // Falls back to what /item/get says about the institution.
    expect(s.institution).toEqual({ id: 'ins_109511', name: 'Tartan Bank', logoUrl: null, primaryColor: null });
    // The failure is not cached: the next read gets the details.
    expect((await fresh.getConnection(ref)).institution?.primaryColor).toBe('#8f2f2f');
  });

  it('a failed item read during exchange still completes the exchange', async () => {
    const lt = await adapter.createLinkToken({
      userId: 'user-x', products: ['transactions'], redirectUri: null, androidPackageName: null, language: 'en', countryCodes: ['US'], webhookUrl: WEBHOOK,
    });
    const pub = emu.completeLink(lt.token).public_token;
    emu.injectFault({ path: '/item/get', kind: 'http500', times: -1 });
    const ex = await adapter.exchangePublicToken({ publicToken: pub, userId: 'user-x' });
    accessTokens.push(ex.credential!);
    expect(ex.credential).toMatch(/^access-sandbox-/);
    expect(ex.state.status).toBe('CONNECTED');
  });

  it('removeConnection revokes the item, and removing it again succeeds', async () => {
    const ref = await link(adapter);
    await adapter.removeConnection(ref);
    expect(emu.getItem(ref.providerConnectionId)?.removed).toBe(true);
    const before = callsTo('/item/remove');
    await expect(adapter.removeConnection(ref)).resolves.toBeUndefined();
    expect(callsTo('/item/remove') - before).toBe(1); // Plaid was asked and said ITEM_NOT_FOUND
    // Reading the removed item is its state, not a failed call: DISCONNECTED with Plaid's code kept.
    expect(await adapter.getConnection(ref)).toMatchObject({ status: 'DISCONNECTED', error: { providerCode: 'ITEM_NOT_FOUND', providerType: 'ITEM_ERROR' } });
  });

  it('a connection without an access token is refused before any call', async () => {
    const before = emu.requests.length;
    expect(await failure(adapter.getConnection({ providerConnectionId: 'i', credential: null }))).toMatchObject({ kind: 'REJECTED' });
    expect(emu.requests.length).toBe(before);
  });
});
