import type { ConnectionErrorInfo, ConnectionStatus } from '../../domain/connection.js';
import { lookupStatus } from '../normalize.js';
import type { UnknownValueSink } from '../unknown-values.js';

/**
 * Plaid item error -> ConnectionStatus. Plaid's error_code list is open (new codes arrive without
 * a version bump), so these are Partial tables: a code-specific row wins, then the error_type
 * row, then UNKNOWN (raw code kept, warned once). Every ITEM_ERROR, INSTITUTION_ERROR and
 * API_ERROR code in specs/plaid/REFERENCE.md has a row on purpose; a test walks them.
 */
export const PLAID_ERROR_CODE_STATUS = {
  // ITEM_ERROR: the user re-authenticates through update mode
  ITEM_LOGIN_REQUIRED: 'LOGIN_REQUIRED',
  INVALID_CREDENTIALS: 'LOGIN_REQUIRED',
  INVALID_MFA: 'LOGIN_REQUIRED',
  INSUFFICIENT_CREDENTIALS: 'LOGIN_REQUIRED',
  ACCESS_NOT_GRANTED: 'LOGIN_REQUIRED',
  NO_ACCOUNTS: 'LOGIN_REQUIRED',
  INVALID_UPDATED_USERNAME: 'LOGIN_REQUIRED',
  // Raised inside a Link session; the fix is to run Link (update mode) again.
  INVALID_SEND_METHOD: 'LOGIN_REQUIRED',
  INVALID_PHONE_NUMBER: 'LOGIN_REQUIRED',
  INVALID_OTP: 'LOGIN_REQUIRED',
  USER_INPUT_TIMEOUT: 'LOGIN_REQUIRED',
  // Update mode with product validations re-grants access to the missing accounts.
  NO_AUTH_ACCOUNTS: 'LOGIN_REQUIRED',

  // ITEM_ERROR: the user must act at the bank first, then update mode
  ITEM_LOCKED: 'USER_ACTION_REQUIRED',
  USER_SETUP_REQUIRED: 'USER_ACTION_REQUIRED',
  PASSWORD_RESET_REQUIRED: 'USER_ACTION_REQUIRED',
  MANUAL_VERIFICATION_REQUIRED: 'USER_ACTION_REQUIRED',
  // The user grants access to a suitable account (OAuth) or links another one.
  NO_INVESTMENT_ACCOUNTS: 'USER_ACTION_REQUIRED',
  NO_INVESTMENT_AUTH_ACCOUNTS: 'USER_ACTION_REQUIRED',
  NO_LIABILITY_ACCOUNTS: 'USER_ACTION_REQUIRED',

  // ITEM_ERROR: only a new connection helps
  ITEM_NOT_FOUND: 'DISCONNECTED',
  ITEM_CONCURRENTLY_DELETED: 'DISCONNECTED',
  ITEM_NOT_SUPPORTED: 'DISCONNECTED',
  MFA_NOT_SUPPORTED: 'DISCONNECTED',
  USER_PERMISSION_REVOKED: 'DISCONNECTED',

  // ITEM_ERROR codes about a product call, not the login: the connection itself is healthy.
  PRODUCT_NOT_ENABLED: 'CONNECTED',
  PRODUCT_NOT_READY: 'CONNECTED',
  PRODUCTS_NOT_SUPPORTED: 'CONNECTED',
  INSTANT_MATCH_FAILED: 'CONNECTED',
  ITEM_NO_ERROR: 'CONNECTED',

  // INSTITUTION_ERROR: transient unless the institution is gone for good
  INSTITUTION_DOWN: 'INSTITUTION_ERROR',
  INSTITUTION_NOT_RESPONDING: 'INSTITUTION_ERROR',
  INSTITUTION_NOT_AVAILABLE: 'INSTITUTION_ERROR',
  INSTITUTION_NOT_ENABLED_IN_ENVIRONMENT: 'INSTITUTION_ERROR',
  UNAUTHORIZED_INSTITUTION: 'INSTITUTION_ERROR',
  INSTITUTION_REGISTRATION_REQUIRED: 'INSTITUTION_ERROR',
  UNSUPPORTED_RESPONSE: 'INSTITUTION_ERROR',
  INSTITUTION_NO_LONGER_SUPPORTED: 'DISCONNECTED',

  // API_ERROR: Plaid itself is failing
  INTERNAL_SERVER_ERROR: 'PROVIDER_ERROR',
  PLANNED_MAINTENANCE: 'PROVIDER_ERROR',
} as const satisfies Partial<Record<string, ConnectionStatus>>;

