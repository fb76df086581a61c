import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderCallError, type ProviderFailureKind } from '../../../src/providers/errors.js';
import { MONEYKIT_ERROR_KINDS } from '../../../src/providers/moneykit/index.js';
import { CLIENT_SECRET, LINK_TOKEN_INPUT, createFakeMoneyKit, link, mkError, rejection, type FakeMoneyKit, type Reply } from './fake-moneykit.js';

const ref = { providerConnectionId: 'mk_link1', credential: null };

describe('MoneyKit error mapping', () => {
  let mk: FakeMoneyKit;
  beforeEach(() => {
    mk = createFakeMoneyKit();
  });
  afterEach(async () => {
    await mk.close();
  });

  // Every code of REFERENCE.md section 7 at the status MoneyKit sends it with, read through the
  // call that receives it (POST /links/{id}/reset, an ordinary link call, unless named; its one
  // override is tested below). A row MoneyKit cannot send that way says why in its last column.
  type Row = [number, string, ProviderFailureKind, boolean, string?];
  const NO_5XX = 'a server failure: MoneyKit documents no 5xx';
  const rows: Row[] = [
    [401, 'api_error.auth.unauthorized', 'REJECTED', false],
    [429, 'api_error.rate_limit_exceeded', 'RATE_LIMITED', true],
    [422, 'api_error.request.validation_failed', 'INVALID_INPUT', false],
    [401, 'link_error.unauthorized_access', 'REJECTED', false],
    [404, 'link_error.not_found', 'NOT_FOUND', false],
    [410, 'link_error.deleted', 'INVALID_STATE', false],
    [422, 'link_error.bad_state', 'INVALID_STATE', false],
    [400, 'link_error.bad_config', 'REJECTED', false, 'sent only by POST /webhooks/test/link/{id}, which the adapter never calls'],
    [403, 'link_session_error.forbidden_config', 'REJECTED', false],
    [400, 'link_session_error.invalid_token_exchange', 'REJECTED', false],
    [404, 'institution_error.not_found', 'NOT_FOUND', false, 'sent only by GET /institutions/{id}, whose failures never surface (adapter.test.ts)'],
    [500, 'api_error.internal', 'UNAVAILABLE', true, NO_5XX],
    [503, 'link_error.bad_state', 'UNAVAILABLE', true, NO_5XX], // 5xx wins over any code
    [418, 'something.new', 'REJECTED', false, 'an undocumented status and code'],
    [422, 'something.new', 'INVALID_INPUT', false, 'an undocumented code'], // unknown code: HTTP status decides
    [410, 'something.new', 'INVALID_STATE', false, 'an undocumented code'],
  ];
  /** The fields MoneyKit adds to some errors (REFERENCE.md section 7). */
  const EXTRA: Record<string, Record<string, unknown>> = {
    'link_error.bad_state': { link_error_code: 'auth_expired' },
    'api_error.request.validation_failed': {
      validation_errors: [{ location: ['body', 'customer_user'], message: 'field required', type: 'value_error.missing' }],
    },
  };
  /** The call that receives a code from another endpoint than /links/{id}/reset. */
  const CALLS: Record<string, { method: string; path: RegExp; call: (a: ReturnType<FakeMoneyKit['adapter']>) => Promise<unknown> }> = {
    'link_session_error.forbidden_config': {
      method: 'POST',
      path: /^\/link-session$/,
      call: (a) => a.createLinkToken(LINK_TOKEN_INPUT),
    },
    'link_session_error.invalid_token_exchange': {
      method: 'POST',
      path: /^\/link-session\/exchange-token$/,
      call: (a) => a.exchangePublicToken({ publicToken: 'ex-tok', userId: 'user-1' }),
    },
  };

  it.each(rows)('HTTP %i %s -> %s', async (status, code, kind, retryable, offSpec) => {
    const via = CALLS[code] ?? { method: 'POST', path: /^\/links\/mk_link1\/reset$/, call: (a: ReturnType<FakeMoneyKit['adapter']>) => a.resetLogin(ref) };
    mk.on(via.method, via.path, mkError(status, code, EXTRA[code] ?? {}, undefined, offSpec));
    const e = await rejection(via.call(mk.adapter()));
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e.provider).toBe('MONEYKIT');
    expect(e.kind).toBe(kind);
    expect(e.providerCode).toBe(code);
    expect(e.providerType).toBeNull();
    expect(e.httpStatus).toBe(status);
    expect(e.retryable).toBe(retryable);
  });

  it('every catalogued code is covered by the rows above', () => {
    const tested = new Set(rows.map((r) => r[1]));
    // expired_access_token is exercised in auth.test.ts (it triggers the renewal first).
    for (const code of Object.keys(MONEYKIT_ERROR_KINDS).filter((c) => c !== 'api_error.auth.expired_access_token')) {
      if (code === 'link_error.forbidden_action') continue; // below, per endpoint
      expect(tested.has(code), code).toBe(true);
    }
  });

  it('link_error.bad_state keeps link_error_code in the message', async () => {
    mk.on('GET', /^\/links\/mk_link1$/, mkError(422, 'link_error.bad_state', { link_error_code: 'auth_expired' }));
    const e = await rejection(mk.adapter().getConnection(ref));
    expect(e.kind).toBe('INVALID_STATE');
    expect(e.providerCode).toBe('link_error.bad_state');
    expect(e.message).toContain('auth_expired');
  });

  it('link_error.forbidden_action is SANDBOX_ONLY on /reset and REJECTED elsewhere', async () => {
    mk.on('POST', /^\/links\/mk_link1\/reset$/, mkError(403, 'link_error.forbidden_action'));
    mk.on('GET', /^\/links\/mk_link1$/, mkError(403, 'link_error.forbidden_action'));
    const adapter = mk.adapter();
    expect((await rejection(adapter.resetLogin(ref))).kind).toBe('SANDBOX_ONLY');
    expect((await rejection(adapter.getConnection(ref))).kind).toBe('REJECTED');
  });

  it('429 carries Retry-After (seconds and HTTP date)', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    mk.on('POST', /^\/links\/mk_link1\/reset$/, mkError(429, 'api_error.rate_limit_exceeded', {}, { 'retry-after': '7' }));
    const adapter = mk.adapter({ now: () => t, retry: { retries: 2, maxRetryAfterMs: 1000 } });
    const e = await rejection(adapter.resetLogin(ref));
    expect(e.kind).toBe('RATE_LIMITED');
    expect(e.retryAfterSeconds).toBe(7);
    expect(e.retryable).toBe(true);
    // A Retry-After beyond the client's patience is not waited for: one attempt only.
    expect(mk.apiCalls()).toHaveLength(1);

    mk.on('GET', /^\/links\/mk_link1$/, mkError(429, 'api_error.rate_limit_exceeded', {}, { 'retry-after': 'Thu, 01 Jan 2026 00:01:00 GMT' }));
    const e2 = await rejection(adapter.getConnection(ref));
    expect(e2.retryAfterSeconds).toBe(60);
  });

  it('5xx on a GET is retried by the shared client, then surfaces as UNAVAILABLE', async () => {
    mk.on('GET', /^\/links\/mk_link1$/, { status: 502, raw: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' }, offSpec: 'a proxy in front of MoneyKit failing' });
    const e = await rejection(mk.adapter({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } }).getConnection(ref));
    expect(e.kind).toBe('UNAVAILABLE');
    expect(e.retryable).toBe(true);
    expect(e.providerCode).toBeNull();
    expect(mk.apiCalls()).toHaveLength(2);
  });

  const garbage: Array<[string, Reply]> = [
    ['non-JSON 200', { status: 200, raw: '<html>maintenance</html>', offSpec: 'provider garbage' }],
    ['empty 200', { status: 200, raw: '', offSpec: 'provider garbage' }],
    ['JSON array', { status: 200, body: [link()], offSpec: 'provider garbage' }],
    ['link without state', { status: 200, body: { ...link(), state: undefined }, offSpec: 'provider garbage' }],
    ['state of the wrong type', { status: 200, body: link({ state: 42 }), offSpec: 'provider garbage' }],
    ['link_id missing', { status: 200, body: { ...link(), link_id: undefined }, offSpec: 'provider garbage' }],
  ];
  it.each(garbage)('garbage body (%s) -> UNAVAILABLE', async (_name, reply) => {
    mk.on('GET', /^\/links\/mk_link1$/, reply);
    const e = await rejection(mk.adapter().getConnection(ref));
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e.kind).toBe('UNAVAILABLE');
    expect(e.httpStatus).toBe(200);
  });

  it('garbage from the exchange (not idempotent) is UNAVAILABLE and not retryable', async () => {
    mk.on('POST', /^\/link-session\/exchange-token$/, { status: 201, body: { link_id: 'mk_x' }, offSpec: 'provider garbage: no link' });
    const e = await rejection(mk.adapter().exchangePublicToken({ publicToken: 'ex-tok', userId: 'user-1' }));
    expect(e.kind).toBe('UNAVAILABLE');
    expect(e.retryable).toBe(false);
  });

  it('never puts the bearer token or client secret in an error message', async () => {
    mk.on('GET', /^\/links\/mk_link1$/, (call) =>
      mkError(403, 'link_error.forbidden_action', {
        error_message: `denied for ${call.headers['authorization']} / ${CLIENT_SECRET}`,
      }),
    );
    const e = await rejection(mk.adapter().getConnection(ref));
    expect(e.message).not.toContain('tok-1');
    expect(e.message).not.toContain(CLIENT_SECRET);
    expect(e.message).toContain('[redacted]');
  });

  it('the request id header is kept', async () => {
    mk.on('POST', /^\/links\/mk_link1\/reset$/, mkError(404, 'link_error.not_found', {}, { 'x-request-id': 'req-123' }));
    const e = await rejection(mk.adapter().resetLogin(ref));
    expect(e.requestId).toBe('req-123');
    expect(e.kind).toBe('NOT_FOUND');
  });
});
