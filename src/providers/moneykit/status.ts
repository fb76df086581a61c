import type {
  ConnectionErrorInfo,
  ConnectionStatus,
  InstitutionInfo,
  ProviderConnectionState,
} from '../../domain/connection.js';
import { lookupStatus } from '../normalize.js';
import type { UnknownValueSink } from '../unknown-values.js';
import type { MoneyKitInstitution, MoneyKitLink } from './schemas.js';

/**
 * MoneyKit link `state` x `error_code` -> ConnectionStatus (contract section 3), as data.
 * The closed enums are typed so that adding a member without mapping it is a compile error;
 * values MoneyKit adds later fall back to UNKNOWN through lookupStatus (raw code kept, warned once).
 */

/** PublicLinkState, API 2023-02-18. */
export const MONEYKIT_LINK_STATES = ['connecting', 'awaiting_token_exchange', 'connected', 'deleted', 'error'] as const;
export type MoneyKitLinkState = (typeof MONEYKIT_LINK_STATES)[number];

/** PublicLinkError, API 2023-02-18 (SDK of 2025-05). */
export const MONEYKIT_LINK_ERRORS = [
  'system_error',
  'provider_error',
  'institution_error',
  'user_error',
  'auth_expired',
  'no_accounts',
  'user_setup_required',
  'invalid_credentials',
  'user_oauth_denied',
  'user_input_incorrect',
  'incomplete',
] as const;

/** Values MoneyKit sent in the past and no longer documents; mapped so old links still read well. */
export const MONEYKIT_LEGACY_LINK_ERRORS = ['payment_error'] as const;

export type MoneyKitLinkError =
  | (typeof MONEYKIT_LINK_ERRORS)[number]
  | (typeof MONEYKIT_LEGACY_LINK_ERRORS)[number];

export const STATE_STATUS = {
  connecting: 'CONNECTING',
  awaiting_token_exchange: 'CONNECTING',
  connected: 'CONNECTED',
  deleted: 'DISCONNECTED',
  error: 'BY_ERROR_CODE',
} as const satisfies Record<MoneyKitLinkState, ConnectionStatus | 'BY_ERROR_CODE'>;

export const ERROR_STATUS = {
  // Transient failures MoneyKit or its upstream aggregator report about the link: wait.
  system_error: 'PROVIDER_ERROR',
  provider_error: 'PROVIDER_ERROR',
  institution_error: 'INSTITUTION_ERROR',
  // The user must sign in again through update mode.
  auth_expired: 'LOGIN_REQUIRED',
  invalid_credentials: 'LOGIN_REQUIRED',
  user_oauth_denied: 'LOGIN_REQUIRED',
  user_input_incorrect: 'LOGIN_REQUIRED',
  // The user must act (at the bank, or finish what Connect left open), then update mode.
  user_setup_required: 'USER_ACTION_REQUIRED',
  user_error: 'USER_ACTION_REQUIRED',
  incomplete: 'USER_ACTION_REQUIRED',
  no_accounts: 'USER_ACTION_REQUIRED',
  // Legacy (May-2023 SDK only, meaning never documented): an account-side failure at MoneyKit that
  // neither the user nor update mode can fix, so "wait" is the least harmful advice.
  payment_error: 'PROVIDER_ERROR',
} as const satisfies Record<MoneyKitLinkError, ConnectionStatus>;

interface ErrorText {
  /** Developer-facing. */
  message: string;
  /** Safe to show to the end user, or null. */
  displayMessage: string | null;
}

export const ERROR_TEXT = {
  system_error: {
    message: 'MoneyKit had an unexpected internal failure on this link; it is usually fixed quickly.',
    displayMessage: 'We are having trouble reaching your bank right now. Please try again later.',
  },
  provider_error: {
    message: "The aggregator MoneyKit uses for this link is failing or down.",
    displayMessage: 'We are having trouble reaching your bank right now. Please try again later.',
  },
  institution_error: {
    message: 'The institution is down, in maintenance or failing.',
    displayMessage: 'Your bank is not responding right now. Please try again later.',
  },
  user_error: {
    message: 'The user did not finish Connect (no institution picked, failed login, or timed out).',
    displayMessage: 'Linking your account was not finished. Please connect it again.',
  },
  auth_expired: {
    message: "The link's authorization at the institution has lapsed; the user must reconnect (update mode).",
    displayMessage: 'Your bank connection has expired. Please sign in to your bank again.',
  },
  no_accounts: {
    message: 'No account of the link carries the requested kind of product data.',
    displayMessage: 'No eligible accounts were found. Please reconnect and select your accounts.',
  },
  user_setup_required: {
    message: 'The user must log in at the institution and complete an action there to restore access.',
    displayMessage: 'Your bank needs you to sign in on its website and complete a pending step, then reconnect.',
  },
  invalid_credentials: {
    message: 'The user entered wrong credentials.',
    displayMessage: 'The credentials you entered were not correct. Please sign in again.',
  },
  user_oauth_denied: {
    message: "The user refused access in the institution's OAuth flow.",
    displayMessage: 'Access was not granted at your bank. Please reconnect and allow access.',
  },
  user_input_incorrect: {
    message: 'The user gave a wrong answer to a security question or MFA code.',
    displayMessage: 'The security answer or code was not correct. Please sign in again.',
  },
  incomplete: {
    message: 'Linking is partially done and waits for the user (permissions, terms); no data until finished.',
    displayMessage: 'Linking your account is not finished yet. Please continue where you left off.',
  },
  payment_error: {
    message: 'MoneyKit reported the legacy payment_error on this link.',
    displayMessage: null,
  },
} as const satisfies Record<MoneyKitLinkError, ErrorText>;

