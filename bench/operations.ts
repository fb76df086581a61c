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
