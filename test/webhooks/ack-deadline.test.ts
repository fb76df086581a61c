import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionService } from '../../src/connections/service.js';
import type { VerifiedWebhook, WebhookVerifier } from '../../src/providers/webhook.js';
import { createWebhookHandler } from '../../src/webhooks/route.js';

/**
 * The route's answer deadline (8 s from arrival, Plaid waits 10 s): every stage shares it. The
 * verifier and the service here are hand-made stand-ins whose promises the test settles, so the
 * clock can be moved past the deadline without waiting for it.
 */
const verified = { provider: 'PLAID', eventType: 'ITEM.ERROR', providerConnectionId: 'item-1', dedupeKey: 'sig:x', occurredAt: new Date(0), effect: { kind: 'none' }, payload: {} } as unknown as VerifiedWebhook;

function pending<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function handlerWith(stages: { verify: Promise<VerifiedWebhook>; record: Promise<unknown>; apply: Promise<string> }) {
  const verifier: WebhookVerifier = { provider: 'PLAID', verify: () => stages.verify };
  const service = { recordWebhook: () => stages.record, applyRecordedWebhook: () => stages.apply } as unknown as ConnectionService;
  return createWebhookHandler({ service, verifiers: { PLAID: verifier }, logger: pino({ level: 'silent' }), trustProxy: false });
}

const delivery = () => new Request('http://gateway.test/webhooks/plaid', { method: 'POST', body: '{}' });

afterEach(() => {
  vi.useRealTimers();
});

describe('the webhook answer deadline', () => {
  it('a verification still running after 8 s answers 503 (the provider redelivers)', async () => {
    vi.useFakeTimers();
    const handle = handlerWith({ verify: new Promise(() => {}), record: new Promise(() => {}), apply: new Promise(() => {}) });
    const answer = handle(delivery(), '/webhooks/plaid', 'req-1');
    await vi.advanceTimersByTimeAsync(7_999);
    let settled = false;
    void answer.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer).toEqual({ status: 503, body: { error: 'temporarily unable to verify' } });
  });

  it('the stages share the 8 s: verified at 5 s and recorded at 9 s is too late to acknowledge', async () => {
    vi.useFakeTimers();
    const verify = pending<VerifiedWebhook>();
    const record = pending<unknown>();
    const handle = handlerWith({ verify: verify.promise, record: record.promise, apply: new Promise(() => {}) });
    const answer = handle(delivery(), '/webhooks/plaid', 'req-2');
    await vi.advanceTimersByTimeAsync(5_000);
    verify.resolve(verified);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await answer).toEqual({ status: 503, body: { error: 'temporarily unable to record' } });
    record.resolve({ id: 'late' });
  });

  it('recorded in time but still applying at 8 s: acknowledged as accepted', async () => {
    vi.useFakeTimers();
    const handle = handlerWith({ verify: Promise.resolve(verified), record: Promise.resolve({ id: 'evt-1' }), apply: new Promise(() => {}) });
    const answer = handle(delivery(), '/webhooks/plaid', 'req-3');
    await vi.advanceTimersByTimeAsync(8_000);
    expect(await answer).toEqual({ status: 200, body: { received: true, outcome: 'accepted' } });
  });

  it('every stage in time: the outcome, and no timer left behind', async () => {
    vi.useFakeTimers();
    const handle = handlerWith({ verify: Promise.resolve(verified), record: Promise.resolve({ id: 'evt-2' }), apply: Promise.resolve('applied') });
    expect(await handle(delivery(), '/webhooks/plaid', 'req-4')).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    expect(vi.getTimerCount()).toBe(0);
  });
});
