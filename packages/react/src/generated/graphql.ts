/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AccountType =
  | 'CREDIT'
  | 'DEPOSITORY'
  | 'INVESTMENT'
  | 'LOAN'
  | 'OTHER';

export type CompleteUpdateLinkInput = {
  connectionId: string | number;
};

/** What the frontend should offer the user, derived from status alone. */
export type ConnectionAction =
  | 'NONE'
  | 'RECONNECT'
  | 'UPDATE_LINK'
  | 'WAIT';

export type ConnectionFilter = {
  provider?: Provider | null | undefined;
  /** Matches the stored status; nodes re-read for freshness in the same request show the status just read. */
  status?: Array<ConnectionStatus> | null | undefined;
  /** Admin only. */
  userId?: string | null | undefined;
};

/** One enum for every provider's state and error code. */
export type ConnectionStatus =
  /** Healthy. */
  | 'CONNECTED'
  /** Linking not finished yet. */
  | 'CONNECTING'
  /** Revoked, deleted or removed: only a new connection helps. */
  | 'DISCONNECTED'
  /** Works now, but consent/access ends soon: update mode recommended. */
  | 'EXPIRING'
  /** The bank is down or failing: transient, wait. */
  | 'INSTITUTION_ERROR'
  /** The user must re-authenticate through update mode. */
  | 'LOGIN_REQUIRED'
  /** The aggregator is failing: transient, wait. */
  | 'PROVIDER_ERROR'
  /** A provider value this version does not know (raw code kept in error). */
  | 'UNKNOWN'
  /** The user must act at the institution first, then update mode. */
  | 'USER_ACTION_REQUIRED';

export type CreateLinkTokenInput = {
  /** Plaid only. */
  androidPackageName?: string | null | undefined;
  /** Default ["US"]. */
  countryCodes?: Array<string> | null | undefined;
  /** Default "en". */
  language?: string | null | undefined;
  /** Provider product names (Plaid: transactions, auth ...; MoneyKit: transactions, identity ...). */
  products: Array<string>;
  provider: Provider;
  redirectUri?: string | null | undefined;
};

export type CreateUpdateLinkTokenInput = {
  /** Plaid update.account_selection_enabled. */
  accountSelectionEnabled?: boolean | null | undefined;
  androidPackageName?: string | null | undefined;
  connectionId: string | number;
  language?: string | null | undefined;
  redirectUri?: string | null | undefined;
};

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_STATE'
  | 'NOT_FOUND'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'SANDBOX_ONLY';

export type ExchangePublicTokenInput = {
  provider: Provider;
  /** MoneyKit: the exchangeable token. */
  publicToken: string;
};

export type LinkMode =
  | 'CREATE'
  | 'UPDATE';

export type Provider =
  | 'MONEYKIT'
  | 'PLAID';

export type RefreshConnectionInput = {
  connectionId: string | number;
};

export type RemoveConnectionInput = {
  connectionId: string | number;
};

export type ResetConnectionInput = {
  connectionId: string | number;
};

export type KitConnectionFragment = { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> };

type KitError_InvalidInputError_Fragment = { field: string | null, code: ErrorCode, message: string };

type KitError_InvalidStateError_Fragment = { code: ErrorCode, message: string };

type KitError_NotFoundError_Fragment = { code: ErrorCode, message: string };

type KitError_ProviderError_Fragment = { provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string };

type KitError_ProviderNotConfiguredError_Fragment = { code: ErrorCode, message: string };

type KitError_RateLimitedError_Fragment = { code: ErrorCode, message: string };

type KitError_SandboxOnlyError_Fragment = { code: ErrorCode, message: string };

export type KitErrorFragment =
  | KitError_InvalidInputError_Fragment
  | KitError_InvalidStateError_Fragment
  | KitError_NotFoundError_Fragment
  | KitError_ProviderError_Fragment
  | KitError_ProviderNotConfiguredError_Fragment
  | KitError_RateLimitedError_Fragment
  | KitError_SandboxOnlyError_Fragment
;

export type KitConnectionsQueryVariables = Exact<{
  first?: number | null | undefined;
  filter?: ConnectionFilter | null | undefined;
}>;


export type KitConnectionsQuery = { connections: { totalCount: number, edges: Array<{ node: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } }> } };

export type KitConnectionQueryVariables = Exact<{
  id: string | number;
}>;


export type KitConnectionQuery = { connection: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } | null };

export type KitConnectionEventsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
}>;


