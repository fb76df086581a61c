// Row mapping: the database is a boundary too, so every row is validated on its way out, and the
// value schemas rows and inputs share live here.
import { z } from 'zod';
import { ACCOUNT_TYPES, accountRowId } from '../../domain/account.js';
import { CONNECTION_STATUSES, connectionErrorInfoSchema, PROVIDERS } from '../../domain/connection.js';
import { isDecimal, type Decimal } from '../../domain/decimal.js';
import { isCalendarDate } from '../../domain/transaction.js';
import type { AccountRecord, ConnectionRecord, SyncCursorRecord, TransactionRecord, WebhookEventRecord } from '../store.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Only canonical UUIDs reach SQL: anything else cannot exist, and must not raise a cast error. */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

export const errorInfo = connectionErrorInfoSchema;
export const institutionInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  logoUrl: z.string().nullable(),
  primaryColor: z.string().nullable(),
});

const connectionRow = z.object({
  id: z.string(),
  provider: z.enum(PROVIDERS),
  provider_connection_id: z.string(),
  provider_user_id: z.string().nullable(),
  user_id: z.string(),
  sandbox: z.boolean(),
  status: z.enum(CONNECTION_STATUSES),
  error: errorInfo.nullable(),
  institution: institutionInfo.nullable(),
  products: z.array(z.string()),
  consent_expires_at: z.date().nullable(),
  expiring_until: z.date().nullable(),
  last_synced_at: z.date().nullable(),
  status_changed_at: z.date(),
  state_refreshed_at: z.date(),
  last_event_at: z.date().nullable(),
  created_at: z.date(),
  version: z.number().int(),
  accounts_updated_at: z.date().nullable(),
  transactions_updated_at: z.date().nullable(),
});

const webhookRow = z.object({
  id: z.string(),
  provider: z.enum(PROVIDERS),
  dedupe_key: z.string().nullable(),
  event_type: z.string(),
  provider_connection_id: z.string().nullable(),
  occurred_at: z.date().nullable(),
  received_at: z.date(),
  payload: z.unknown(),
  effect: z.unknown().optional(),
  outcome: z.string().nullable(),
});

// Values inputs and rows share.
export const providerName = z.enum(PROVIDERS);
export const optDate = z.date().nullable();
export const decimal = z.custom<Decimal>(isDecimal, 'not a canonical decimal');
export const calendarDay = z.string().refine(isCalendarDate, 'expected YYYY-MM-DD');

export const CONNECTION_COLUMNS = [
  'id', 'provider', 'provider_connection_id', 'provider_user_id', 'user_id', 'sandbox', 'status',
  'error', 'institution', 'products', 'consent_expires_at', 'expiring_until', 'last_synced_at',
  'status_changed_at', 'state_refreshed_at', 'last_event_at', 'created_at', 'version',
  'accounts_updated_at', 'transactions_updated_at',
] as const;

export function toRecord(row: unknown): ConnectionRecord {
  const r = connectionRow.parse(row);
  return {
    id: r.id,
    provider: r.provider,
    providerConnectionId: r.provider_connection_id,
    providerUserId: r.provider_user_id,
    userId: r.user_id,
    sandbox: r.sandbox,
    status: r.status,
    error: r.error,
    institution: r.institution,
    products: r.products,
    consentExpiresAt: r.consent_expires_at,
    expiringUntil: r.expiring_until,
    lastSyncedAt: r.last_synced_at,
    statusChangedAt: r.status_changed_at,
    stateRefreshedAt: r.state_refreshed_at,
    lastEventAt: r.last_event_at,
    createdAt: r.created_at,
    version: r.version,
    accountsUpdatedAt: r.accounts_updated_at,
    transactionsUpdatedAt: r.transactions_updated_at,
  };
}

export function toWebhookRecord(row: unknown): WebhookEventRecord {
  const r = webhookRow.parse(row);
  return {
    id: r.id,
    provider: r.provider,
    dedupeKey: r.dedupe_key,
    eventType: r.event_type,
    providerConnectionId: r.provider_connection_id,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    payload: r.payload,
    effect: r.effect ?? null,
    outcome: r.outcome,
  };
}

/** jsonb goes in as JSON text: pg would turn a JS array into a PostgreSQL array literal. */
export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

const accountRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_account_id: z.string(),
  name: z.string(),
  official_name: z.string().nullable(),
  mask: z.string().nullable(),
  type: z.enum(ACCOUNT_TYPES),
  subtype: z.string().nullable(),
  provider_type: z.string(),
  balance_current: decimal.nullable(),
  balance_available: decimal.nullable(),
  balance_limit: decimal.nullable(),
  currency: z.string().nullable(),
  balances_as_of: z.date(),
  updated_at: z.date(),
});

export const ACCOUNT_COLUMNS = [
  'id', 'connection_id', 'provider_account_id', 'name', 'official_name', 'mask', 'type', 'subtype', 'provider_type',
  'balance_current', 'balance_available', 'balance_limit', 'currency', 'balances_as_of', 'updated_at',
] as const;

export function toAccount(row: unknown): AccountRecord {
  const r = accountRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    providerAccountId: r.provider_account_id,
    name: r.name,
    officialName: r.official_name,
    mask: r.mask,
    type: r.type,
    subtype: r.subtype,
    providerType: r.provider_type,
    balances: { current: r.balance_current, available: r.balance_available, limit: r.balance_limit, currency: r.currency, asOf: r.balances_as_of },
    updatedAt: r.updated_at,
  };
}

const transactionRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_transaction_id: z.string(),
  provider_account_id: z.string(),
  amount: decimal,
  currency: z.string().nullable(),
  date: calendarDay,
  authorized_date: calendarDay.nullable(),
  pending: z.boolean(),
  description: z.string(),
  merchant_name: z.string().nullable(),
  provider_category: z.string().nullable(),
  updated_at: z.date(),
});

export function toTransaction(row: unknown): TransactionRecord {
  const r = transactionRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    accountId: accountRowId(r.connection_id, r.provider_account_id),
    providerTransactionId: r.provider_transaction_id,
    providerAccountId: r.provider_account_id,
    amount: r.amount,
    currency: r.currency,
    date: r.date,
    authorizedDate: r.authorized_date,
    pending: r.pending,
    description: r.description,
    merchantName: r.merchant_name,
    providerCategory: r.provider_category,
    updatedAt: r.updated_at,
  };
}

const cursorRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_cursor: z.string().nullable(),
  known_pending: z.array(z.string()),
  run_pending: z.array(z.string()),
  run_seen: z.array(z.string()),
  created_at: z.date(),
});

export function toCursor(row: unknown): SyncCursorRecord {
  const r = cursorRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    providerCursor: r.provider_cursor,
    knownPending: r.known_pending,
    runPending: r.run_pending,
    runSeen: r.run_seen,
    createdAt: r.created_at,
  };
}

/** Canonical, de-duplicated UUIDs of `ids` (anything else cannot exist). */
export const uuids = (ids: readonly string[]): string[] => [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];

/** Rows by id in the order of `ids`, null for missing and malformed ones. */
export function inOrder<T extends { id: string }>(ids: readonly string[], found: T[]): (T | null)[] {
  const byId = new Map(found.map((r) => [r.id.toLowerCase(), r]));
  return ids.map((id) => (isUuid(id) ? byId.get(id.toLowerCase()) ?? null : null));
}

