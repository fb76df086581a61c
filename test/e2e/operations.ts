// The GraphQL operations a frontend would send; identical for every provider.
// `npm run codegen` reads these (the /* GraphQL */ markers) and writes typed documents to test/generated/.
export const CONNECTION_FIELDS = /* GraphQL */ `fragment ConnectionFields on Connection { id provider providerConnectionId userId status requiredAction
  error { providerCode providerType message displayMessage }
  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt }`;

export const CREATE_LINK_TOKEN = /* GraphQL */ `mutation CreateLinkToken($input: CreateLinkTokenInput!) {
  createLinkToken(input: $input) {
    __typename
    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }
    ... on Error { code message }
  }
}`;

export const EXCHANGE = /* GraphQL */ `mutation Exchange($input: ExchangePublicTokenInput!) {
  exchangePublicToken(input: $input) {
    __typename
    ... on ExchangePublicTokenPayload { connection { ...ConnectionFields } }
    ... on Error { code message }
  }
}`;

export const LIST = /* GraphQL */ `query List($first: Int, $after: String, $filter: ConnectionFilter) {
  connections(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...ConnectionFields } }
  }
}`;

export const GET = /* GraphQL */ `query Get($id: ID!) { connection(id: $id) { ...ConnectionFields } }`;
export const NODE = /* GraphQL */ `query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }`;

export const RESET = /* GraphQL */ `mutation Reset($input: ResetConnectionInput!) {
  resetConnection(input: $input) {
    __typename
    ... on ResetConnectionPayload { connection { ...ConnectionFields } }
    ... on Error { code message }
  }
}`;

export const RESET_MANY = /* GraphQL */ `mutation ResetMany($input: ResetConnectionsInput!) {
  resetConnections(input: $input) {
    __typename
    ... on ResetConnectionsPayload { connections { id status requiredAction } }
    ... on Error { code message }
  }
}`;

export const UPDATE_LINK = /* GraphQL */ `mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {
  createUpdateLinkToken(input: $input) {
    __typename
    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }
    ... on Error { code message }
  }
}`;

export const REFRESH = /* GraphQL */ `mutation Refresh($input: RefreshConnectionInput!) {
  refreshConnection(input: $input) {
    __typename
    ... on RefreshConnectionPayload { connection { ...ConnectionFields } }
    ... on Error { code message }
    ... on ProviderError { provider providerCode retryAfterSeconds requestId }
  }
}`;

export const COMPLETE_UPDATE = /* GraphQL */ `mutation CompleteUpdate($input: CompleteUpdateLinkInput!) {
  completeUpdateLink(input: $input) {
    __typename
    ... on CompleteUpdateLinkPayload { connection { ...ConnectionFields } }
    ... on Error { code message }
  }
}`;

export const REMOVE = /* GraphQL */ `mutation Remove($input: RemoveConnectionInput!) {
  removeConnection(input: $input) {
    __typename
    ... on RemoveConnectionPayload { removedConnectionId }
    ... on Error { code message }
  }
}`;

export const ACCOUNT_FIELDS = /* GraphQL */ `fragment AccountFields on Account { id providerAccountId name officialName mask type subtype providerType
  balances { current available limit currency asOf } }`;

export const TRANSACTION_FIELDS = /* GraphQL */ `fragment TransactionFields on Transaction { id providerTransactionId amount currency date authorizedDate
  pending description merchantName providerCategory account { id providerAccountId } }`;

export const ACCOUNTS = /* GraphQL */ `query Accounts($id: ID!) {
  connection(id: $id) { id status accountsUpdatedAt transactionsUpdatedAt accounts { ...AccountFields } }
}`;

export const ACCOUNTS_PAGE = /* GraphQL */ `query AccountsPage($first: Int) {
  connections(first: $first) { edges { node { id accounts { id balances { current available limit currency } } } } }
}`;

export const NODE_ACCOUNT = /* GraphQL */ `query NodeAccount($id: ID!) {
  node(id: $id) { id ... on Account { ...AccountFields connection { id } } ... on Transaction { ...TransactionFields } }
}`;

export const TRANSACTIONS_SYNC = /* GraphQL */ `query TransactionsSync($input: TransactionsSyncInput!) {
  transactionsSync(input: $input) {
    __typename
    ... on TransactionsSyncPayload { added { ...TransactionFields } modified { ...TransactionFields } removed nextCursor hasMore }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}`;
