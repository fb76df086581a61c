// Webhook bodies (spec *Webhook schemas) and signed delivery. Bodies are serialised with 2-space
// indentation, as Plaid sends them, and the signature covers exactly those bytes.
import { EventEmitter } from 'node:events';
import type { WebhookSigner } from './signing.js';

export type WebhookDelivery = {
  id: number;
  url: string;
  itemId: string | null;
  webhookType: string | null;
  webhookCode: string | null;
  /** Exact body bytes sent (UTF-8). */
  body: string;
  headers: Record<string, string>;
  at: string;
  /** Receiver's HTTP status, or null while pending / when the request failed. */
  status: number | null;
  /** Network error text, or null. */
  error: string | null;
  done: boolean;
};

/** Plaid waits 10 s for a receiver (REFERENCE 5.1). Retries (30 s, x4) are not emulated. */
const DELIVERY_TIMEOUT_MS = 10_000;

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  readonly events = new EventEmitter();
  private seq = 0;
  private readonly inflight = new Set<AbortController>();

  constructor(
    private readonly signer: WebhookSigner,
    private readonly nowMs: () => number,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Starts a delivery and returns its record plus a promise settled when it finishes. */
  send(url: string, payload: Record<string, unknown>, itemId: string | null): { delivery: WebhookDelivery; finished: Promise<WebhookDelivery> } {
    const body = JSON.stringify(payload, null, 2);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Plaid-Verification': this.signer.sign(body),
    };
    const delivery: WebhookDelivery = {
      id: ++this.seq,
      url,
      itemId,
      webhookType: typeof payload['webhook_type'] === 'string' ? payload['webhook_type'] : null,
      webhookCode: typeof payload['webhook_code'] === 'string' ? payload['webhook_code'] : null,
      body,
      headers,
      at: new Date(this.nowMs()).toISOString(),
      status: null,
      error: null,
      done: false,
    };
    this.deliveries.push(delivery);
    return { delivery, finished: this.deliver(delivery) };
  }

  private async deliver(d: WebhookDelivery): Promise<WebhookDelivery> {
    const ac = new AbortController();
    this.inflight.add(ac);
    const timer = setTimeout(() => ac.abort(new Error('timeout after 10 s')), DELIVERY_TIMEOUT_MS);
    try {
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: ac.signal });
      d.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      d.error = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
      this.inflight.delete(ac);
      d.done = true;
    }
    this.events.emit('delivery', d);
    return d;
  }

  /** Resolves with the first finished delivery matching `pred` (past or future). */
  waitFor(pred: (d: WebhookDelivery) => boolean, timeoutMs: number): Promise<WebhookDelivery> {
    const found = this.deliveries.find((d) => d.done && pred(d));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onDelivery = (d: WebhookDelivery): void => {
        if (!pred(d)) return;
        clearTimeout(timer);
        this.events.off('delivery', onDelivery);
        resolve(d);
      };
      const timer = setTimeout(() => {
        this.events.off('delivery', onDelivery);
        reject(new Error(`no matching webhook delivery within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('delivery', onDelivery);
    });
  }

  abortAll(): void {
    for (const ac of this.inflight) ac.abort(new Error('emulator closed'));
  }

  clear(): void {
    this.deliveries.length = 0;
  }
}

// --- bodies --------------------------------------------------------------------------------------

export type WebhookContext = {
  item_id: string;
  user_id: string | null;
  environment: 'sandbox' | 'production';
  account_id: string;
  now: Date;
};

/** Key order follows the spec examples: type, code, item_id, user_id, specifics, environment. */
export function itemWebhook(ctx: WebhookContext, type: string, code: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    webhook_type: type,
    webhook_code: code,
    item_id: ctx.item_id,
    ...(ctx.user_id ? { user_id: ctx.user_id } : {}),
    ...fields,
    environment: ctx.environment,
  };
}

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

type FireEntry = {
  /** webhook_type used when the request leaves it out. */
  defaultType: string;
  /** webhook_types this code can be fired with. */
  types: readonly string[];
  /** Product the Item must have for the given type (else SANDBOX_PRODUCT_NOT_ENABLED). */
  productFor?: Readonly<Record<string, string>>;
  build: (ctx: WebhookContext, type: string) => Record<string, unknown>;
  /** State change the emulator applies when fired. */
  effect?: 'pending_disconnect';
};

const PRODUCT_OF_TYPE: Record<string, string> = {
  AUTH: 'auth',
  TRANSACTIONS: 'transactions',
  INVESTMENTS_TRANSACTIONS: 'investments',
  HOLDINGS: 'investments',
  LIABILITIES: 'liabilities',
  ASSETS: 'assets',
};

/** /sandbox/item/fire_webhook codes (REFERENCE 2.8), as data. */
export const FIRE_WEBHOOK_TABLE: Record<string, FireEntry> = {
  NEW_ACCOUNTS_AVAILABLE: { defaultType: 'ITEM', types: ['ITEM'], build: (c) => itemWebhook(c, 'ITEM', 'NEW_ACCOUNTS_AVAILABLE', { error: null }) },
  LOGIN_REPAIRED: { defaultType: 'ITEM', types: ['ITEM'], build: (c) => itemWebhook(c, 'ITEM', 'LOGIN_REPAIRED') },
  PENDING_DISCONNECT: {
    defaultType: 'ITEM',
    types: ['ITEM'],
    effect: 'pending_disconnect',
    build: (c) =>
      itemWebhook(c, 'ITEM', 'PENDING_DISCONNECT', {
        reason: 'INSTITUTION_MIGRATION',
        disconnect_time: new Date(c.now.getTime() + SEVEN_DAYS_MS).toISOString(),
      }),
  },
  USER_PERMISSION_REVOKED: {
    defaultType: 'ITEM',
    types: ['ITEM'],
    build: (c) =>
      itemWebhook(c, 'ITEM', 'USER_PERMISSION_REVOKED', {
        error: {
          error_type: 'ITEM_ERROR',
          error_code: 'USER_PERMISSION_REVOKED',
          error_code_reason: null,
          error_message: 'the holder of this account has revoked their permission for your application to access it',
          display_message: null,
          status: 400,
        },
      }),
  },
  USER_ACCOUNT_REVOKED: { defaultType: 'ITEM', types: ['ITEM'], build: (c) => itemWebhook(c, 'ITEM', 'USER_ACCOUNT_REVOKED', { account_id: c.account_id }) },
  AUTHORIZATION_GRANTED: { defaultType: 'ITEM', types: ['ITEM'], build: (c) => itemWebhook(c, 'ITEM', 'AUTHORIZATION_GRANTED') },
  DEFAULT_UPDATE: {
    defaultType: 'TRANSACTIONS',
    types: ['AUTH', 'TRANSACTIONS', 'INVESTMENTS_TRANSACTIONS', 'HOLDINGS', 'LIABILITIES'],
    productFor: PRODUCT_OF_TYPE,
    build: (c, t) => {
      const specifics: Record<string, Record<string, unknown>> = {
        TRANSACTIONS: { error: null, new_transactions: 0 },
        INVESTMENTS_TRANSACTIONS: { error: null, new_investments_transactions: 0, canceled_investments_transactions: 0 },
        HOLDINGS: { error: null, new_holdings: 0, updated_holdings: 0 },
        LIABILITIES: { error: null, account_ids_with_new_liabilities: [], account_ids_with_updated_liabilities: {} },
        AUTH: { account_id: c.account_id },
      };
      return itemWebhook(c, t, 'DEFAULT_UPDATE', specifics[t] ?? {});
    },
  },
  SYNC_UPDATES_AVAILABLE: {
    defaultType: 'TRANSACTIONS',
    types: ['TRANSACTIONS'],
    productFor: PRODUCT_OF_TYPE,
    build: (c) => itemWebhook(c, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', { initial_update_complete: true, historical_update_complete: true }),
  },
  RECURRING_TRANSACTIONS_UPDATE: {
    defaultType: 'TRANSACTIONS',
    types: ['TRANSACTIONS'],
    productFor: { TRANSACTIONS: 'transactions' },
    build: (c) => itemWebhook(c, 'TRANSACTIONS', 'RECURRING_TRANSACTIONS_UPDATE', { account_ids: [c.account_id] }),
  },
  SMS_MICRODEPOSITS_VERIFICATION: {
    defaultType: 'AUTH',
    types: ['AUTH'],
    productFor: { AUTH: 'auth' },
    build: (c) => itemWebhook(c, 'AUTH', 'SMS_MICRODEPOSITS_VERIFICATION', { account_id: c.account_id, status: 'MANUALLY_VERIFIED' }),
  },
  PRODUCT_READY: {
    defaultType: 'ASSETS',
    types: ['ASSETS'],
    productFor: { ASSETS: 'assets' },
    build: (c) => ({ webhook_type: 'ASSETS', webhook_code: 'PRODUCT_READY', asset_report_id: `${c.item_id.slice(0, 8)}-asset-report`, user_id: c.user_id ?? undefined, environment: c.environment }),
  },
  ERROR: {
    // The Assets report-failure webhook, not ITEM/ERROR (REFERENCE 2.8).
    defaultType: 'ASSETS',
    types: ['ASSETS'],
    productFor: { ASSETS: 'assets' },
    build: (c) => ({
      webhook_type: 'ASSETS',
      webhook_code: 'ERROR',
      asset_report_id: `${c.item_id.slice(0, 8)}-asset-report`,
      error: { error_type: 'ASSET_REPORT_ERROR', error_code: 'PRODUCT_NOT_READY', error_code_reason: null, error_message: 'the asset report could not be generated', display_message: null, status: 400 },
      environment: c.environment,
    }),
  },
};