/** Fallback by error_type for codes without their own row. */
export const PLAID_ERROR_TYPE_STATUS = {
  INSTITUTION_ERROR: 'INSTITUTION_ERROR',
  API_ERROR: 'PROVIDER_ERROR',
} as const satisfies Partial<Record<string, ConnectionStatus>>;

/** The ITEM webhook codes and what each does to a connection (contract section 4). */
export const PLAID_ITEM_WEBHOOK_EFFECT = {
  ERROR: 'error', // status from the error object
  PENDING_EXPIRATION: 'expiring', // consent ends at consent_expiration_time
  PENDING_DISCONNECT: 'expiring', // disconnect scheduled in 7 days
  USER_PERMISSION_REVOKED: 'error', // carries the USER_PERMISSION_REVOKED error: DISCONNECTED
  USER_ACCOUNT_REVOKED: 'record', // one account revoked; the item still works
  LOGIN_REPAIRED: 'repaired', // item left ITEM_LOGIN_REQUIRED
  NEW_ACCOUNTS_AVAILABLE: 'record',
  WEBHOOK_UPDATE_ACKNOWLEDGED: 'error_if_present', // carries the item's error, if any
} as const satisfies Record<string, 'error' | 'expiring' | 'repaired' | 'record' | 'error_if_present'>;

/**
 * Data announcements ("<webhook_type>.<webhook_code>"): what the gateway marks or re-reads.
 * Plaid has no balance webhook; DEFAULT_UPDATE follows every refresh (balances included), so it
 * also re-reads the accounts.
 */
export const PLAID_DATA_WEBHOOK_EFFECT: Partial<Record<string, { transactions: boolean; accounts: boolean }>> = {
  'TRANSACTIONS.SYNC_UPDATES_AVAILABLE': { transactions: true, accounts: false },
  'TRANSACTIONS.DEFAULT_UPDATE': { transactions: true, accounts: true },
  'TRANSACTIONS.INITIAL_UPDATE': { transactions: true, accounts: true },
  'TRANSACTIONS.HISTORICAL_UPDATE': { transactions: true, accounts: false },
  'TRANSACTIONS.TRANSACTIONS_REMOVED': { transactions: true, accounts: false },
};

/** Plaid documents PENDING_DISCONNECT as "in 7 days"; the webhook carries no date. */
export const PLAID_PENDING_DISCONNECT_DAYS = 7;
/** Plaid sends PENDING_EXPIRATION this many days ahead of consent_expiration_time. */
export const PLAID_PENDING_EXPIRATION_DAYS = 7;

/** Plaid error -> status: the code row, then the error_type row, then UNKNOWN (reported once per code). */
export function plaidErrorStatus(errorCode: string, errorType: string | null, report: UnknownValueSink): ConnectionStatus {
  const byCode: Partial<Record<string, ConnectionStatus>> = PLAID_ERROR_CODE_STATUS;
  const byType: Partial<Record<string, ConnectionStatus>> = PLAID_ERROR_TYPE_STATUS;
  if (Object.prototype.hasOwnProperty.call(byCode, errorCode)) return byCode[errorCode]!;
  if (errorType !== null && Object.prototype.hasOwnProperty.call(byType, errorType)) return byType[errorType]!;
  return lookupStatus('PLAID', {}, errorCode, `item error ${errorType ?? 'unknown type'}`, report);
}

/** Plaid item error -> the normalized item status (healthy when there is none). */
export function plaidItemStatus(error: { error_type: string; error_code: string } | null | undefined, report: UnknownValueSink): ConnectionStatus {
  return error ? plaidErrorStatus(error.error_code, error.error_type, report) : 'CONNECTED';
}

/** A Plaid error object (API answer or webhook) as the raw error kept beside the status. */
export function plaidErrorInfo(e: { error_type: string; error_code: string; error_message?: string | null; display_message?: string | null }): ConnectionErrorInfo {
  return {
    providerCode: e.error_code,
    providerType: e.error_type,
    message: e.error_message || e.error_code,
    displayMessage: e.display_message ?? null,
  };
}
