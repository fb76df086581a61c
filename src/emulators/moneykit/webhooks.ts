// MoneyKit webhooks on the kit's queue: the payload (common fields + event fields, state as of the
// change), the exact body bytes signed with ES256 (MoneyKit-Signature), a delivery token per webhook
// shared by its retries, and the attempt number (REFERENCE §8).
import { randomUUID } from 'node:crypto';
import { WebhookQueue } from '../kit/index.js';
import { nowIso } from './api.js';
import { LINK_ERROR_MESSAGES } from './data.js';
import { randomId, signWebhookBody, type SigningKey } from './signing.js';
import type { LinkRecord, WebhookDelivery, WebhookMeta } from './types.js';

export interface WebhookSenderOptions {
  now: () => number;
  currentKey: () => SigningKey;
  maxAttempts: number;
  retryDelayMs: number;
  timeoutMs: number;
}

export type Schedule = (fn: () => void) => void;

export interface Emitted {
  payload: Record<string, unknown>;
  deliveryToken: string;
  /** The last attempt, or null when the link has no webhook URL or the emulator closed first. */
  done: Promise<WebhookDelivery | null>;
}

export function buildPayload(link: LinkRecord, body: Record<string, unknown>): Record<string, unknown> {
  const event = typeof body.webhook_event === 'string' ? body.webhook_event : 'link.state_changed';
  const eventDefaults: Record<string, unknown> =
    event === 'link.state_changed'
      ? { state: link.state, error: link.error_code, error_message: link.error_code ? LINK_ERROR_MESSAGES[link.error_code] : null }
      : {};
  return {
    webhook_major_version: 1,
    webhook_minor_version: 0,
    webhook_idempotency_key: randomUUID(),
    webhook_timestamp: nowIso(),
    link_id: link.link_id,
    link_tags: link.link_tags ?? [],
    webhook_event: event,
    ...eventDefaults,
    ...body,
  };
}

export function createWebhookSender(o: WebhookSenderOptions) {
  // The kit signs per attempt from the body alone; each body carries a fresh idempotency key, so it
  // identifies its webhook's delivery token until the last attempt is done.
  const tokenOfBody = new Map<string, string>();
  let closed = false;
  const queue = new WebhookQueue<WebhookMeta>({
    sign: (body, attempt) => ({
      'content-type': 'application/json',
      'user-agent': 'MoneyKit-Webhooks (emulator)',
      'moneykit-signature': signWebhookBody(o.currentKey(), body, o.now()),
      'moneykit-delivery-token': tokenOfBody.get(body) ?? '',
      'moneykit-delivery-attempt': String(attempt),
    }),
    maxAttempts: o.maxAttempts,
    retryDelayMs: o.retryDelayMs,
    timeoutMs: o.timeoutMs,
    now: o.now,
  });

  /** Builds the payload now (state as of the change) and sends it when `schedule` says so. */
  function emit(link: LinkRecord, body: Record<string, unknown>, schedule: Schedule = setImmediate): Emitted {
    const payload = buildPayload(link, body);
    const deliveryToken = randomId(18);
    const url = link.webhook;
    if (!url) return { payload, deliveryToken, done: Promise.resolve(null) };
    const text = JSON.stringify(payload);
    const meta: WebhookMeta = {
      linkId: link.link_id,
      event: String(payload.webhook_event),
      idempotencyKey: String(payload.webhook_idempotency_key),
      deliveryToken,
      payload,
    };
    const done = new Promise<WebhookDelivery | null>((resolve) => {
      schedule(() => {
        if (closed) return resolve(null);
        tokenOfBody.set(text, deliveryToken);
        queue.send(url, text, meta).finished.then(
          (d) => {
            tokenOfBody.delete(text);
            resolve(d);
          },
          () => resolve(null),
        );
      });
    });
    return { payload, deliveryToken, done };
  }

  return {
    emit,
    queue,
    async close(): Promise<void> {
      closed = true;
      await queue.close();
    },
  };
}