export type KitConnectionEventsQuery = { connection: { id: string, events: Array<{ eventType: string, occurredAt: string | null, receivedAt: string, status: ConnectionStatus | null, providerCode: string | null, outcome: string | null }> } | null };

export type KitConnectionUpdatedSubscriptionVariables = Exact<{
  id?: string | number | null | undefined;
}>;


export type KitConnectionUpdatedSubscription = { connectionUpdated: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } };

export type KitCreateLinkTokenMutationVariables = Exact<{
  input: CreateLinkTokenInput;
}>;


export type KitCreateLinkTokenMutation = { createLinkToken:
    | { __typename: 'CreateLinkTokenPayload', linkToken: { provider: Provider, mode: LinkMode, token: string, expiresAt: string } }
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
   };

export type KitExchangePublicTokenMutationVariables = Exact<{
  input: ExchangePublicTokenInput;
}>;


export type KitExchangePublicTokenMutation = { exchangePublicToken:
    | { __typename: 'ExchangePublicTokenPayload', connection: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } }
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
   };

export type KitCreateUpdateLinkTokenMutationVariables = Exact<{
  input: CreateUpdateLinkTokenInput;
}>;


export type KitCreateUpdateLinkTokenMutation = { createUpdateLinkToken:
    | { __typename: 'CreateUpdateLinkTokenPayload', linkToken: { provider: Provider, mode: LinkMode, token: string, expiresAt: string, hostedLinkUrl: string | null } }
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
   };

export type KitCompleteUpdateLinkMutationVariables = Exact<{
  input: CompleteUpdateLinkInput;
}>;


export type KitCompleteUpdateLinkMutation = { completeUpdateLink:
    | { __typename: 'CompleteUpdateLinkPayload', connection: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } }
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
   };

export type KitRefreshConnectionMutationVariables = Exact<{
  input: RefreshConnectionInput;
}>;


export type KitRefreshConnectionMutation = { refreshConnection:
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'RefreshConnectionPayload', connection: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } }
   };

export type KitResetConnectionMutationVariables = Exact<{
  input: ResetConnectionInput;
}>;


export type KitResetConnectionMutation = { resetConnection:
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'ResetConnectionPayload', connection: { id: string, provider: Provider, providerConnectionId: string, userId: string, status: ConnectionStatus, requiredAction: ConnectionAction, products: Array<string>, consentExpiresAt: string | null, lastSyncedAt: string | null, statusChangedAt: string, createdAt: string, accountsUpdatedAt: string | null, transactionsUpdatedAt: string | null, error: { providerCode: string, providerType: string | null, message: string, displayMessage: string | null } | null, institution: { id: string, name: string | null, logoUrl: string | null, primaryColor: string | null } | null, accounts: Array<{ id: string, providerAccountId: string, name: string, officialName: string | null, mask: string | null, type: AccountType, subtype: string | null, balances: { current: string | null, available: string | null, limit: string | null, currency: string | null, asOf: string | null } }> } }
    | { __typename: 'SandboxOnlyError', code: ErrorCode, message: string }
   };

export type KitRemoveConnectionMutationVariables = Exact<{
  input: RemoveConnectionInput;
}>;


