import { z } from 'zod';

// The normalized connection model shared by every layer. No provider wire formats here.

export const PROVIDERS = ['PLAID', 'MONEYKIT'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const CONNECTION_STATUSES = [
  'CONNECTING',
  'CONNECTED',
  'EXPIRING',
  'LOGIN_REQUIRED',
  'USER_ACTION_REQUIRED',
  'INSTITUTION_ERROR',
  'PROVIDER_ERROR',
  'DISCONNECTED',
  'UNKNOWN',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const CONNECTION_ACTIONS = ['NONE', 'UPDATE_LINK', 'WAIT', 'RECONNECT'] as const;
export type ConnectionAction = (typeof CONNECTION_ACTIONS)[number];

/** What the frontend should offer, derived from status alone (contract section 1). */
export const REQUIRED_ACTION = {
  CONNECTING: 'NONE',
  CONNECTED: 'NONE',
  UNKNOWN: 'NONE',
  EXPIRING: 'UPDATE_LINK',
  LOGIN_REQUIRED: 'UPDATE_LINK',
  USER_ACTION_REQUIRED: 'UPDATE_LINK',
  INSTITUTION_ERROR: 'WAIT',
  PROVIDER_ERROR: 'WAIT',
  DISCONNECTED: 'RECONNECT',
} as const satisfies Record<ConnectionStatus, ConnectionAction>;

export interface ConnectionErrorInfo {
  /** Exactly as the provider sent it (ITEM_LOGIN_REQUIRED, auth_expired, ...). */
  providerCode: string;
  /** Plaid error_type; null for MoneyKit. */
  providerType: string | null;
  /** Developer-facing. */
  message: string;
  /** Safe to show to the end user; may be null. */
  displayMessage: string | null;
}

/** ConnectionErrorInfo read back from JSON (store rows, the webhook event log). */
export const connectionErrorInfoSchema: z.ZodType<ConnectionErrorInfo> = z.object({
  providerCode: z.string(),
  providerType: z.string().nullable(),
  message: z.string(),
  displayMessage: z.string().nullable(),
});

export interface InstitutionInfo {
  id: string;
  name: string | null;
  logoUrl: string | null;
  primaryColor: string | null;
}

/**
 * A provider's view of one connection, already normalized by the adapter.
 * `status` here is what the provider's state/error maps to; EXPIRING is derived by the
 * connections service from `consentExpiresAt` and pending-expiry events.
 */
export interface ProviderConnectionState {
  status: ConnectionStatus;
  error: ConnectionErrorInfo | null;
  institution: InstitutionInfo | null;
  products: string[];
  consentExpiresAt: Date | null;
  lastSyncedAt: Date | null;
}

export type LinkMode = 'CREATE' | 'UPDATE';

export interface LinkTokenInfo {
  provider: ProviderName;
  mode: LinkMode;
  token: string;
  expiresAt: Date;
  hostedLinkUrl: string | null;
  /** The provider's own id for the end user, when it returned one (Plaid user_id). Not exposed in GraphQL. */
  providerUserId?: string | null;
}

/** One stored connection, as every layer sees it. The provider secret is not part of it: see ConnectionStore.getCredentials. */
export interface ConnectionRecord {
  id: string; // UUID, the internal id (GraphQL wraps it in a global id)
  provider: ProviderName;
  providerConnectionId: string;
  providerUserId: string | null;
  userId: string;
  /** The connection was made with sandbox credentials (resets allowed). */
  sandbox: boolean;
  status: ConnectionStatus;
  error: ConnectionErrorInfo | null;
  institution: InstitutionInfo | null;
  products: string[];
  consentExpiresAt: Date | null;
  /** A pending expiry/disconnect the provider announced (EXPIRING holds until then). */
  expiringUntil: Date | null;
  lastSyncedAt: Date | null;
  statusChangedAt: Date;
  /** When the state was last read from, or pushed by, the provider (freshness). */
  stateRefreshedAt: Date;
  /** Provider time of the last applied change; older events must not roll state back. */
  lastEventAt: Date | null;
  createdAt: Date;
  /** Incremented on every write; used for optimistic concurrency. */
  version: number;
  /** When the accounts were last read from the provider (null: never). */
  accountsUpdatedAt: Date | null;
  /** When the provider last announced new transaction data (null: never). */
  transactionsUpdatedAt: Date | null;
}
