import { hash } from 'node:crypto';
import type { ProviderConnectionState } from './connection.js';
import type { Decimal } from './decimal.js';

// The normalized account model (contract section 7). No provider wire formats here.

export const ACCOUNT_TYPES = ['DEPOSITORY', 'CREDIT', 'LOAN', 'INVESTMENT', 'OTHER'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** An account's type as the contract shows it, beside the provider's own text. */
export interface NormalizedAccountType {
  type: AccountType;
  /** Lower-case provider subtype ("checking", "credit card"), null when the provider has none. */
  subtype: string | null;
  /** Exactly as sent: Plaid "depository/checking", MoneyKit "depository.checking". */
  providerType: string;
}

export interface AccountBalances {
  current: Decimal | null;
  available: Decimal | null;
  limit: Decimal | null;
  /** ISO-4217 code, or Plaid's unofficial_currency_code. */
  currency: string | null;
  /** When the provider last refreshed them when it says so, else when the adapter read them. */
  asOf: Date;
}

/** One account as a provider reported it, normalized by the adapter. */
export interface ProviderAccount extends NormalizedAccountType {
  providerAccountId: string;
  name: string;
  officialName: string | null;
  mask: string | null;
  balances: AccountBalances;
}

/** A provider read of a connection's accounts together with its state. */
export interface ProviderAccountsRead {
  /**
   * The connection's state from the same read. `lastSyncedAt` is absent when the read does not
   * carry it (Plaid /accounts/get has no item status): the stored value stands.
   */
  state: Omit<ProviderConnectionState, 'lastSyncedAt'> & { lastSyncedAt?: Date | null };
  /**
   * null when the provider refuses to list accounts in the connection's current state (login
   * broken, link deleted): `state` says why, and the last known accounts stand.
   */
  accounts: ProviderAccount[] | null;
}

/**
 * Whether a client would see a difference between two account lists (Connection.accounts): the
 * same accounts in the same order with the same fields and balances. `asOf` alone moving is no
 * change: without a provider date it is the read time, new on every read (contract section 7:
 * "every accounts change" publishes, a re-read that finds the same accounts does not).
 */
export function sameAccounts(a: readonly ProviderAccount[], b: readonly ProviderAccount[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    return (
      x.providerAccountId === y.providerAccountId && x.name === y.name && x.officialName === y.officialName && x.mask === y.mask &&
      x.type === y.type && x.subtype === y.subtype && x.providerType === y.providerType &&
      x.balances.current === y.balances.current && x.balances.available === y.balances.available &&
      x.balances.limit === y.balances.limit && x.balances.currency === y.balances.currency
    );
  });
}

/**
 * The stored id of an account: derived from its connection and provider id, so it is stable
 * across every replacement of a connection's accounts and computable without a read.
 */
export function accountRowId(connectionId: string, providerAccountId: string): string {
  return derivedUuid('account', connectionId, providerAccountId);
}

/**
 * A UUID-shaped SHA-256 of a namespaced key (version nibble 8: custom, RFC 9562). One-shot
 * crypto.hash: computed for every transaction of every sync page, about 3x cheaper than a Hash object.
 */
export function derivedUuid(kind: string, connectionId: string, providerId: string): string {
  const h = hash('sha256', JSON.stringify([kind, connectionId.toLowerCase(), providerId]), 'hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