/**
 * Error answers to `GET /links/{id}` that describe the link rather than the call: the link is
 * gone, which is a state (DISCONNECTED), not a failure of the read.
 */
export const GONE_LINK_CODES = {
  'link_error.deleted': {
    message: 'MoneyKit says this link was deleted.',
    displayMessage: 'This bank connection was removed. Please connect your account again.',
  },
  'link_error.not_found': {
    message: 'MoneyKit no longer knows this link (deleted more than 90 days ago, or never existed).',
    displayMessage: 'This bank connection was removed. Please connect your account again.',
  },
} as const satisfies Record<string, ErrorText>;

function has<T extends object>(table: T, key: string): key is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** The one ConnectionStatus for a link's state and error code. */
export function linkStatus(state: string, errorCode: string | null | undefined, report: UnknownValueSink): ConnectionStatus {
  if (!has(STATE_STATUS, state)) return lookupStatus('MONEYKIT', {}, state, 'link.state', report);
  const byState = STATE_STATUS[state];
  if (byState !== 'BY_ERROR_CODE') return byState;
  return lookupStatus('MONEYKIT', ERROR_STATUS, errorCode ?? state, 'link.error_code', report);
}

/** Connection.error for a link: set for `error` and unknown states, raw code kept. */
export function linkError(state: string, errorCode: string | null | undefined): ConnectionErrorInfo | null {
  if (has(STATE_STATUS, state) && STATE_STATUS[state] !== 'BY_ERROR_CODE') return null;
  if (!has(STATE_STATUS, state)) {
    return {
      providerCode: errorCode ?? state,
      providerType: null,
      message: `MoneyKit link state "${state}"${errorCode ? ` with error "${errorCode}"` : ''} is not known to this gateway version.`,
      displayMessage: null,
    };
  }
  const code = errorCode ?? state;
  if (has(ERROR_TEXT, code)) return { providerCode: code, providerType: null, ...ERROR_TEXT[code] };
  return {
    providerCode: code,
    providerType: null,
    message: errorCode
      ? `MoneyKit link error "${code}" is not known to this gateway version.`
      : 'MoneyKit reports the link in error without an error code.',
    displayMessage: null,
  };
}

/** MoneyKit sends naive timestamps (2023-02-16T09:14:11): they are UTC. */
export function parseMoneyKitTimestamp(value: string | null | undefined): Date | null {
  if (!value) return null;
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const t = Date.parse(zoned);
  return Number.isNaN(t) ? null : new Date(t);
}

function linkInstitution(link: MoneyKitLink, institution: MoneyKitInstitution | null): InstitutionInfo {
  return {
    id: link.institution_id,
    name: institution?.name ?? link.institution_name ?? null,
    logoUrl: link.institution_avatar || null,
    primaryColor: institution?.color ?? null,
  };
}

/** A MoneyKit link as the normalized ProviderConnectionState. */
export function normalizeLink(link: MoneyKitLink, institution: MoneyKitInstitution | null, report: UnknownValueSink): ProviderConnectionState {
  return {
    status: linkStatus(link.state, link.error_code, report),
    error: linkError(link.state, link.error_code),
    institution: linkInstitution(link, institution),
    products: Object.entries(link.products ?? {})
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k]) => k),
    // MoneyKit has no consent expiry.
    consentExpiresAt: null,
    lastSyncedAt: parseMoneyKitTimestamp(link.last_synced_at),
  };
}

/** The state reported for a link MoneyKit answers 404/410 for. */
export function goneLinkState(code: keyof typeof GONE_LINK_CODES): ProviderConnectionState {
  return {
    status: 'DISCONNECTED',
    error: { providerCode: code, providerType: null, ...GONE_LINK_CODES[code] },
    institution: null,
    products: [],
    consentExpiresAt: null,
    lastSyncedAt: null,
  };
}
