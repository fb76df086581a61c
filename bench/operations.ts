// GraphQL documents the bench sends (same shapes as test/e2e/operations.ts).
export const CONNECTION_FIELDS = `id provider providerConnectionId userId status requiredAction
  error { providerCode providerType message displayMessage }
  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt`;

export const LIST = `query List($first: Int) {
  connections(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${CONNECTION_FIELDS} } }
  }
}`;

export const STATUS_PAGE = `query Statuses($first: Int) { connections(first: $first) { totalCount edges { node { id status } } } }`;

export const EXCHANGE = `mutation Exchange($input: ExchangePublicTokenInput!) {
  exchangePublicToken(input: $input) {
    __typename
    ... on ExchangePublicTokenPayload { connection { id providerConnectionId } }
    ... on Error { code message }
  }
}`;

export const UPDATE_LINK = `mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {
  createUpdateLinkToken(input: $input) {
    __typename
    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }
    ... on Error { code message }
  }
}`;

export const RESET = `mutation Reset($input: ResetConnectionInput!) {
  resetConnection(input: $input) {
    __typename
    ... on ResetConnectionPayload { connection { id status } }
    ... on Error { code message }
  }
}`;

export const SUBSCRIBE = `subscription { connectionUpdated { id status requiredAction } }`;

/** What an app shows of an account (test/e2e/operations.ts AccountFields). */
export const ACCOUNT_FIELDS = `id providerAccountId name officialName mask type subtype providerType balances { current available limit currency asOf }`;

/** The store-read page with each connection's accounts and balances (issue 9). */
export const LIST_ACCOUNTS = `query ListAccounts($first: Int) {
  connections(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${CONNECTION_FIELDS} accountsUpdatedAt accounts { ${ACCOUNT_FIELDS} } } }
  }
}`;

/**
 * One transactionsSync page with every field of test/e2e/operations.ts TransactionFields; the
 * account's id stands for Plaid's account_id.
 */
const TRANSACTION_FIELDS = `id providerTransactionId amount currency date authorizedDate pending description merchantName providerCategory account { id }`;
export const TRANSACTIONS_SYNC = `query TransactionsSync($input: TransactionsSyncInput!) {
  transactionsSync(input: $input) {
    __typename
    ... on TransactionsSyncPayload { added { ${TRANSACTION_FIELDS} } modified { ${TRANSACTION_FIELDS} } removed nextCursor hasMore }
    ... on Error { code message }
  }
}`;
