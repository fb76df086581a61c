// Webhook bodies (spec *Webhook schemas) as data. Bodies are serialised with 2-space indentation,
// as Plaid sends them, and the signature covers exactly those bytes (see server.ts).
import type { Delivery } from '../kit/index.js';

/** What the emulator records about each webhook it sends, beside the kit's delivery fields. */
export type PlaidDeliveryMeta = { itemId: string | null; webhookType: string | null; webhookCode: string | null };
export type WebhookDelivery = Delivery<PlaidDeliveryMeta>;

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

/**
 * What Plaid sends when an Item's transactions change: SYNC_UPDATES_AVAILABLE (only once
 * /transactions/sync was called for the Item), and the legacy DEFAULT_UPDATE / TRANSACTIONS_REMOVED
 * that Plaid keeps sending for /transactions/get users.
 */
export function transactionsWebhooks(c: WebhookContext, change: { added: number; removed: string[]; syncCalled: boolean }): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (change.syncCalled) out.push(itemWebhook(c, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', { initial_update_complete: true, historical_update_complete: true }));
  if (change.added > 0 || change.removed.length === 0) out.push(itemWebhook({ ...c, user_id: null }, 'TRANSACTIONS', 'DEFAULT_UPDATE', { error: null, new_transactions: change.added }));
  if (change.removed.length > 0) out.push(itemWebhook({ ...c, user_id: null }, 'TRANSACTIONS', 'TRANSACTIONS_REMOVED', { error: null, removed_transactions: change.removed }));
  return out;
}
