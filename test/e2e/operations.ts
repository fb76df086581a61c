// The GraphQL operations a frontend would send; identical for every provider.
export const CONNECTION_FIELDS = `id provider providerConnectionId userId status requiredAction
  error { providerCode providerType message displayMessage }
  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt`;

export const CREATE_LINK_TOKEN = `mutation CreateLinkToken($input: CreateLinkTokenInput!) {
  createLinkToken(input: $input) {
    __typename
    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }
    ... on Error { code message }
  }
}`;

export const EXCHANGE = `mutation Exchange($input: ExchangePublicTokenInput!) {
  exchangePublicToken(input: $input) {
    __typename
    ... on ExchangePublicTokenPayload { connection { ${CONNECTION_FIELDS} } }
    ... on Error { code message }
  }
}`;

export const LIST = `query List($first: Int, $after: String, $filter: ConnectionFilter) {
  connections(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${CONNECTION_FIELDS} } }
  }
}`;

export const GET = `query Get($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`;
export const NODE = `query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }`;

export const RESET = `mutation Reset($input: ResetConnectionInput!) {
  resetConnection(input: $input) {
    __typename
    ... on ResetConnectionPayload { connection { ${CONNECTION_FIELDS} } }
    ... on Error { code message }
  }
}`;

export const RESET_MANY = `mutation ResetMany($input: ResetConnectionsInput!) {
  resetConnections(input: $input) {
    __typename
    ... on ResetConnectionsPayload { connections { id status requiredAction } }
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

export const REFRESH = `mutation Refresh($input: RefreshConnectionInput!) {
  refreshConnection(input: $input) {
    __typename
    ... on RefreshConnectionPayload { connection { ${CONNECTION_FIELDS} } }
    ... on Error { code message }
    ... on ProviderError { provider providerCode retryAfterSeconds requestId }
  }
}`;

export const REMOVE = `mutation Remove($input: RemoveConnectionInput!) {
  removeConnection(input: $input) {
    __typename
    ... on RemoveConnectionPayload { removedConnectionId }
    ... on Error { code message }
  }
}`;
