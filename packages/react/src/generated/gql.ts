/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment KitConnection on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt\n  accountsUpdatedAt transactionsUpdatedAt\n  accounts { id providerAccountId name officialName mask type subtype balances { current available limit currency asOf } } }": typeof types.KitConnectionFragmentDoc,
    "fragment KitError on Error { code message\n  ... on InvalidInputError { field }\n  ... on ProviderError { provider providerCode retryAfterSeconds requestId } }": typeof types.KitErrorFragmentDoc,
    "query KitConnections($first: Int, $filter: ConnectionFilter) {\n  connections(first: $first, filter: $filter) { totalCount edges { node { ...KitConnection } } }\n}": typeof types.KitConnectionsDocument,
    "query KitConnection($id: ID!) { connection(id: $id) { ...KitConnection } }": typeof types.KitConnectionDocument,
    "query KitConnectionEvents($id: ID!, $first: Int) {\n  connection(id: $id) { id events(first: $first) { eventType occurredAt receivedAt status providerCode outcome } }\n}": typeof types.KitConnectionEventsDocument,
    "subscription KitConnectionUpdated($id: ID) { connectionUpdated(id: $id) { ...KitConnection } }": typeof types.KitConnectionUpdatedDocument,
    "mutation KitCreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) { __typename ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt } } ...KitError }\n}": typeof types.KitCreateLinkTokenDocument,
    "mutation KitExchangePublicToken($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) { __typename ... on ExchangePublicTokenPayload { connection { ...KitConnection } } ...KitError }\n}": typeof types.KitExchangePublicTokenDocument,
    "mutation KitCreateUpdateLinkToken($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) { __typename ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } } ...KitError }\n}": typeof types.KitCreateUpdateLinkTokenDocument,
    "mutation KitCompleteUpdateLink($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) { __typename ... on CompleteUpdateLinkPayload { connection { ...KitConnection } } ...KitError }\n}": typeof types.KitCompleteUpdateLinkDocument,
    "mutation KitRefreshConnection($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) { __typename ... on RefreshConnectionPayload { connection { ...KitConnection } } ...KitError }\n}": typeof types.KitRefreshConnectionDocument,
    "mutation KitResetConnection($input: ResetConnectionInput!) {\n  resetConnection(input: $input) { __typename ... on ResetConnectionPayload { connection { ...KitConnection } } ...KitError }\n}": typeof types.KitResetConnectionDocument,
    "mutation KitRemoveConnection($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) { __typename ... on RemoveConnectionPayload { removedConnectionId } ...KitError }\n}": typeof types.KitRemoveConnectionDocument,
};
const documents: Documents = {
    "fragment KitConnection on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt\n  accountsUpdatedAt transactionsUpdatedAt\n  accounts { id providerAccountId name officialName mask type subtype balances { current available limit currency asOf } } }": types.KitConnectionFragmentDoc,
    "fragment KitError on Error { code message\n  ... on InvalidInputError { field }\n  ... on ProviderError { provider providerCode retryAfterSeconds requestId } }": types.KitErrorFragmentDoc,
    "query KitConnections($first: Int, $filter: ConnectionFilter) {\n  connections(first: $first, filter: $filter) { totalCount edges { node { ...KitConnection } } }\n}": types.KitConnectionsDocument,
    "query KitConnection($id: ID!) { connection(id: $id) { ...KitConnection } }": types.KitConnectionDocument,
    "query KitConnectionEvents($id: ID!, $first: Int) {\n  connection(id: $id) { id events(first: $first) { eventType occurredAt receivedAt status providerCode outcome } }\n}": types.KitConnectionEventsDocument,
    "subscription KitConnectionUpdated($id: ID) { connectionUpdated(id: $id) { ...KitConnection } }": types.KitConnectionUpdatedDocument,
    "mutation KitCreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) { __typename ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt } } ...KitError }\n}": types.KitCreateLinkTokenDocument,
    "mutation KitExchangePublicToken($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) { __typename ... on ExchangePublicTokenPayload { connection { ...KitConnection } } ...KitError }\n}": types.KitExchangePublicTokenDocument,
    "mutation KitCreateUpdateLinkToken($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) { __typename ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } } ...KitError }\n}": types.KitCreateUpdateLinkTokenDocument,
    "mutation KitCompleteUpdateLink($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) { __typename ... on CompleteUpdateLinkPayload { connection { ...KitConnection } } ...KitError }\n}": types.KitCompleteUpdateLinkDocument,
    "mutation KitRefreshConnection($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) { __typename ... on RefreshConnectionPayload { connection { ...KitConnection } } ...KitError }\n}": types.KitRefreshConnectionDocument,
    "mutation KitResetConnection($input: ResetConnectionInput!) {\n  resetConnection(input: $input) { __typename ... on ResetConnectionPayload { connection { ...KitConnection } } ...KitError }\n}": types.KitResetConnectionDocument,
    "mutation KitRemoveConnection($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) { __typename ... on RemoveConnectionPayload { removedConnectionId } ...KitError }\n}": types.KitRemoveConnectionDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment KitConnection on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt\n  accountsUpdatedAt transactionsUpdatedAt\n  accounts { id providerAccountId name officialName mask type subtype balances { current available limit currency asOf } } }"): typeof import('./graphql.js').KitConnectionFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment KitError on Error { code message\n  ... on InvalidInputError { field }\n  ... on ProviderError { provider providerCode retryAfterSeconds requestId } }"): typeof import('./graphql.js').KitErrorFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KitConnections($first: Int, $filter: ConnectionFilter) {\n  connections(first: $first, filter: $filter) { totalCount edges { node { ...KitConnection } } }\n}"): typeof import('./graphql.js').KitConnectionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KitConnection($id: ID!) { connection(id: $id) { ...KitConnection } }"): typeof import('./graphql.js').KitConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KitConnectionEvents($id: ID!, $first: Int) {\n  connection(id: $id) { id events(first: $first) { eventType occurredAt receivedAt status providerCode outcome } }\n}"): typeof import('./graphql.js').KitConnectionEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription KitConnectionUpdated($id: ID) { connectionUpdated(id: $id) { ...KitConnection } }"): typeof import('./graphql.js').KitConnectionUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitCreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) { __typename ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt } } ...KitError }\n}"): typeof import('./graphql.js').KitCreateLinkTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitExchangePublicToken($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) { __typename ... on ExchangePublicTokenPayload { connection { ...KitConnection } } ...KitError }\n}"): typeof import('./graphql.js').KitExchangePublicTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitCreateUpdateLinkToken($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) { __typename ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } } ...KitError }\n}"): typeof import('./graphql.js').KitCreateUpdateLinkTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitCompleteUpdateLink($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) { __typename ... on CompleteUpdateLinkPayload { connection { ...KitConnection } } ...KitError }\n}"): typeof import('./graphql.js').KitCompleteUpdateLinkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitRefreshConnection($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) { __typename ... on RefreshConnectionPayload { connection { ...KitConnection } } ...KitError }\n}"): typeof import('./graphql.js').KitRefreshConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitResetConnection($input: ResetConnectionInput!) {\n  resetConnection(input: $input) { __typename ... on ResetConnectionPayload { connection { ...KitConnection } } ...KitError }\n}"): typeof import('./graphql.js').KitResetConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KitRemoveConnection($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) { __typename ... on RemoveConnectionPayload { removedConnectionId } ...KitError }\n}"): typeof import('./graphql.js').KitRemoveConnectionDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