export type KitRemoveConnectionMutation = { removeConnection:
    | { __typename: 'InvalidInputError', field: string | null, code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', provider: Provider, providerCode: string | null, retryAfterSeconds: number | null, requestId: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProviderNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'RemoveConnectionPayload', removedConnectionId: string }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const KitConnectionFragmentDoc = new TypedDocumentString(`
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}
    `, {"fragmentName":"KitConnection"}) as unknown as TypedDocumentString<KitConnectionFragment, unknown>;
export const KitErrorFragmentDoc = new TypedDocumentString(`
    fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}
    `, {"fragmentName":"KitError"}) as unknown as TypedDocumentString<KitErrorFragment, unknown>;
export const KitConnectionsDocument = new TypedDocumentString(`
    query KitConnections($first: Int, $filter: ConnectionFilter) {
  connections(first: $first, filter: $filter) {
    totalCount
    edges {
      node {
        ...KitConnection
      }
    }
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}`) as unknown as TypedDocumentString<KitConnectionsQuery, KitConnectionsQueryVariables>;
export const KitConnectionDocument = new TypedDocumentString(`
    query KitConnection($id: ID!) {
  connection(id: $id) {
    ...KitConnection
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}`) as unknown as TypedDocumentString<KitConnectionQuery, KitConnectionQueryVariables>;
export const KitConnectionEventsDocument = new TypedDocumentString(`
    query KitConnectionEvents($id: ID!, $first: Int) {
  connection(id: $id) {
    id
    events(first: $first) {
      eventType
      occurredAt
      receivedAt
      status
      providerCode
      outcome
    }
  }
}
    `) as unknown as TypedDocumentString<KitConnectionEventsQuery, KitConnectionEventsQueryVariables>;
export const KitConnectionUpdatedDocument = new TypedDocumentString(`
    subscription KitConnectionUpdated($id: ID) {
  connectionUpdated(id: $id) {
    ...KitConnection
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}`) as unknown as TypedDocumentString<KitConnectionUpdatedSubscription, KitConnectionUpdatedSubscriptionVariables>;
export const KitCreateLinkTokenDocument = new TypedDocumentString(`
    mutation KitCreateLinkToken($input: CreateLinkTokenInput!) {
  createLinkToken(input: $input) {
    __typename
    ... on CreateLinkTokenPayload {
      linkToken {
        provider
        mode
        token
        expiresAt
      }
    }
    ...KitError
  }
}
    fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitCreateLinkTokenMutation, KitCreateLinkTokenMutationVariables>;
export const KitExchangePublicTokenDocument = new TypedDocumentString(`
    mutation KitExchangePublicToken($input: ExchangePublicTokenInput!) {
  exchangePublicToken(input: $input) {
    __typename
    ... on ExchangePublicTokenPayload {
      connection {
        ...KitConnection
      }
    }
    ...KitError
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}
fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitExchangePublicTokenMutation, KitExchangePublicTokenMutationVariables>;
export const KitCreateUpdateLinkTokenDocument = new TypedDocumentString(`
    mutation KitCreateUpdateLinkToken($input: CreateUpdateLinkTokenInput!) {
  createUpdateLinkToken(input: $input) {
    __typename
    ... on CreateUpdateLinkTokenPayload {
      linkToken {
        provider
        mode
        token
        expiresAt
        hostedLinkUrl
      }
    }
    ...KitError
  }
}
    fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitCreateUpdateLinkTokenMutation, KitCreateUpdateLinkTokenMutationVariables>;
export const KitCompleteUpdateLinkDocument = new TypedDocumentString(`
    mutation KitCompleteUpdateLink($input: CompleteUpdateLinkInput!) {
  completeUpdateLink(input: $input) {
    __typename
    ... on CompleteUpdateLinkPayload {
      connection {
        ...KitConnection
      }
    }
    ...KitError
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}
fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitCompleteUpdateLinkMutation, KitCompleteUpdateLinkMutationVariables>;
export const KitRefreshConnectionDocument = new TypedDocumentString(`
    mutation KitRefreshConnection($input: RefreshConnectionInput!) {
  refreshConnection(input: $input) {
    __typename
    ... on RefreshConnectionPayload {
      connection {
        ...KitConnection
      }
    }
    ...KitError
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}
fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitRefreshConnectionMutation, KitRefreshConnectionMutationVariables>;
export const KitResetConnectionDocument = new TypedDocumentString(`
    mutation KitResetConnection($input: ResetConnectionInput!) {
  resetConnection(input: $input) {
    __typename
    ... on ResetConnectionPayload {
      connection {
        ...KitConnection
      }
    }
    ...KitError
  }
}
    fragment KitConnection on Connection {
  id
  provider
  providerConnectionId
  userId
  status
  requiredAction
  error {
    providerCode
    providerType
    message
    displayMessage
  }
  institution {
    id
    name
    logoUrl
    primaryColor
  }
  products
  consentExpiresAt
  lastSyncedAt
  statusChangedAt
  createdAt
  accountsUpdatedAt
  transactionsUpdatedAt
  accounts {
    id
    providerAccountId
    name
    officialName
    mask
    type
    subtype
    balances {
      current
      available
      limit
      currency
      asOf
    }
  }
}
fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitResetConnectionMutation, KitResetConnectionMutationVariables>;
export const KitRemoveConnectionDocument = new TypedDocumentString(`
    mutation KitRemoveConnection($input: RemoveConnectionInput!) {
  removeConnection(input: $input) {
    __typename
    ... on RemoveConnectionPayload {
      removedConnectionId
    }
    ...KitError
  }
}
    fragment KitError on Error {
  code
  message
  ... on InvalidInputError {
    field
  }
  ... on ProviderError {
    provider
    providerCode
    retryAfterSeconds
    requestId
  }
}`) as unknown as TypedDocumentString<KitRemoveConnectionMutation, KitRemoveConnectionMutationVariables>;