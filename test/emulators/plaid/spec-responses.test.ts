// Every Plaid endpoint the emulator serves, driven over HTTP to a success and to errors; every
// response body is validated against the OpenAPI file's response schema for its status (PlaidError
// for errors), and every webhook body against its *Webhook schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { PLAID_WEBHOOK_SCHEMAS, loadPlaidSpec } from '../../providers/plaid/openapi.js';
import { CLIENT_ID, SECRET, WebhookReceiver, linkTokenRequest, plaid } from './helpers.js';

const spec = loadPlaidSpec();
let emu: PlaidEmulator;
let hook: WebhookReceiver;
const seen: Array<{ path: string; status: number; body: Record<string, unknown> }> = [];

async function call(path: string, body: unknown, expectStatus: number): Promise<Record<string, unknown>> {
  const r = await plaid(emu.url, path, body);
  expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(expectStatus);
  seen.push({ path, status: r.status, body: r.body });
  return r.body;
}


beforeAll(async () => {
  emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
  hook = await new WebhookReceiver().start();

  // successes, in the order a client meets them
  const lt = await call('/link/token/create', linkTokenRequest({ products: ['transactions'], webhook: hook.url }), 200);
  const { public_token } = emu.completeLink(lt['link_token'] as string);
  const ex = await call('/item/public_token/exchange', { public_token }, 200);
  const access = ex['access_token'] as string;
  const itemId = ex['item_id'] as string;
  await call('/item/get', { access_token: access }, 200);
  const accounts = await call('/accounts/get', { access_token: access }, 200);
  const first = await call('/transactions/sync', { access_token: access, count: 10 }, 200);
  const txs = emu.transactions(itemId);
  const pending = txs.find((t) => t.pending);
  emu.settleTransaction(itemId, pending!.transaction_id);
  emu.removeTransaction(itemId, txs.find((t) => !t.pending)!.transaction_id);
  emu.modifyTransaction(itemId, txs.find((t) => !t.pending && t.transaction_id !== txs[0]!.transaction_id)!.transaction_id, { name: 'RENAMED' });
  // the data moved between pages: the continuation page is refused
  await call('/transactions/sync', { access_token: access, cursor: first['next_cursor'], count: 10 }, 400);
  let cursor: string | undefined;
  do {
    const page = await call('/transactions/sync', { access_token: access, count: 500, ...(cursor ? { cursor } : {}) }, 200);
    cursor = page['next_cursor'] as string;
    if (!page['has_more']) break;
  } while (cursor);
  emu.armTrickyNumbers(itemId, { endpoints: ['/accounts/get'] });
  await call('/accounts/get', { access_token: access }, 200);
  await call('/item/webhook/update', { access_token: access, webhook: `${hook.url}?v=2` }, 200);
  await call('/institutions/get_by_id', { institution_id: 'ins_109512', country_codes: ['US'], options: { include_optional_metadata: true, include_auth_metadata: true, include_status: true } }, 200);
  await call('/webhook_verification_key/get', { key_id: emu.currentSigningKeyId }, 200);
  const sandbox = await call('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { webhook: hook.url } }, 200);
  const sandboxAccess = (await call('/item/public_token/exchange', { public_token: sandbox['public_token'] }, 200))['access_token'] as string;
  await call('/sandbox/item/fire_webhook', { access_token: sandboxAccess, webhook_code: 'SYNC_UPDATES_AVAILABLE' }, 200);
  await call('/sandbox/item/fire_webhook', { access_token: sandboxAccess, webhook_code: 'PENDING_DISCONNECT' }, 200);
  await call('/sandbox/item/reset_login', { access_token: sandboxAccess }, 200);
  await call('/sandbox/user/reset_login', { user_id: lt['user_id'] }, 200);
  // errors
  await call('/accounts/get', { access_token: access }, 400); // the Item is now ITEM_LOGIN_REQUIRED
  await call('/transactions/sync', { access_token: sandboxAccess }, 400);
  await call('/transactions/sync', { access_token: 'access-sandbox-nope', count: 0 }, 400);
  await call('/accounts/get', {}, 400);
  await call('/link/token/create', linkTokenRequest({ products: ['nope'] }), 400);
  await call('/item/public_token/exchange', { public_token: 'public-sandbox-unknown' }, 400);
  await call('/item/get', { access_token: 'access-sandbox-unknown' }, 400);
  await call('/institutions/get_by_id', { institution_id: 'ins_0', country_codes: ['US'] }, 400);
  await call('/webhook_verification_key/get', { key_id: 'nope' }, 400);
  await call('/sandbox/item/fire_webhook', { access_token: access, webhook_code: 'NOT_A_CODE' }, 400);
  await call('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { override_password: 'error_ITEM_LOCKED' } }, 400);
  await call('/item/webhook/update', { access_token: access, webhook: 'not a url' }, 400);
  await call('/sandbox/user/reset_login', { user_id: 'usr_unknown' }, 400);
  await call('/sandbox/item/reset_login', { access_token: 'access-sandbox-unknown' }, 400);
  await call('/item/remove', { access_token: access }, 200);
  await call('/item/remove', { access_token: access }, 400);
  await call('/no/such/endpoint', {}, 404);
  emu.injectFault({ path: '/item/get', kind: 'http500' });
  await call('/item/get', { access_token: sandboxAccess }, 500);
  emu.injectFault({ path: '/transactions/sync', kind: 'http429', retryAfterSeconds: 3 });
  await call('/transactions/sync', { access_token: sandboxAccess }, 429);
  expect(accounts['accounts']).toHaveLength(3);
  await hook.waitFor('WEBHOOK_UPDATE_ACKNOWLEDGED');
  await hook.waitFor('TRANSACTIONS_REMOVED');
});
afterAll(async () => {
  await emu.close();
  await hook.close();
});

describe('Plaid emulator responses against the OpenAPI file', () => {
  it('drove every endpoint the emulator serves to a success and an error', () => {
    const served = ['/link/token/create', '/item/public_token/exchange', '/item/get', '/item/remove', '/item/webhook/update', '/accounts/get', '/transactions/sync', '/institutions/get_by_id', '/webhook_verification_key/get', '/sandbox/public_token/create', '/sandbox/item/reset_login', '/sandbox/user/reset_login', '/sandbox/item/fire_webhook'];
    for (const path of served) {
      expect(seen.some((s) => s.path === path && s.status === 200), `${path} success`).toBe(true);
      expect(seen.some((s) => s.path === path && s.status >= 400), `${path} error`).toBe(true);
    }
  });

  it('every success body matches the response schema, every error body PlaidError', () => {
    const failures = seen
      .filter((s) => s.path !== '/no/such/endpoint')
      .map((s) => ({ at: `${s.path} ${s.status} (${spec.responseSchemaName(s.path, s.status)})`, errors: spec.validateResponse(s.path, s.status, s.body) }))
      .filter((f) => f.errors.length > 0);
    expect(failures).toEqual([]);
    const notFound = seen.find((s) => s.path === '/no/such/endpoint');
    expect(spec.validateSchema('PlaidError', notFound?.body)).toEqual([]);
  });

  it('every webhook body sent matches its *Webhook schema', () => {
    const failures: unknown[] = [];
    const checked = new Set<string>();
    for (const r of hook.received) {
      const key = `${String(r.json['webhook_type'])}/${String(r.json['webhook_code'])}`;
      const schema = PLAID_WEBHOOK_SCHEMAS[key];
      if (!schema) continue;
      checked.add(key);
      const errors = spec.validateSchema(schema, r.json);
      if (errors.length > 0) failures.push({ key, errors });
    }
    expect(failures).toEqual([]);
    expect([...checked].sort()).toEqual(
      ['ITEM/ERROR', 'ITEM/PENDING_DISCONNECT', 'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED', 'TRANSACTIONS/DEFAULT_UPDATE', 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE', 'TRANSACTIONS/TRANSACTIONS_REMOVED'].sort(),
    );
  });
});
