// The operations the kit sends. `npm run codegen` reads the /* GraphQL */ documents here and writes
// typed document strings to src/generated/ (the codegen test fails when they drift).
export const KIT_CONNECTION = /* GraphQL */ `fragment KitConnection on Connection { id provider providerConnectionId userId status requiredAction
  error { providerCode providerType message displayMessage }
  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt
  accountsUpdatedAt transactionsUpdatedAt
  accounts { id providerAccountId name officialName mask type subtype balances { current available limit currency asOf } } }`;

export const KIT_ERROR = /* GraphQL */ `fragment KitError on Error { code message
  ... on InvalidInputError { field }
  ... on ProviderError { provider providerCode retryAfterSeconds requestId } }`;

export const CONNECTIONS = /* GraphQL */ `query KitConnections($first: Int, $filter: ConnectionFilter) {
  connections(first: $first, filter: $filter) { totalCount edges { node { ...KitConnection } } }
}`;

export const CONNECTION = /* GraphQL */ `query KitConnection($id: ID!) { connection(id: $id) { ...KitConnection } }`;

export const CONNECTION_EVENTS = /* GraphQL */ `query KitConnectionEvents($id: ID!, $first: Int) {
  connection(id: $id) { id events(first: $first) { eventType occurredAt receivedAt status providerCode outcome } }
}`;

export const CONNECTION_UPDATED = /* GraphQL */ `subscription KitConnectionUpdated($id: ID) { connectionUpdated(id: $id) { ...KitConnection } }`;

export const CREATE_LINK_TOKEN = /* GraphQL */ `mutation KitCreateLinkToken($input: CreateLinkTokenInput!) {
  createLinkToken(input: $input) { __typename ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt } } ...KitError }
}`;

export const EXCHANGE_PUBLIC_TOKEN = /* GraphQL */ `mutation KitExchangePublicToken($input: ExchangePublicTokenInput!) {
  exchangePublicToken(input: $input) { __typename ... on ExchangePublicTokenPayload { connection { ...KitConnection } } ...KitError }
}`;

export const CREATE_UPDATE_LINK_TOKEN = /* GraphQL */ `mutation KitCreateUpdateLinkToken($input: CreateUpdateLinkTokenInput!) {
  createUpdateLinkToken(input: $input) { __typename ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } } ...KitError }
}`;

export const COMPLETE_UPDATE_LINK = /* GraphQL */ `mutation KitCompleteUpdateLink($input: CompleteUpdateLinkInput!) {
  completeUpdateLink(input: $input) { __typename ... on CompleteUpdateLinkPayload { connection { ...KitConnection } } ...KitError }
}`;

export const REFRESH_CONNECTION = /* GraphQL */ `mutation KitRefreshConnection($input: RefreshConnectionInput!) {
  refreshConnection(input: $input) { __typename ... on RefreshConnectionPayload { connection { ...KitConnection } } ...KitError }
}`;

export const RESET_CONNECTION = /* GraphQL */ `mutation KitResetConnection($input: ResetConnectionInput!) {
  resetConnection(input: $input) { __typename ... on ResetConnectionPayload { connection { ...KitConnection } } ...KitError }
}`;

export const REMOVE_CONNECTION = /* GraphQL */ `mutation KitRemoveConnection($input: RemoveConnectionInput!) {
  removeConnection(input: $input) { __typename ... on RemoveConnectionPayload { removedConnectionId } ...KitError }
}`;
