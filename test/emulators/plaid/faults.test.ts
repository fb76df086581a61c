// Fault injection per path, latency, and reset.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { CLIENT_ID, SECRET, plaid } from './helpers.js';

let emu: PlaidEmulator;
const INST = { institution_id: 'ins_109508', country_codes: ['US'] };

beforeAll(async () => {
  emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
});
// resetState also drops latency and recorded requests, so no case sees another's leftovers.
afterEach(() => emu.resetState());
afterAll(async () => {
  await emu.close();
});

const rawPost = (path: string, body: unknown, signal?: AbortSignal): Promise<Response> =>
  fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

describe('faults', () => {
  it('http500 answers API_ERROR once, then the path works again', async () => {
    emu.injectFault({ path: '/institutions/get_by_id', kind: 'http500' });
    const r = await plaid(emu.url, '/institutions/get_by_id', INST);
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(typeof r.body['request_id']).toBe('string');
    expect((await plaid(emu.url, '/institutions/get_by_id', INST)).status).toBe(200);
  });

  it('http429 uses the endpoint rate-limit code and Retry-After; times counts down', async () => {
    emu.injectFault({ path: '/institutions/get_by_id', kind: 'http429', times: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const r = await plaid(emu.url, '/institutions/get_by_id', INST);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.body).toMatchObject({ error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'INSTITUTIONS_GET_BY_ID_LIMIT' });
    }
    expect((await plaid(emu.url, '/institutions/get_by_id', INST)).status).toBe(200);
    emu.injectFault({ path: '/link/token/create', kind: 'http429' });
    const generic = await plaid(emu.url, '/link/token/create', {});
    expect(generic.body).toMatchObject({ error_code: 'RATE_LIMIT' });
    expect(generic.headers.get('retry-after')).toBeNull();
  });

  it('garbage answers 200 with a body that is not JSON', async () => {
    emu.injectFault({ path: '/institutions/get_by_id', kind: 'garbage' });
    const res = await rawPost('/institutions/get_by_id', INST);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('reset destroys the socket', async () => {
    emu.injectFault({ path: '/item/get', kind: 'reset' });
    await expect(rawPost('/item/get', { access_token: 'x' })).rejects.toThrow();
  });

  it('plaid_error returns the given error with its status (default 400)', async () => {
    emu.injectFault({ path: '/item/get', kind: 'plaid_error', error: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_NOT_RESPONDING' } });
    const r = await plaid(emu.url, '/item/get', { access_token: 'x' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_NOT_RESPONDING', display_message: expect.any(String) });
    emu.injectFault({ path: '/item/get', kind: 'plaid_error', error: { error_type: 'API_ERROR', error_code: 'PLANNED_MAINTENANCE', status: 503, error_message: 'down for maintenance' } });
    const m = await plaid(emu.url, '/item/get', { access_token: 'x' });
    expect(m.status).toBe(503);
    expect(m.body).toMatchObject({ error_code: 'PLANNED_MAINTENANCE', error_message: 'down for maintenance' });
  });

  it('times -1 lasts until cleared, over the HTTP control routes too', async () => {
    const add = await fetch(`${emu.url}/emulator/faults`, { method: 'POST', body: JSON.stringify({ path: '/institutions/get_by_id', kind: 'http500', times: -1 }) });
    expect(add.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await plaid(emu.url, '/institutions/get_by_id', INST)).status).toBe(500);
    expect((await plaid(emu.url, '/link/token/create', {})).status).toBe(400); // other paths unaffected
    await fetch(`${emu.url}/emulator/faults`, { method: 'DELETE' });
    expect((await plaid(emu.url, '/institutions/get_by_id', INST)).status).toBe(200);
    const bad = await fetch(`${emu.url}/emulator/faults`, { method: 'POST', body: JSON.stringify({ path: '/x', kind: 'explode' }) });
    expect(bad.status).toBe(400);
  });

  it('hang never sends headers, and close() releases the socket', async () => {
    const own = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
    own.injectFault({ path: '/item/get', kind: 'hang' });
    const pending = fetch(`${own.url}/item/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET },
      body: '{}',
    }).then(
      () => 'answered',
      () => 'failed',
    );
    // the request reached the emulator and is being held
    await expect.poll(() => own.requests.length).toBe(1);
    const raced = await Promise.race([pending, new Promise((r) => setImmediate(() => r('still waiting')))]);
    expect(raced).toBe('still waiting');
    const t0 = Date.now();
    await own.close();
    expect(await pending).toBe('failed');
    // The hang never ends by itself: any bound below the test timeout proves close() cut it short.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('latency delays every Plaid response; resetState clears it and all state', async () => {
    emu.setLatency(300);
    const t0 = Date.now();
    await plaid(emu.url, '/institutions/get_by_id', INST);
    // A lower bound only: load can make the answer later, never earlier.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    // Far longer than this test may take: if resetState kept it, the next request could not answer.
    emu.setLatency(600_000);
    emu.resetState();
    expect(emu.requests).toHaveLength(0);
    expect(emu.latency).toBe(0);
    const r = await plaid(emu.url, '/institutions/get_by_id', INST);
    expect(r.status).toBe(200);
    expect(emu.requests).toHaveLength(1);
  });
});
